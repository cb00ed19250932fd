import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { complete, sceneFromImage, startLogin } from './helpers/login.ts';
import { spawnSaoma, writeClientsFile, type SaomaProcess } from './helpers/process.ts';
import { freePort, startServer, type RedisProcess } from './helpers/redis.ts';
import type { RunningSaoma } from './helpers/saoma.ts';
import { ADMIN_TOKEN } from './admin/helpers.ts';
import { scrapeMetrics } from './helpers/metrics.ts';

/**
 * Redis goes away in the middle of a login and comes back (with AOF, as docs/operations.md
 * recommends): requests answer 503 meanwhile, the waiting page keeps waiting, and the same saoma
 * process finishes the login once Redis is back, without a restart.
 */
describe('Redis stops in the middle of a login', () => {
  let redisPort: number;
  let redisDir: string;
  let redis: RedisProcess;
  let saoma: SaomaProcess;
  let running: RunningSaoma;
  const durable = () => ['--dir', redisDir, '--appendonly', 'yes', '--appendfsync', 'always'];
  /**
   * Resolves once the process reports `n` waiting status polls. It counts a poll as it starts its
   * read of the ticket; a scrape is a round trip of its own, longer than that read, so by its answer
   * the poll waits.
   */
  const waitingPolls = async (n: number) => {
    const deadline = Date.now() + 10_000;
    while ((await scrapeMetrics(`${saoma.url}/metrics`)).value('saoma_login_waiting_polls') !== n) {
      assert.ok(Date.now() < deadline, `the process never held ${n} waiting polls`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  before(async () => {
    redisPort = await freePort();
    redisDir = mkdtempSync(join(tmpdir(), 'saoma-aof-'));
    redis = await startServer(redisPort, durable());
    // The metrics on the main port say when the page's long-poll is waiting (the process is another one).
    saoma = await spawnSaoma({ REDIS_URL: `redis://127.0.0.1:${redisPort}`, CLIENTS_FILE: writeClientsFile(), REDIS_COMMAND_TIMEOUT_MS: '500', ADMIN_TOKEN, METRICS_ON_MAIN_PORT: 'true' });
    running = {
      issuer: saoma.url,
      wxLogin: async (user: string) => (await (await fetch(`${saoma.url}/emulator/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user }) })).json()).code,
    } as RunningSaoma;
  });
  after(async () => {
    await saoma?.stop();
    await redis?.kill();
  });

  it('answers 503 while Redis is down, keeps the page waiting, and completes the login once it is back', async () => {
    const login = await startLogin(running);
    const scene = await sceneFromImage((await login.browser.request(`${saoma.url}/interaction/${login.uid}/qrcode`)).bytes);
    const code = await running.wxLogin('alice');
    const waiting = login.browser.request(`${saoma.url}/interaction/${login.uid}/status?state=pending`);
    await waitingPolls(1); // the long-poll has read the ticket and now waits

    await redis.kill();
    const scanWhileDown = await fetch(`${saoma.url}/mp/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scene, code }) });
    assert.equal(scanWhileDown.status, 503);
    assert.equal(((await scanWhileDown.json()) as { error: string }).error, 'unavailable');
    assert.equal((await fetch(`${saoma.url}/readyz`)).status, 503);
    const userinfo = await fetch(`${saoma.url}/me`, { headers: { authorization: `Bearer ${'A'.repeat(43)}` } });
    assert.equal(userinfo.status, 503, 'oidc-provider endpoints answer 503 too');
    assert.equal(((await userinfo.json()) as { error: string }).error, 'temporarily_unavailable');
    const statusWhileDown = await login.browser.request(`${saoma.url}/interaction/${login.uid}/status?state=pending`);
    assert.equal(statusWhileDown.status, 503);
    assert.equal(statusWhileDown.json.error, 'unavailable');

    redis = await startServer(redisPort, durable());
    const deadline = Date.now() + 10_000;
    while ((await fetch(`${saoma.url}/readyz`)).status !== 200) {
      assert.ok(Date.now() < deadline, 'saoma did not recover within 10 s of Redis returning');
      await new Promise((r) => setTimeout(r, 100));
    }

    const scanned = await fetch(`${saoma.url}/mp/scan`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scene, code }) });
    assert.equal(scanned.status, 200);
    const { token } = (await scanned.json()) as { token: string };
    const woken = await waiting;
    assert.equal(woken.json?.state, 'scanned', `the page that waited through the outage hears the scan (${woken.status} ${woken.text})`);
    const confirmed = await fetch(`${saoma.url}/mp/confirm`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scene, token }) });
    assert.equal(confirmed.status, 200);
    const callback = await complete(running, login);
    const tokens = await oidc.authorizationCodeGrant(login.config, callback, { pkceCodeVerifier: login.verifier, expectedState: login.state, idTokenExpected: true });
    assert.ok(tokens.claims()!.sub);
    assert.equal(saoma.child.exitCode, null, 'the process never crashed');
    assert.doesNotMatch(saoma.output(), /unhandled|uncaught/i);
  });
});
