import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../src/log.ts';
import { RedisStore } from '../src/store/redis.ts';
import type { Store } from '../src/store/store.ts';
import { startRedis, type ThrowawayRedis } from './helpers/redis.ts';
import { RP, freePort, startSaoma, type RunningSaoma } from './helpers/saoma.ts';

const TRIALS = 200;
const RACERS = 10;

/**
 * Two saoma apps on one Redis, each with its own connections: ten redemptions of one authorization
 * code, or of one refresh token, sent at once and spread over both. Exactly one may win. A loser
 * that sees the code consumed revokes the grant (reuse detection), which deletes the code; a racer
 * that read the code before that and consumes it after must lose too, not win a second time.
 * App B's store answers with up to 3 ms of extra latency per command, as a busier process or a
 * farther network would: that is what lets one racer's read come before the win and its consume
 * after another racer's revocation (on main this gave a second winner in most runs).
 */
describe('concurrent redemptions across two apps on one Redis', () => {
  let redis: ThrowawayRedis;
  let a: RunningSaoma;
  let b: RunningSaoma;
  let urls: string[];
  let accountId: string;
  const log = createLogger('silent');

  before(async () => {
    redis = await startRedis();
    const open = () => new RedisStore({ kind: 'redis', url: redis.url }, { keyPrefix: 'races:', commandTimeoutMs: 5000, log }).connect();
    a = await startSaoma({}, await open());
    const portB = await freePort();
    b = await startSaoma({ ISSUER: a.issuer, PORT: String(portB) }, slower(await open(), 2));
    urls = [a.issuer, `http://127.0.0.1:${portB}`];
    accountId = (await a.saoma.accounts.resolve({ appid: a.config.wechat.appid, openid: 'racer-openid' })).sub;
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await redis?.stop();
  });

  const basic = `Basic ${Buffer.from(`${RP.client_id}:${RP.client_secret}`).toString('base64')}`;
  const token = (url: string, form: Record<string, string>) => fetch(`${url}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic },
    body: new URLSearchParams(form),
  }).then(async (res) => ({ status: res.status, json: (await res.json()) as Record<string, string> }));

  /** A fresh grant, as a finished login leaves it, made through the provider's own models. */
  async function freshGrant() {
    const { provider } = a.saoma;
    const client = await provider.Client.find(RP.client_id);
    const grant = new provider.Grant({ accountId, clientId: RP.client_id });
    grant.addOIDCScope('openid offline_access');
    return { provider, client: client!, grantId: await grant.save() };
  }

  async function race(form: Record<string, string>): Promise<number> {
    // The redemptions leave within a few milliseconds of each other, as retries and parallel
    // requests of a real relying party do, not in one burst.
    const answers = await Promise.all(Array.from({ length: RACERS }, async (_, i) => {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10));
      return token(urls[i % 2]!, form);
    }));
    for (const loser of answers.filter((answer) => answer.status !== 200)) {
      assert.equal(loser.json.error, 'invalid_grant', `a loser got ${loser.status} ${JSON.stringify(loser.json)}`);
    }
    return answers.filter((answer) => answer.status === 200).length;
  }

  it(`ten redemptions of one authorization code: exactly one winner in each of ${TRIALS} trials`, async () => {
    const winners: number[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const { provider, client, grantId } = await freshGrant();
      const verifier = randomBytes(32).toString('base64url');
      const code = await new provider.AuthorizationCode({
        accountId, grantId, client, gty: 'authorization_code', scope: 'openid', redirectUri: RP.redirect_uri, authTime: Math.floor(Date.now() / 1000),
        codeChallenge: createHash('sha256').update(verifier).digest('base64url'), codeChallengeMethod: 'S256',
      }).save();
      winners.push(await race({ grant_type: 'authorization_code', code, redirect_uri: RP.redirect_uri, code_verifier: verifier }));
    }
    const wrong = winners.map((n, trial) => ({ n, trial })).filter(({ n }) => n !== 1);
    assert.deepEqual(wrong, [], `trials without exactly one winner: ${JSON.stringify(wrong)}`);
  });

  it(`ten redemptions of one refresh token: exactly one winner in each of ${TRIALS} trials`, async () => {
    const winners: number[] = [];
    for (let trial = 0; trial < TRIALS; trial++) {
      const { provider, client, grantId } = await freshGrant();
      const refreshToken = await new provider.RefreshToken({
        accountId, grantId, client, scope: 'openid offline_access', gty: 'authorization_code', authTime: Math.floor(Date.now() / 1000),
      }).save();
      winners.push(await race({ grant_type: 'refresh_token', refresh_token: refreshToken }));
    }
    const wrong = winners.map((n, trial) => ({ n, trial })).filter(({ n }) => n !== 1);
    assert.deepEqual(wrong, [], `trials without exactly one winner: ${JSON.stringify(wrong)}`);
  });
});

/** The same store, each call held back by a random 0–`maxMs` ms first (latency, not a fault). */
function slower(store: Store, maxMs: number): Store {
  return new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function' || name === 'close' || name === 'subscribe') return typeof value === 'function' ? value.bind(target) : value;
      return async (...args: unknown[]) => {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * maxMs));
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
