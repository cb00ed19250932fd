import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { ADMIN_TOKEN, adminApi, refresh, signInTo } from '../admin/helpers.ts';
import { RP, freePort, startSaoma, type RunningSaoma } from '../helpers/saoma.ts';
import { blockedScan, inspectableRedis, keysMentioning, signInAs, type InspectableStore } from './helpers.ts';

const ROOT = new URL('../../', import.meta.url).pathname;
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function saoma(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['bin/saoma.ts', ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', NODE_ENV: 'test', ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('saoma accounts (the command line)', () => {
  let server: RunningSaoma;
  let inspectable: InspectableStore;
  let onStore: Record<string, string>;
  let onApi: Record<string, string>;
  before(async () => {
    inspectable = await inspectableRedis();
    server = await startSaoma({ ADMIN_TOKEN }, inspectable.store);
    onStore = { REDIS_URL, REDIS_KEY_PREFIX: inspectable.prefix!, CLIENTS_FILE: server.config.env.CLIENTS_FILE, ISSUER: server.issuer, LOG_LEVEL: 'info' };
    onApi = { SAOMA_ADMIN_URL: `${server.issuer}/admin`, SAOMA_ADMIN_TOKEN: ADMIN_TOKEN };
  });
  after(async () => {
    await server.close();
    await inspectable.cleanup();
  });

  it('finds, shows, blocks, unblocks and exports on the store, and deletes through the API', async () => {
    const person = await signInAs(server, 'cli-gao', 'Gao Cli');
    const found = await saoma(['accounts', 'find', '--nickname', 'gao cli'], onStore);
    assert.equal(found.code, 0, found.stderr);
    assert.match(found.stdout, new RegExp(`^${person.sub}\\t.*\\tGao Cli$`, 'm'));
    const listed = await saoma(['accounts', 'list', '--json'], onApi);
    assert.equal(JSON.parse(listed.stdout).accounts[0].sub, person.sub);

    const shown = await saoma(['accounts', 'show', person.sub], onStore);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /Test Shop \(test-rp\): openid profile offline_access/);
    assert.match(shown.stdout, /phone number +not held/);

    const blocked = await saoma(['accounts', 'block', person.sub], onStore);
    assert.equal(blocked.code, 0, blocked.stderr);
    assert.match(blocked.stdout, /Blocked .*sessions ended: 1, grants revoked: 1/);
    assert.ok(blocked.stderr.split('\n').some((l) => l.includes('"event":"account.blocked"') && l.includes('"actor":"cli:')), 'an audit line naming the operator');
    assert.equal((await refresh(server.issuer, RP, person.tokens.refresh_token!)).json.error, 'invalid_grant');
    assert.equal((await saoma(['accounts', 'unblock', person.sub], onApi)).code, 0);

    const exported = await saoma(['accounts', 'export', person.sub], onStore);
    assert.equal(JSON.parse(exported.stdout).account.nickname, 'Gao Cli');

    const deleted = await saoma(['accounts', 'delete', person.sub], onApi);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.deepEqual(await keysMentioning(inspectable, [person.sub, 'Gao Cli']), []);
    const again = await saoma(['accounts', 'delete', person.sub], onStore);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /Refused \(account_not_found\)/);
  });

  it('unblocks and deletes on the store too: the person scans again, then nothing of them remains', async () => {
    const person = await signInAs(server, 'cli-hu', 'Hu Cli-unique');
    assert.equal((await saoma(['accounts', 'block', person.sub], onStore)).code, 0);
    assert.equal((await blockedScan(server, 'cli-hu')).scanned.json.error, 'login_blocked');
    const unblocked = await saoma(['accounts', 'unblock', person.sub], onStore);
    assert.equal(unblocked.code, 0, unblocked.stderr);
    const again = await signInAs(server, 'cli-hu', 'Hu Cli-unique');
    assert.equal(again.sub, person.sub, 'the scan after the unblock is accepted, as the same person');

    const deleted = await saoma(['accounts', 'delete', person.sub], onStore);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.deepEqual(await keysMentioning(inspectable, [person.sub, 'Hu Cli-unique']), []);
    assert.equal((await refresh(server.issuer, RP, again.tokens.refresh_token!)).json.error, 'invalid_grant');
  });

  it('a website whose back-channel logout endpoint is down does not fail a delete on the store', async () => {
    // Nothing listens on this port: the logout token cannot be delivered.
    const down = `http://127.0.0.1:${await freePort()}/backchannel-logout`;
    const created = await adminApi(`${server.issuer}/admin`)('POST', '/clients', { client_name: 'Down Shop', redirect_uris: ['http://127.0.0.1:9/down/cb'], backchannel_logout_uri: down });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const site = { client_id: created.json.client.client_id, client_secret: created.json.client_secret, redirect_uri: 'http://127.0.0.1:9/down/cb' };
    const signedIn = await signInTo(server, site, 'cli-jia', { scope: 'openid offline_access', extra: { prompt: 'consent' } });
    const sub = signedIn.claims.sub;

    const deleted = await saoma(['accounts', 'delete', sub], onStore);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.deepEqual(await keysMentioning(inspectable, [sub]), []);
    assert.equal((await refresh(server.issuer, site, signedIn.tokens.refresh_token!)).json.error, 'invalid_grant');
  });

  it('wrong usage is exit status 2 with the accounts help', async () => {
    const none = await saoma(['accounts', 'find'], onApi);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /exactly one of --sub, --phone, --nickname/);
    assert.equal((await saoma(['accounts', 'show'], onApi)).code, 2);
    assert.equal((await saoma(['accounts', 'frob', 'x'], onApi)).code, 2);
    const help = await saoma(['accounts', '--help'], {});
    assert.equal(help.code, 0);
    for (const command of ['list', 'find', 'show', 'export', 'block', 'unblock', 'sign-out', 'delete']) assert.match(help.stdout, new RegExp(`saoma accounts ${command}`));
  });
});
