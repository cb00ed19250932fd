import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import * as oidc from 'openid-client';
import { EMULATOR_APPID, EMULATOR_SECRET } from '../../src/config/load.ts';
import { createEmulator } from '../../src/emulator/emulator.ts';
import { createLogger } from '../../src/log.ts';
import { Browser, type Answer } from '../helpers/browser.ts';
import { relyingParty, startLogin, type StartedLogin } from '../helpers/login.ts';
import { spawnSaoma, writeClientsFile, type SaomaProcess } from '../helpers/process.ts';
import { startRedis, type ThrowawayRedis } from '../helpers/redis.ts';
import { RP, freePort, type RunningSaoma } from '../helpers/saoma.ts';

/** Logins waiting when a process dies: a third for a scan, a third for a confirm, a third scanned on the dying one. */
const LOGINS = 30;
const PREFIX = 'kill:';

/**
 * Two saoma processes (`node src/main.ts`) on one Redis and a WeChat emulator on its own. Logins
 * are waiting on A (their long-polls held by A) when A is killed with SIGKILL, as a crash or the
 * OOM killer would. The browsers then reach B, as a load balancer sends them to the survivor
 * (the issuer's address now answers on B), and every one of those logins completes there.
 */
describe('one of two processes is killed while logins wait', () => {
  let redis: ThrowawayRedis;
  let raw: Redis;
  let emulator: Server;
  let emulatorUrl: string;
  let a: SaomaProcess;
  let b: SaomaProcess;
  let issuer: string;

  before(async () => {
    redis = await startRedis();
    raw = new Redis(redis.url);
    emulator = createEmulator({ appid: EMULATOR_APPID, secret: EMULATOR_SECRET, log: createLogger('silent') }).app.listen(0, '127.0.0.1');
    await new Promise((resolve) => emulator.once('listening', resolve));
    emulatorUrl = `http://127.0.0.1:${(emulator.address() as { port: number }).port}`;
    const portA = await freePort();
    issuer = `http://127.0.0.1:${portA}`;
    const env = { ISSUER: issuer, REDIS_URL: redis.url, REDIS_KEY_PREFIX: PREFIX, WECHAT_API_BASE: emulatorUrl, CLIENTS_FILE: writeClientsFile() };
    // One after the other, and again if a start outlasts the helper's 15 s (a busy machine).
    const spawn = async (extra: Record<string, string> = {}): Promise<SaomaProcess> => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await spawnSaoma({ ...env, ...extra });
        } catch (err) {
          if (attempt === 3) throw err;
        }
      }
    };
    a = await spawn({ PORT: String(portA) });
    b = await spawn();
  });

  after(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    emulator?.closeAllConnections();
    emulator?.close();
    raw?.disconnect();
    await redis?.stop();
  });

  const wxLogin = async (user: string): Promise<string> => (await (await fetch(`${emulatorUrl}/emulator/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user }) })).json()).code;
  const mp = async (base: string, path: string, body: unknown) => {
    const res = await fetch(`${base}/mp/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, json: (await res.json()) as any };
  };

  it(`${LOGINS} waiting logins all complete on the survivor after SIGKILL of the process holding their pages`, async () => {
    const onA = { issuer: a.url, wxLogin } as RunningSaoma;
    const config = await relyingParty(onA);
    // Every login's page is opened on A; a third of them are scanned (on A) before the kill.
    const logins = await Promise.all(Array.from({ length: LOGINS }, async (_, i) => {
      const login = await startLogin(onA, { config, browser: new Browser() });
      assert.equal(login.page.status, 200);
      const scene = await raw.get(`${PREFIX}ticket-of:${login.uid}`);
      assert.ok(scene, 'the page made its ticket');
      let token: string | undefined;
      if (i % 3 === 1) {
        const scanned = await mp(a.url, 'scan', { scene, code: await wxLogin(`kill-user-${i}`) });
        assert.equal(scanned.status, 200, JSON.stringify(scanned.json));
        token = scanned.json.token;
      }
      return { i, login, scene, token, known: token ? 'scanned' : 'pending' };
    }));

    // Each page now waits on A for its next state.
    const polls = logins.map(({ login, known }) => login.browser.request(`${a.url}/interaction/${login.uid}/status?state=${known}`).then(
      (answer) => ({ answered: answer }),
      (err: unknown) => ({ failed: err }),
    ));
    // A answers this only after it has read the polls that were sent before it.
    assert.equal((await fetch(`${a.url}/healthz`)).status, 200);

    a.child.kill('SIGKILL');
    await new Promise((resolve) => (a.child.exitCode !== null || a.child.signalCode !== null ? resolve(undefined) : a.child.once('exit', resolve)));
    const ended = await Promise.all(polls);
    assert.deepEqual(ended.filter((e) => 'answered' in e).map((e) => (e as { answered: Answer }).answered.status), [], 'no waiting page was answered by A before it died');

    // The browsers move to B; the phones too. Every login finishes there.
    const results = await Promise.allSettled(logins.map(async ({ i, login, scene, token: scanToken, known }) => {
      const page = await login.browser.request(`${b.url}/interaction/${login.uid}`);
      assert.equal(page.status, 200, `the page reloads on B: ${page.status}`);
      let token = scanToken;
      if (known === 'pending') {
        const waiting = login.browser.request(`${b.url}/interaction/${login.uid}/status?state=pending`);
        const scanned = await mp(b.url, 'scan', { scene, code: await wxLogin(`kill-user-${i}`) });
        assert.equal(scanned.status, 200, JSON.stringify(scanned.json));
        token = scanned.json.token;
        assert.equal((await waiting).json.state, 'scanned');
      }
      const waiting = login.browser.request(`${b.url}/interaction/${login.uid}/status?state=scanned`);
      assert.equal((await mp(b.url, 'confirm', { scene, token })).status, 200);
      assert.equal((await waiting).json.state, 'confirmed');
      return finishOn(b.url, login);
    }));
    const failed = results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
    assert.deepEqual(failed, [], `${failed.length} of ${LOGINS} logins did not complete on the survivor`);
    const subs = new Set(results.map((r) => (r as PromiseFulfilledResult<string>).value));
    assert.equal(subs.size, LOGINS, 'each login signed its own person in');
  });

  /** The page completes on `base`; the website (openid-client) redeems the code there too: the issuer's address now reaches `base`. */
  async function finishOn(base: string, login: StartedLogin): Promise<string> {
    const toSurvivor = (url: string) => url.replace(issuer, base);
    let answer = await login.browser.request(`${base}/interaction/${login.uid}/complete`, { method: 'POST', form: {} });
    assert.equal(answer.status, 303, `complete answered ${answer.status}: ${answer.text.slice(0, 200)}`);
    let location = answer.location!;
    for (let hops = 0; location.startsWith(issuer) && hops < 5; hops++) {
      answer = await login.browser.request(toSurvivor(location));
      assert.equal(answer.status, 303, `${location} answered ${answer.status}`);
      location = answer.location!;
    }
    assert.ok(location.startsWith(RP.redirect_uri), `expected the website's callback, got ${location}`);
    const config = login.config;
    config[oidc.customFetch] = (url, options) => fetch(toSurvivor(url), options as RequestInit);
    const tokens = await oidc.authorizationCodeGrant(config, new URL(location), { pkceCodeVerifier: login.verifier, expectedState: login.state, idTokenExpected: true });
    const me = await fetch(`${base}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(me.status, 200);
    const sub = tokens.claims()!.sub;
    assert.equal(((await me.json()) as { sub: string }).sub, sub);
    return sub;
  }
});
