import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { Redis } from 'ioredis';
import { createEmulator } from '../src/emulator/emulator.ts';
import { EMULATOR_APPID, EMULATOR_SECRET } from '../src/config/load.ts';
import { createLogger } from '../src/log.ts';
import { Browser } from './helpers/browser.ts';
import { complete, sceneFromImage, startLogin } from './helpers/login.ts';
import { spawnSaoma, writeClientsFile, type SaomaProcess } from './helpers/process.ts';
import { RP, freePort, type RunningSaoma } from './helpers/saoma.ts';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * Two saoma processes (`node src/main.ts`) behind one issuer, on one Redis, with one WeChat
 * emulator: the browser waits on A, the phone scans and confirms on B, the login completes on A
 * and the tokens work on B.
 */
describe('two processes, one Redis, one login', () => {
  const prefix = `saoma-test-${process.pid}-${Date.now()}:`;
  let emulator: Server;
  let emulatorUrl: string;
  let a: SaomaProcess;
  let b: SaomaProcess;
  let asA: RunningSaoma;
  const stats = async () => (await (await fetch(`${emulatorUrl}/emulator/stats`)).json()).calls as Record<string, number>;

  before(async () => {
    emulator = createEmulator({ appid: EMULATOR_APPID, secret: EMULATOR_SECRET, log: createLogger('silent') }).app.listen(0, '127.0.0.1');
    await new Promise((r) => emulator.once('listening', r));
    emulatorUrl = `http://127.0.0.1:${(emulator.address() as { port: number }).port}`;
    const portA = await freePort();
    const env = { ISSUER: `http://127.0.0.1:${portA}`, REDIS_URL, REDIS_KEY_PREFIX: prefix, WECHAT_API_BASE: emulatorUrl, CLIENTS_FILE: writeClientsFile() };
    // Started together, as a deployment would: they must agree on keys without copying files.
    [a, b] = await Promise.all([spawnSaoma({ ...env, PORT: String(portA) }), spawnSaoma(env)]);
    asA = { issuer: a.url, wxLogin: async (user: string) => (await (await fetch(`${emulatorUrl}/emulator/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user }) })).json()).code } as RunningSaoma;
  });

  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    emulator?.close();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  const onB = (path: string, body: unknown) => fetch(`${b.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (res) => ({ status: res.status, json: await res.json() }));

  it('the browser waits on A, the phone confirms on B, the login completes on A, the tokens work on B', async () => {
    assert.deepEqual(await (await fetch(`${a.url}/jwks`)).json(), await (await fetch(`${b.url}/jwks`)).json(), 'one JWKS for the deployment');

    const login = await startLogin(asA, { scope: 'openid profile offline_access', extra: { prompt: 'consent' } });
    // The same browser reaches B for its page: the cookie keys agree too.
    assert.equal((await login.browser.request(`${b.url}/interaction/${login.uid}`)).status, 200);
    const image = await login.browser.request(`${a.url}/interaction/${login.uid}/qrcode`);
    const scene = await sceneFromImage(image.bytes);

    const waiting = login.browser.request(`${a.url}/interaction/${login.uid}/status?state=pending`);
    const scanned = await onB('/mp/scan', { scene, code: await asA.wxLogin('alice') });
    assert.equal(scanned.status, 200, JSON.stringify(scanned.json));
    assert.equal((await waiting).json.state, 'scanned', 'A heard of the scan on B');

    const confirmedOnA = login.browser.request(`${a.url}/interaction/${login.uid}/status?state=scanned`);
    assert.equal((await onB('/mp/confirm', { scene, token: scanned.json.token, nickname: 'Alice' })).status, 200);
    assert.equal((await confirmedOnA).json.state, 'confirmed');

    const callback = await complete(asA, login);
    const tokens = await oidc.authorizationCodeGrant(login.config, callback, { pkceCodeVerifier: login.verifier, expectedState: login.state, idTokenExpected: true });
    const sub = tokens.claims()!.sub;

    const userinfo = await fetch(`${b.url}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(userinfo.status, 200);
    assert.deepEqual(await userinfo.json(), { sub, nickname: 'Alice' });
    const refreshed = await fetch(`${b.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${RP.client_id}:${RP.client_secret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token! }),
    });
    assert.equal(refreshed.status, 200);
    assert.ok(((await refreshed.json()) as { id_token?: string }).id_token);
  });

  it('a code image asked of both processes at once is fetched from WeChat once', async () => {
    const before = (await stats()).getwxacodeunlimit;
    const login = await startLogin(asA, { browser: new Browser() });
    const images = await Promise.all([a.url, b.url, a.url, b.url].map((host) => login.browser.request(`${host}/interaction/${login.uid}/qrcode`)));
    assert.deepEqual(images.map((i) => i.status), [200, 200, 200, 200]);
    assert.ok(images.every((i) => i.bytes.equals(images[0]!.bytes)));
    assert.equal((await stats()).getwxacodeunlimit, before + 1);
  });

  it('the WeChat access token is fetched once for the whole deployment', async () => {
    // More logins on both processes, their code images fetched on A and on B alternately.
    for (let i = 0; i < 4; i++) {
      const login = await startLogin(asA, { browser: new Browser() });
      const host = i % 2 ? b.url : a.url;
      assert.equal((await login.browser.request(`${host}/interaction/${login.uid}/qrcode`)).status, 200);
    }
    const calls = await stats();
    assert.equal(calls.stable_token, 1, `stable_token was called ${calls.stable_token} times`);
    assert.equal(calls.token ?? 0, 0);
    assert.ok(calls.getwxacodeunlimit >= 5);
  });
});
