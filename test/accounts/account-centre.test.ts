import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../src/log.ts';
import { ADMIN_TOKEN, adminApi, refresh, signInTo, type Website } from '../admin/helpers.ts';
import { RP, startSaoma, type RunningSaoma } from '../helpers/saoma.ts';
import { inspectableRedis, keysMentioning, signInAs, type InspectableStore } from './helpers.ts';
import { LogoutEndpoint } from './logout-endpoint.ts';

/** The account centre's API as the mini-program calls it. */
function centre(saoma: RunningSaoma) {
  return async (method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; json: any }> => {
    const res = await fetch(`${saoma.issuer}/mp/account${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: await res.json() };
  };
}

describe('the account centre API (/mp/account/*, on Redis)', { timeout: 60_000 }, () => {
  let saoma: RunningSaoma;
  let inspectable: InspectableStore;
  let call: ReturnType<typeof centre>;
  const rp = new LogoutEndpoint();
  let shop: Website;
  const lines: string[] = [];
  const open = async (user: string) => {
    const answer = await call('POST', '/session', undefined, { code: await saoma.wxLogin(user) });
    assert.equal(answer.status, 200, JSON.stringify(answer.json));
    return answer.json.token as string;
  };

  before(async () => {
    await rp.start();
    inspectable = await inspectableRedis();
    const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
    saoma = await startSaoma({ ADMIN_TOKEN }, inspectable.store, createLogger('info', sink));
    call = centre(saoma);
    const created = await adminApi(`${saoma.issuer}/admin`)('POST', '/clients', { client_name: 'Centre Shop', logo_uri: 'https://centre.example/logo.png', redirect_uris: ['http://127.0.0.1:9/centre/cb'], backchannel_logout_uri: rp.url });
    shop = { client_id: created.json.client.client_id, client_secret: created.json.client_secret, redirect_uri: 'http://127.0.0.1:9/centre/cb' };
  });
  after(async () => {
    await saoma.close();
    await inspectable.cleanup();
    rp.close();
  });

  it('opens only with a fresh wx.login code of someone who signed in; without a session nothing is answered', async () => {
    const stranger = await call('POST', '/session', undefined, { code: await saoma.wxLogin('centre-never-signed-in') });
    assert.equal(stranger.status, 404);
    assert.equal(stranger.json.error, 'account_not_found');
    assert.equal((await call('POST', '/session', undefined, { code: 'not-a-wx-code' })).status >= 400, true);
    assert.equal((await call('GET', '/')).status, 401);
    assert.equal((await call('GET', '/', 'A'.repeat(43))).json.error, 'invalid_token');
  });

  it('lists the websites signed into; withdrawing one revokes its grant and tokens and sends its logout token; the other stays', async () => {
    const first = await signInAs(saoma, 'centre-hua', 'Hua');
    const atShop = await signInTo(saoma, shop, 'centre-hua', { scope: 'openid offline_access', extra: { prompt: 'consent' } });
    const token = await open('centre-hua');
    const mine = await call('GET', '/', token);
    assert.equal(mine.status, 200);
    assert.equal(mine.json.account.nickname, 'Hua');
    assert.deepEqual(mine.json.websites.map((w: { name: string }) => w.name).sort(), ['Centre Shop', 'Test Shop']);
    const centreShop = mine.json.websites.find((w: { name: string }) => w.name === 'Centre Shop');
    assert.equal(centreShop.logo_uri, 'https://centre.example/logo.png');
    assert.deepEqual(centreShop.scopes.sort(), ['offline_access', 'openid']);
    assert.ok(centreShop.last_used_at > 0);

    const before = rp.requests;
    const withdrawn = await call('POST', `/websites/${shop.client_id}/withdraw`, token);
    assert.equal(withdrawn.status, 200, JSON.stringify(withdrawn.json));
    assert.equal(withdrawn.json.logouts_sent, 1);
    await rp.arrived(before + 1);
    assert.equal((await rp.verify(saoma.issuer, shop.client_id, before)).sub, first.sub);
    assert.equal((await refresh(saoma.issuer, shop, atShop.tokens.refresh_token!)).json.error, 'invalid_grant');
    assert.equal((await refresh(saoma.issuer, RP, first.tokens.refresh_token!)).status, 200, 'the other website keeps its sign-in');
    assert.deepEqual((await call('GET', '/', token)).json.websites.map((w: { name: string }) => w.name), ['Test Shop']);
    assert.equal((await call('POST', `/websites/${shop.client_id}/withdraw`, token)).status, 404);
    assert.ok(lines.some((l) => l.includes('"event":"account.website_withdrawn"') && l.includes(`"actor":"wechat:${first.sub}"`)));
  });

  it('a session touches only its own account: another person\'s sub in the request learns nothing', async () => {
    const ivy = await signInAs(saoma, 'centre-ivy', 'Ivy');
    const jun = await signInAs(saoma, 'centre-jun', 'Jun');
    const token = await open('centre-jun');
    const asked = await fetch(`${saoma.issuer}/mp/account/?sub=${ivy.sub}`, { headers: { authorization: `Bearer ${token}` } });
    const seen = (await asked.json()) as { account: { nickname: string } };
    assert.equal(seen.account.nickname, 'Jun');
    assert.doesNotMatch(JSON.stringify(seen), new RegExp(ivy.sub));
    const exported = await fetch(`${saoma.issuer}/mp/account/export?sub=${ivy.sub}`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(((await exported.json()) as { account: { sub: string } }).account.sub, jun.sub);
    assert.equal((await refresh(saoma.issuer, RP, ivy.tokens.refresh_token!)).status, 200);
  });

  it('signs out everywhere, exports, and deletes after an explicit confirmation, leaving no key of the person', async () => {
    const kai = await signInAs(saoma, 'centre-kai', 'Kai Centre-unique');
    const token = await open('centre-kai');
    const out = await call('POST', '/sign-out-everywhere', token);
    assert.equal(out.status, 200);
    assert.equal((await refresh(saoma.issuer, RP, kai.tokens.refresh_token!)).json.error, 'invalid_grant');

    const again = await signInAs(saoma, 'centre-kai', 'Kai Centre-unique');
    const atShop = await signInTo(saoma, shop, 'centre-kai', { scope: 'openid offline_access', extra: { prompt: 'consent' } });
    const exported = await call('GET', '/export', token);
    assert.equal(exported.json.account.nickname, 'Kai Centre-unique');
    assert.equal(exported.json.websites.length, 2);

    assert.equal((await call('DELETE', '/', token, {})).status, 400, 'no delete without {"confirm": true}');
    const before = rp.requests;
    const deleted = await call('DELETE', '/', token, { confirm: true });
    assert.equal(deleted.status, 200, JSON.stringify(deleted.json));
    await rp.arrived(before + 1);
    assert.equal((await rp.verify(saoma.issuer, shop.client_id, before)).sub, kai.sub, 'the website with a back-channel logout URI is told the person is gone');
    assert.equal((await refresh(saoma.issuer, shop, atShop.tokens.refresh_token!)).json.error, 'invalid_grant');
    assert.deepEqual(await keysMentioning(inspectable, [kai.sub, 'Kai Centre-unique']), []);
    assert.equal((await refresh(saoma.issuer, RP, again.tokens.refresh_token!)).json.error, 'invalid_grant');
    assert.equal((await call('GET', '/', token)).status, 401, 'the session went with the account');
    assert.equal((await call('POST', '/session', undefined, { code: await saoma.wxLogin('centre-kai') })).json.error, 'account_not_found');
  });
});
