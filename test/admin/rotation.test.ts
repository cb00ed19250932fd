import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import * as oidc from 'openid-client';
import { createLogger } from '../../src/log.ts';
import { openStore } from '../../src/store/open.ts';
import { Browser } from '../helpers/browser.ts';
import { freePort, startSaoma, type RunningSaoma } from '../helpers/saoma.ts';
import { REDIS_URL, redisPrefix, standaloneEmulator } from './fixtures.ts';
import { relyingPartyFor, signInTo, type Issuer, type Website } from './helpers.ts';

const DELAY_S = 2;
const RETENTION_S = 2;
/** The relying party refreshes its JWKS cache this often (less than the delay), and never on a miss. */
const RP_CACHE_MS = 1000;
/** Each worker pauses between logins: /mp/* allows 120 requests a minute per IP, and every login makes two. */
const PAUSE_MS = 500;

/**
 * `keys rotate` while people keep signing in on two processes of one deployment (one Redis):
 * every login completes, and every ID token verifies against a relying party's JWKS cache that is
 * never older than the activation delay and is not refreshed when a kid is unknown — the promise
 * that publish-first rotation keeps. The old key keeps verifying its tokens (and id_token_hint at
 * logout) until the retention is over, then leaves the JWKS on both processes.
 */
describe('signing-key rotation while logins run', () => {
  const redis = redisPrefix('rotation');
  let emulator: { url: string; server: Server; issuer(url: string): Issuer };
  let a: RunningSaoma;
  let b: RunningSaoma;

  before(async () => {
    emulator = await standaloneEmulator();
    const portA = await freePort();
    const env = {
      ISSUER: `http://127.0.0.1:${portA}`,
      REDIS_URL,
      REDIS_KEY_PREFIX: redis.prefix,
      WECHAT_API_BASE: emulator.url,
      KEY_ACTIVATION_DELAY_SECONDS: String(DELAY_S),
      KEY_RETENTION_SECONDS: String(RETENTION_S),
      // Only the news of the rotation and the process's own schedule may move it, not the timer.
      KEY_REFRESH_SECONDS: '3600',
    };
    const store = () => openStore({ kind: 'redis', url: REDIS_URL }, { keyPrefix: redis.prefix, commandTimeoutMs: 2000, log: createLogger('silent') });
    a = await startSaoma({ ...env, PORT: String(portA) }, await store());
    b = await startSaoma(env, await store());
  });

  after(async () => {
    await a?.close();
    await b?.close();
    emulator?.server.close();
    await redis.clean();
  });

  it('no login fails, every ID token verifies against a cached JWKS, and both processes follow without a restart', async () => {
    const who = { actor: 'test', ip: 'local' };
    const created = await a.saoma.admin.service.createClient({ client_name: 'Busy Shop', redirect_uris: ['http://127.0.0.1:9/busy'], post_logout_redirect_uris: ['http://127.0.0.1:9/bye'] }, who);
    const site: Website = { client_id: created.client.client_id, client_secret: created.client_secret, redirect_uri: 'http://127.0.0.1:9/busy' };
    // One openid-client configuration per process: the token endpoint (where ID tokens are signed) is the process's own.
    const discovered = await relyingPartyFor(a.issuer, site);
    const urlOf = (process: RunningSaoma) => `http://127.0.0.1:${(process.saoma.server.address() as { port: number }).port}`;
    const { supportsPKCE: _method, ...metadata } = discovered.serverMetadata();
    const configFor = (process: RunningSaoma) => {
      const config = new oidc.Configuration({ ...metadata, token_endpoint: `${urlOf(process)}/token` }, site.client_id, site.client_secret, oidc.ClientSecretBasic(site.client_secret!));
      oidc.allowInsecureRequests(config);
      return config;
    };
    const processes = [a, b].map((p) => ({ name: p === a ? 'A' : 'B', config: configFor(p), issuer: { ...emulator.issuer(a.issuer), url: urlOf(p) } }));

    // The relying party's JWKS cache, refreshed on a timer from either process, never on a miss.
    const jwksOf = async (p: (typeof processes)[number]) => (await (await fetch(`${p.issuer.url}/jwks`)).json()) as JSONWebKeySet;
    let cache = await jwksOf(processes[0]!);
    let refreshes = 0;
    const refresher = setInterval(() => {
      void jwksOf(processes[refreshes++ % 2]!).then((jwks) => { cache = jwks; });
    }, RP_CACHE_MS);

    const failures: string[] = [];
    const signed: Array<{ kid: string; process: string; iat: number; idToken: string }> = [];
    let running = true;
    const worker = async (n: number) => {
      for (let i = 0; running; i++) {
        const p = processes[(n + i) % 2]!;
        try {
          const { tokens } = await signInTo(p.issuer, site, `user-${n}-${i % 3}`, { config: p.config, phone: processes[(n + i + 1) % 2]!.issuer });
          const idToken = tokens.id_token!;
          const { payload } = await jwtVerify(idToken, createLocalJWKSet(cache), { issuer: a.issuer, audience: site.client_id });
          signed.push({ kid: decodeProtectedHeader(idToken).kid!, process: p.name, iat: payload.iat!, idToken });
        } catch (err) {
          failures.push(`login ${n}.${i} on ${p.name}: ${(err as Error).message}`);
        }
        await new Promise((r) => setTimeout(r, PAUSE_MS));
      }
    };
    const workers = [0, 1, 2].map(worker);

    // Whatever happens below, the workers and the cache refresher stop, so a failure cannot hang the run.
    const stop = async () => {
      running = false;
      clearInterval(refresher);
      await Promise.all(workers);
    };
    let oldKid = '';
    let newKid = '';
    let rotatedAt = 0;
    try {
      // Some logins on the old key first.
      await waitFor(async () => signed.length > 0, 15_000, 'a first login');
      oldKid = a.saoma.signingKeys.list().find((k) => k.alg === 'RS256' && k.state === 'signing')!.kid;
      rotatedAt = Date.now();
      const { added } = await a.saoma.admin.service.rotateKeys({ actor: 'test', ip: 'local' });
      newKid = added.find((k) => k.alg === 'RS256')!.kid;
      // B hears of the rotation at once and publishes the new key long before it signs.
      await waitFor(async () => (await jwksOf(processes[1]!)).keys.some((k) => k.kid === newKid), 500, 'B publishes the new key');
      assert.ok(Date.now() - rotatedAt < DELAY_S * 1000);

      const signsOn = (p: RunningSaoma) => p.saoma.signingKeys.list().find((k) => k.alg === 'RS256' && k.state === 'signing')!.kid;
      await waitFor(async () => signsOn(b) === newKid, (DELAY_S + 1) * 1000, 'B signs with the new key');
      // The new key signs now; a logout with an ID token signed by the old key is still accepted.
      const oldToken = signed.find((s) => s.kid === oldKid)!;
      const logout = await new Browser().request(`${processes[1]!.issuer.url}/session/end?${new URLSearchParams({ id_token_hint: oldToken.idToken, post_logout_redirect_uri: 'http://127.0.0.1:9/bye', client_id: site.client_id })}`);
      assert.equal(logout.status, 200, `id_token_hint signed by the retiring key: ${logout.text.slice(0, 300)}`);

      // Until both processes have signed with the new key and dropped the old one.
      await waitFor(async () => ['A', 'B'].every((name) => signed.some((s) => s.kid === newKid && s.process === name)), 15_000, 'both processes sign with the new key');
      await waitFor(async () => {
        const published = await Promise.all(processes.map(jwksOf));
        return published.every((jwks) => !jwks.keys.some((k) => k.kid === oldKid));
      }, (RETENTION_S + 2) * 1000, 'both processes unpublish the old key');
    } finally {
      await stop();
    }

    assert.deepEqual(failures, [], 'no login failed');
    const byKid = (kid: string) => signed.filter((s) => s.kid === kid);
    assert.ok(byKid(oldKid).length > 0 && byKid(newKid).length > 0, `logins on both keys (old ${byKid(oldKid).length}, new ${byKid(newKid).length})`);
    assert.deepEqual(new Set(signed.map((s) => s.kid)), new Set([oldKid, newKid]), 'only the RS256 keys signed ID tokens');
    for (const name of ['A', 'B']) assert.ok(byKid(newKid).some((s) => s.process === name), `${name} signed with the new key`);
    // iat has whole seconds: one second of slack either way.
    const switchedAt = (rotatedAt + DELAY_S * 1000) / 1000;
    assert.ok(byKid(oldKid).every((s) => s.iat <= switchedAt + 1), 'the old key stopped signing on time');
    assert.ok(byKid(newKid).every((s) => s.iat >= switchedAt - 1), 'the new key never signed before its time');

    for (const p of processes) {
      const kids = (await jwksOf(p)).keys.map((k) => k.kid);
      assert.ok(!kids.includes(oldKid), `${p.name} no longer publishes the old key`);
      assert.ok(kids.includes(newKid), `${p.name} publishes the new key`);
      assert.equal(kids.length, 2);
    }
  });
});

async function waitFor(check: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
