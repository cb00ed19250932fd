import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../src/log.ts';
import { RedisStore } from '../src/store/redis.ts';
import type { Store } from '../src/store/store.ts';
import { startRedis, type ThrowawayRedis } from './helpers/redis.ts';
import { RP, startSaoma, type RunningSaoma } from './helpers/saoma.ts';

const TIMEOUT_MS = 400;

/**
 * Redis stalls (SIGSTOP) at every point of an OIDC request in turn: before its first store call,
 * before its second, … up to its last. Whichever store call the stall hits, the answer is 503
 * `temporarily_unavailable` (or, once the stall comes after the last call, the normal answer),
 * never a 500 `server_error`. The store underneath counts the request's calls and freezes Redis
 * just before the chosen one goes out.
 */
describe('Redis stalls in the middle of an OIDC request', () => {
  let redis: ThrowawayRedis;
  let saoma: RunningSaoma;
  let store: RedisStore;
  let accountId: string;
  const stall = { at: 0, calls: 0 };

  before(async () => {
    redis = await startRedis();
    store = await new RedisStore({ kind: 'redis', url: redis.url }, { keyPrefix: 'stall:', commandTimeoutMs: TIMEOUT_MS, log: createLogger('silent') }).connect();
    // KEY_REFRESH_SECONDS is long so that no background key read is counted as the request's.
    saoma = await startSaoma({ KEY_REFRESH_SECONDS: '3600' }, stallingBefore(store, stall, () => redis.pause()));
    accountId = (await saoma.saoma.accounts.resolve({ appid: saoma.config.wechat.appid, openid: 'stall-openid' })).sub;
    await saoma.saoma.accounts.update(accountId, { nickname: 'Stalled' });
  });
  after(async () => {
    redis?.resume();
    await saoma?.close();
    await redis?.stop();
  });

  const basic = `Basic ${Buffer.from(`${RP.client_id}:${RP.client_secret}`).toString('base64')}`;
  const form = (path: string, body: Record<string, string>) => ({ path, init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic }, body: new URLSearchParams(body) } });

  /**
   * Fresh material for one attempt (a code, a refresh token, an access token), made while Redis
   * runs. On a loaded machine a command right after a thaw can still miss the short timeout; the
   * material is then made again (this is setup, not what the test judges).
   */
  async function fresh() {
    for (let attempt = 1; ; attempt++) {
      try {
        return await makeMaterial();
      } catch (err) {
        if (attempt === 5) throw err;
      }
    }
  }

  async function makeMaterial() {
    const { provider } = saoma.saoma;
    const client = (await provider.Client.find(RP.client_id))!;
    const grant = new provider.Grant({ accountId, clientId: RP.client_id });
    grant.addOIDCScope('openid profile offline_access');
    const grantId = await grant.save();
    const verifier = randomBytes(32).toString('base64url');
    const base = { accountId, grantId, client, gty: 'authorization_code', authTime: Math.floor(Date.now() / 1000) };
    const code = await new provider.AuthorizationCode({ ...base, scope: 'openid profile', redirectUri: RP.redirect_uri, codeChallenge: createHash('sha256').update(verifier).digest('base64url'), codeChallengeMethod: 'S256' }).save();
    const refresh = await new provider.RefreshToken({ ...base, scope: 'openid profile offline_access' }).save();
    const access = await new provider.AccessToken({ ...base, scope: 'openid profile' }).save();
    return { code, verifier, refresh, access };
  }

  const requests: Record<string, (m: Awaited<ReturnType<typeof makeMaterial>>) => { path: string; init: RequestInit }> = {
    'the token endpoint redeeming a code': (m) => form('/token', { grant_type: 'authorization_code', code: m.code, redirect_uri: RP.redirect_uri, code_verifier: m.verifier }),
    'the token endpoint redeeming a refresh token': (m) => form('/token', { grant_type: 'refresh_token', refresh_token: m.refresh }),
    'userinfo': (m) => ({ path: '/me', init: { headers: { authorization: `Bearer ${m.access}` } } }),
    'introspection': (m) => form('/token/introspection', { token: m.access }),
    'revocation': (m) => form('/token/revocation', { token: m.refresh }),
    'the authorization endpoint': (m) => {
      const url = new URLSearchParams({ client_id: RP.client_id, response_type: 'code', scope: 'openid', redirect_uri: RP.redirect_uri, state: 's', code_challenge: createHash('sha256').update(m.verifier).digest('base64url'), code_challenge_method: 'S256' });
      return { path: `/auth?${url}`, init: { redirect: 'manual' } };
    },
  };

  for (const [name, build] of Object.entries(requests)) {
    it(`${name} answers 503 temporarily_unavailable whichever store call the stall hits`, async () => {
      // First without a stall: how many store calls does this request make?
      stall.at = 0;
      let plain: Response;
      for (let attempt = 1; ; attempt++) {
        // Measured without a stall; on a loaded machine a command can still miss the short timeout.
        stall.calls = 0;
        const normal = build(await fresh());
        stall.calls = 0;
        plain = await fetch(saoma.issuer + normal.path, normal.init);
        if (plain.status !== 503 || attempt === 5) break;
      }
      const expected = plain.status;
      assert.ok(expected === 200 || (expected === 303 && !plain.headers.get('location')!.includes('error=')), `${name} works while Redis runs: ${expected} ${await plain.text()}`);
      const total = stall.calls;
      assert.ok(total >= 1, `${name} made ${total} store calls`);

      const seen: string[] = [];
      for (let at = 1; at <= total; at++) {
        const request = build(await fresh());
        stall.calls = 0;
        stall.at = at;
        let answer: { status: number; body: Record<string, string> };
        try {
          const res = await fetch(saoma.issuer + request.path, request.init);
          const text = await res.text();
          const location = res.headers.get('location');
          // The authorization endpoint tells the website through its redirect_uri, as OAuth does.
          answer = location?.startsWith(RP.redirect_uri)
            ? { status: 503, body: Object.fromEntries(new URL(location).searchParams) }
            : { status: res.status, body: (text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : {}) as Record<string, string> };
        } finally {
          stall.at = 0;
          redis.resume();
          await thawed(store);
        }
        seen.push(`call ${at}: ${answer.status} ${answer.body.error ?? ''}`);
        assert.ok(answer.status === 503 || answer.status === expected, `stall before store call ${at} of ${total}: ${answer.status} ${JSON.stringify(answer.body)}\n${seen.join('\n')}`);
        if (answer.status === 503) {
          assert.equal(answer.body.error, 'temporarily_unavailable');
          assert.match(answer.body.error_description!, /unavailable/i);
        }
      }
      assert.ok(seen.some((line) => line.includes('503')), `the stall was felt at least once:\n${seen.join('\n')}`);
    });
  }
});

/** The store, with Redis frozen (`pause`) just before the `stall.at`-th call since `calls` was reset. */
function stallingBefore(store: Store, stall: { at: number; calls: number }, pause: () => void): Store {
  return new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (name !== 'publish' && name !== 'subscribe' && name !== 'close' && name !== 'ping') {
          stall.calls += 1;
          if (stall.at !== 0 && stall.calls === stall.at) pause();
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

async function thawed(store: Store): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      await store.ping();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
  }
}
