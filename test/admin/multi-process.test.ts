import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { spawnSaoma, writeClientsFile, type SaomaProcess } from '../helpers/process.ts';
import { freePort } from '../helpers/saoma.ts';
import { REDIS_URL, redisPrefix, standaloneEmulator } from './fixtures.ts';
import { ADMIN_TOKEN, adminApi, authorize, refresh, signInTo, type Issuer, type Website } from './helpers.ts';

/**
 * Two saoma processes (`node src/main.ts`) on one Redis behind one issuer, one WeChat emulator:
 * a client changed through the admin API of one process is seen by the other on its very next
 * request, with no restart and no message between them.
 */
describe('client changes across processes', () => {
  const redis = redisPrefix('admin-mp');
  let emulator: { url: string; server: Server; issuer(url: string): Issuer };
  let a: SaomaProcess;
  let b: SaomaProcess;
  let onA: Issuer;
  let onB: Issuer;

  before(async () => {
    emulator = await standaloneEmulator();
    const portA = await freePort();
    const env = { ISSUER: `http://127.0.0.1:${portA}`, REDIS_URL, REDIS_KEY_PREFIX: redis.prefix, WECHAT_API_BASE: emulator.url, CLIENTS_FILE: writeClientsFile(), ADMIN_TOKEN };
    [a, b] = await Promise.all([spawnSaoma({ ...env, PORT: String(portA) }), spawnSaoma(env)]);
    onA = emulator.issuer(a.url);
    onB = { ...emulator.issuer(a.url), url: b.url };
  });

  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    emulator?.server.close();
    await redis.clean();
  });

  it('a redirect URI changed on A is refused on B at once, and the new one works there', async () => {
    const created = await adminApi(`${a.url}/admin`)('POST', '/clients', { client_name: 'Moving Shop', redirect_uris: ['http://127.0.0.1:9/old'] });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const site: Website = { client_id: created.json.client.client_id, client_secret: created.json.client_secret, redirect_uri: 'http://127.0.0.1:9/old' };
    // B knows the client before the change (and has it in oidc-provider's client cache).
    assert.equal((await authorize(a.url, site, { via: b.url })).status, 303);
    const signedIn = await signInTo(onB, site, 'dora', { phone: onA });
    assert.equal(signedIn.claims.aud, site.client_id);

    const moved = await adminApi(`${a.url}/admin`)('PATCH', `/clients/${site.client_id}`, { redirect_uris: ['http://127.0.0.1:9/new'] });
    assert.equal(moved.status, 200);
    const old = await authorize(a.url, site, { via: b.url });
    assert.equal(old.status, 400, 'B refuses the old redirect URI on the very next request');
    assert.equal(old.location, '', 'and does not redirect to it');
    const renewed = await signInTo(onB, { ...site, redirect_uri: 'http://127.0.0.1:9/new' }, 'dora', { phone: onA });
    assert.equal(renewed.claims.sub, signedIn.claims.sub);
  });

  it('a client deleted on B loses its refresh tokens on A', async () => {
    const created = await adminApi(`${b.url}/admin`)('POST', '/clients', { client_name: 'Closing Shop', redirect_uris: ['http://127.0.0.1:9/closing'] });
    const site: Website = { client_id: created.json.client.client_id, client_secret: created.json.client_secret, redirect_uri: 'http://127.0.0.1:9/closing' };
    const signedIn = await signInTo(onA, site, 'emil', { scope: 'openid offline_access', extra: { prompt: 'consent' } });
    const refreshed = await refresh(a.url, site, signedIn.tokens.refresh_token!);
    assert.equal(refreshed.status, 200);

    const removed = await adminApi(`${b.url}/admin`)('DELETE', `/clients/${site.client_id}`);
    assert.equal(removed.json.revoked_grants, 1);
    const dead = await refresh(a.url, site, refreshed.json.refresh_token);
    assert.equal(dead.status, 401);
    assert.equal(dead.json.error, 'invalid_client');
    const userinfo = await fetch(`${a.url}/me`, { headers: { authorization: `Bearer ${refreshed.json.access_token}` } });
    assert.equal(userinfo.status, 401, 'its access tokens die too');
  });
});
