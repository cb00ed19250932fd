import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { accountIndex } from '../../src/accounts/account-index.ts';
import { createLogger } from '../../src/log.ts';
import { storeKeys } from '../../src/store/keys.ts';
import { fetchScene, scan, startLogin } from '../helpers/login.ts';
import { PNG } from '../miniprogram/images.ts';
import { RP, startSaoma, type RunningSaoma } from '../helpers/saoma.ts';
import { ADMIN_TOKEN, adminApi, refresh } from '../admin/helpers.ts';
import { blockedScan, inspectableMemory, inspectableRedis, keysMentioning, signInAs, type InspectableStore } from './helpers.ts';

const backends: Array<[string, () => InspectableStore | Promise<InspectableStore>]> = [['memory', inspectableMemory], ['redis', inspectableRedis]];

for (const [name, open] of backends) {
  describe(`accounts in the admin API (${name} store)`, () => {
    let saoma: RunningSaoma;
    let inspectable: InspectableStore;
    let api: ReturnType<typeof adminApi>;
    const lines: string[] = [];
    const audits = () => lines.map((l) => JSON.parse(l) as Record<string, any>).filter((l) => l.audit === true);
    before(async () => {
      inspectable = await open();
      const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
      saoma = await startSaoma({ ADMIN_TOKEN }, inspectable.store, createLogger('info', sink));
      api = adminApi(`${saoma.issuer}/admin`);
    });
    after(async () => {
      await saoma.close();
      await inspectable.cleanup();
    });

    it('lists newest first in pages, and finds by sub, phone and nickname fragment', async () => {
      const alice = await signInAs(saoma, 'list-alice', 'Alice Wang');
      await new Promise((resolve) => setTimeout(resolve, 1100)); // created_at is in seconds
      const bob = await signInAs(saoma, 'list-bob', 'Bob Li');
      const page = await api('GET', '/accounts?limit=1');
      assert.equal(page.status, 200, JSON.stringify(page.json));
      assert.deepEqual(page.json.accounts.map((a: { sub: string }) => a.sub), [bob.sub]);
      const second = await api('GET', `/accounts?limit=1&after=${encodeURIComponent(page.json.next)}`);
      assert.deepEqual(second.json.accounts.map((a: { sub: string }) => a.sub), [alice.sub]);

      assert.deepEqual((await api('GET', '/accounts?nickname=aLiCe')).json.accounts.map((a: { sub: string }) => a.sub), [alice.sub]);
      const bySub = (await api('GET', `/accounts?sub=${bob.sub}`)).json.accounts;
      assert.deepEqual(bySub, [{ sub: bob.sub, created_at: bySub[0].created_at, nickname: 'Bob Li', blocked: false }]);
      assert.ok(bySub[0].created_at > page.json.accounts.length, 'a creation time');
      assert.deepEqual((await api('GET', '/accounts?sub=nobody')).json.accounts, []);
      await saoma.saoma.accounts.update(bob.sub, { phone_number: '+8613800138000', phone_number_verified: true });
      assert.deepEqual((await api('GET', '/accounts?phone=%2B8613800138000')).json.accounts.map((a: { sub: string }) => a.sub), [bob.sub]);
      assert.deepEqual((await api('GET', '/accounts?phone=%2B8613800138001')).json.accounts, []);
      assert.equal((await api('GET', '/accounts?sub=a&nickname=b')).status, 400);
      assert.equal((await api('GET', '/accounts?limit=0')).status, 400);
    });

    it('shows an account with its websites and whether a phone is held, never WeChat ids', async () => {
      const carol = await signInAs(saoma, 'show-carol', 'Carol');
      await saoma.saoma.accounts.update(carol.sub, { phone_number: '+8613900139000', phone_number_verified: true });
      const shown = await api('GET', `/accounts/${carol.sub}`);
      assert.equal(shown.status, 200, JSON.stringify(shown.json));
      const { account, websites, sessions } = shown.json;
      assert.equal(account.sub, carol.sub);
      assert.equal(account.nickname, 'Carol');
      assert.equal(account.phone_number_held, true);
      assert.ok(account.last_sign_in_at >= account.created_at);
      assert.equal(sessions, 1);
      assert.equal(websites.length, 1);
      assert.equal(websites[0].client_id, RP.client_id);
      assert.equal(websites[0].name, 'Test Shop');
      assert.deepEqual(websites[0].scopes.sort(), ['offline_access', 'openid', 'profile']);
      assert.ok(websites[0].last_used_at >= websites[0].granted_at);
      const text = JSON.stringify(shown.json);
      assert.doesNotMatch(text, /"openid":|unionid|session_key|13900139000|identity:/, 'no WeChat id, no phone number, no identity key');

      const missing = await api('GET', '/accounts/no-such-account');
      assert.equal(missing.status, 404);
      assert.equal(missing.json.error, 'account_not_found');
    });

    it('a blocked person cannot sign in (the browser is told), their refresh tokens are dead; unblocked, they sign in again as the same sub', async () => {
      const dan = await signInAs(saoma, 'block-dan', 'Dan');
      const blocked = await api('POST', `/accounts/${dan.sub}/block`, undefined, { 'x-saoma-actor': 'ops@desk' });
      assert.equal(blocked.status, 200, JSON.stringify(blocked.json));
      assert.equal(blocked.json.sessions_ended, 1);
      assert.equal(blocked.json.grants_revoked, 1);
      const refused = await refresh(saoma.issuer, RP, dan.tokens.refresh_token!);
      assert.equal(refused.status, 400);
      assert.equal(refused.json.error, 'invalid_grant');

      const attempt = await blockedScan(saoma, 'block-dan');
      assert.equal(attempt.scanned.status, 403);
      assert.equal(attempt.scanned.json.error, 'login_blocked');
      assert.equal(attempt.scanned.json.errcode, undefined, 'no WeChat errcode: the mini-program tells an operator\'s block from WeChat\'s');
      assert.equal(attempt.status.state, 'cancelled');
      assert.equal(attempt.status.reason, 'login_blocked', 'the login page learns why, and says so');
      assert.equal((await api('GET', `/accounts/${dan.sub}`)).json.account.blocked, true);

      assert.equal((await api('POST', `/accounts/${dan.sub}/unblock`)).status, 200);
      const again = await signInAs(saoma, 'block-dan', 'Dan');
      assert.equal(again.sub, dan.sub);
      const events = audits().filter((a) => a.sub === dan.sub).map((a) => a.event);
      assert.deepEqual(events, ['account.blocked', 'account.unblocked']);
      assert.match(audits().find((a) => a.event === 'account.blocked')!.actor, /ops@desk/);
    });

    it('exports everything held as one JSON document', async () => {
      const erin = await signInAs(saoma, 'export-erin', 'Erin');
      const exported = await api('GET', `/accounts/${erin.sub}/export`);
      assert.equal(exported.status, 200);
      assert.match(exported.headers.get('content-disposition') ?? '', /saoma-account-/);
      assert.equal(exported.json.account.sub, erin.sub);
      assert.equal(exported.json.account.nickname, 'Erin');
      assert.equal(exported.json.websites[0].name, 'Test Shop');
      assert.equal(exported.json.sessions.length, 1);
      assert.doesNotMatch(JSON.stringify(exported.json), /identity:|unionid|"openid":|session_key/);
      assert.ok(audits().some((a) => a.event === 'account.exported' && a.sub === erin.sub));
    });

    it('a website\'s usage mark whose index entry the store lost (a failover) is indexed again at its next use, so a delete still removes it', async () => {
      const gil = await signInAs(saoma, 'lost-gil', 'Gil Lost-unique');
      const mark = `key:${storeKeys.accountUsed(gil.sub, RP.client_id)}`;
      assert.ok((await inspectable.store.indexMembers(accountIndex(gil.sub))).includes(mark));
      await inspectable.store.indexRemove(accountIndex(gil.sub), mark); // the add a failover lost
      await new Promise((resolve) => setTimeout(resolve, 1100)); // marks are in seconds: the next use writes again
      assert.equal((await refresh(saoma.issuer, RP, gil.tokens.refresh_token!)).status, 200);
      // The mark is written after the answer (accounts/usage.ts): wait for it to be indexed again.
      for (let i = 0; i < 40 && !(await inspectable.store.indexMembers(accountIndex(gil.sub))).includes(mark); i++) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal((await api('DELETE', `/accounts/${gil.sub}`)).status, 200);
      assert.deepEqual(await keysMentioning(inspectable, [gil.sub]), [], 'no mark left behind');
    });

    it('a delete leaves no key of the person in the store, kills their refresh tokens, and the same WeChat user gets a new sub', async () => {
      const fay = await signInAs(saoma, 'delete-fay', 'Fay Zhou-unique');
      await saoma.saoma.accounts.update(fay.sub, { phone_number: '+8613700137000', phone_number_verified: true });
      // A second session and website use: a refresh.
      const second = await signInAs(saoma, 'delete-fay', 'Fay Zhou-unique');
      const rotated = await refresh(saoma.issuer, RP, second.tokens.refresh_token!);
      assert.equal(rotated.status, 200);
      // A picture uploaded in a third login (as the mini-program does before confirming): the
      // avatar and its hourly upload counter, which is named by the sub, must go too.
      const third = await startLogin(saoma, { scope: 'openid profile' });
      const scene = await fetchScene(saoma, third);
      const scanned = await scan(saoma, scene, 'delete-fay');
      const form = new FormData();
      form.set('scene', scene);
      form.set('token', scanned.json.token);
      form.set('avatar', new Blob([PNG], { type: 'image/png' }), 'tmp_avatar.png');
      assert.equal((await fetch(`${saoma.issuer}/mp/avatar`, { method: 'POST', body: form })).status, 200);
      assert.ok((await keysMentioning(inspectable, [fay.sub])).length > 5, 'the person is in the store before');

      const deleted = await api('DELETE', `/accounts/${fay.sub}`);
      assert.equal(deleted.status, 200, JSON.stringify(deleted.json));
      assert.deepEqual(await keysMentioning(inspectable, [fay.sub, 'Fay Zhou-unique', '13700137000']), [], 'no key names or holds the person');
      for (const token of [fay.tokens.refresh_token!, rotated.json.refresh_token]) {
        const answer = await refresh(saoma.issuer, RP, token);
        assert.equal(answer.status, 400);
        assert.equal(answer.json.error, 'invalid_grant');
      }
      const twice = await api('DELETE', `/accounts/${fay.sub}`);
      assert.equal(twice.status, 404);
      assert.equal(twice.json.error, 'account_not_found');
      assert.equal((await api('GET', `/accounts?phone=%2B8613700137000`)).json.accounts.length, 0);

      const reborn = await signInAs(saoma, 'delete-fay', 'Fay again');
      assert.notEqual(reborn.sub, fay.sub, 'a new sub for the same WeChat user');
      assert.ok(audits().some((a) => a.event === 'account.deleted' && a.sub === fay.sub));
      assert.ok(!lines.some((l) => l.includes('13700137000')), 'the phone number is in no log line');
    });
  });
}
