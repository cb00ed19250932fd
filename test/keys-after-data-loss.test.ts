import assert from 'node:assert/strict';
import { createPublicKey, verify, type JsonWebKey } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { createLogger } from '../src/log.ts';
import { SigningKeys } from '../src/oidc/keys.ts';
import { MemoryStore } from '../src/store/memory.ts';
import { RedisStore } from '../src/store/redis.ts';
import { signIn } from './helpers/login.ts';
import { startRedis, type ThrowawayRedis } from './helpers/redis.ts';
import { freePort, startSaoma, type RunningSaoma } from './helpers/saoma.ts';

interface Jwks { keys: Array<JsonWebKey & { kid: string }> }

const jwksOf = async (url: string): Promise<Jwks> => (await fetch(`${url}/jwks`)).json() as Promise<Jwks>;
const kids = (jwks: Jwks) => jwks.keys.map((k) => k.kid).sort();

/** Checks a JWT's signature against a JWKS, as a relying party does (RS256 or ES256). */
function verifiesAgainst(jwt: string, jwks: Jwks): boolean {
  const [header, payload, signature] = jwt.split('.') as [string, string, string];
  const { kid, alg } = JSON.parse(Buffer.from(header, 'base64url').toString()) as { kid: string; alg: string };
  const jwk = jwks.keys.find((k) => k.kid === kid);
  if (!jwk) return false;
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  const options = alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' as const } : key;
  return verify('sha256', Buffer.from(`${header}.${payload}`), options, Buffer.from(signature, 'base64url'));
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, `${what} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Redis loses its data (FLUSHALL, as a restart without persistence would) while saoma processes
 * run. The running ones hold the signing keys in memory: they put them back instead of drifting
 * apart from a process started afterwards, so every process publishes one JWKS again and a token
 * signed by any of them, before or after the loss, verifies against any other's JWKS.
 */
describe('signing keys after Redis loses its data', () => {
  let redis: ThrowawayRedis;
  let raw: Redis;
  const apps: RunningSaoma[] = [];
  const log = createLogger('silent');
  const open = () => new RedisStore({ kind: 'redis', url: redis.url }, { keyPrefix: 'keys-loss:', commandTimeoutMs: 2000, log }).connect();
  const start = async (env: Record<string, string>, issuer?: string) => {
    const port = await freePort();
    const app = await startSaoma({ ...env, PORT: String(port), ...(issuer ? { ISSUER: issuer } : {}) }, await open());
    apps.push(app);
    return { app, url: `http://127.0.0.1:${port}` };
  };

  beforeEach(async () => {
    redis = await startRedis();
    raw = new Redis(redis.url);
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
    raw.disconnect();
    await redis.stop();
  });

  it('the running processes notice at their next key refresh and put their keys back; a process started afterwards serves them too', async () => {
    const a = await start({ KEY_REFRESH_SECONDS: '1' });
    const b = await start({ KEY_REFRESH_SECONDS: '1' }, a.app.issuer);
    const before = await jwksOf(a.url);
    assert.deepEqual(kids(await jwksOf(b.url)), kids(before));
    const { tokens } = await signIn(a.app, 'before-the-loss');

    await raw.flushall();
    await until('the keys are back in the store', async () => (await raw.exists('keys-loss:keys:signing')) === 1);
    const c = await start({ KEY_REFRESH_SECONDS: '1' }, a.app.issuer);

    for (const app of [a, b, c]) assert.deepEqual(kids(await jwksOf(app.url)), kids(before), `${app.url} serves the keys it served before the loss`);
    assert.ok(verifiesAgainst(tokens.id_token!, await jwksOf(c.url)), 'a token signed before the loss verifies against the new process\'s JWKS');
    const fromC = await signIn(c.app, 'after-the-loss');
    assert.ok(verifiesAgainst(fromC.tokens.id_token!, await jwksOf(a.url)), 'a token signed by the new process verifies against an old one\'s JWKS');
  });

  it('when a new process made keys of its own first, the running ones add theirs: one JWKS with both, every token verifies everywhere', async () => {
    // No refresh tick during the test: the news of a key change (what a rotation publishes) is the refresh.
    const a = await start({ KEY_REFRESH_SECONDS: '3600' });
    const b = await start({ KEY_REFRESH_SECONDS: '3600' }, a.app.issuer);
    const old = kids(await jwksOf(a.url));
    const { tokens } = await signIn(a.app, 'before-the-loss');

    await raw.flushall();
    const c = await start({ KEY_REFRESH_SECONDS: '3600' }, a.app.issuer);
    assert.notDeepEqual(kids(await jwksOf(c.url)), old, 'the new process found no keys and made its own');
    const afterOnB = await signIn(b.app, 'signed-meanwhile');

    await a.app.store.publish('keys', 'refresh');
    await until('all three processes serve one JWKS holding the old keys', async () => {
      const all = await Promise.all([a, b, c].map((app) => jwksOf(app.url)));
      return all.every((jwks) => JSON.stringify(kids(jwks)) === JSON.stringify(kids(all[0]!))) && old.every((kid) => kids(all[0]!).includes(kid));
    });

    const cJwks = await jwksOf(c.url);
    assert.ok(verifiesAgainst(tokens.id_token!, cJwks), 'a token signed before the loss verifies against the new process\'s JWKS');
    assert.ok(verifiesAgainst(afterOnB.tokens.id_token!, cJwks), 'a token an old process signed after the loss verifies there too');
    const fromC = await signIn(c.app, 'after-the-loss');
    for (const app of [a, b]) assert.ok(verifiesAgainst(fromC.tokens.id_token!, await jwksOf(app.url)), `a token signed by the new process verifies against ${app.url}`);
    const fromA = await signIn(a.app, 'after-the-merge');
    assert.ok(verifiesAgainst(fromA.tokens.id_token!, cJwks));
  });
});

describe('signing keys a rotation retired', () => {
  it('are never put back by a process that still held them', async () => {
    const store = new MemoryStore();
    const log = createLogger('silent');
    const schedule = { activationDelayMs: 0, retentionMs: 0 };
    const rotator = await SigningKeys.open(store, log, schedule);
    const behind = await SigningKeys.open(store, log, schedule);
    const retired = behind.current().map((k) => k.kid);
    // Two immediate rotations, a millisecond apart: the first key set is unpublished and pruned.
    await rotator.rotate(0);
    const tick = Date.now();
    while (Date.now() === tick) await new Promise((resolve) => setImmediate(resolve));
    await rotator.rotate(0);
    assert.ok(retired.every((kid) => !rotator.list().some((k) => k.kid === kid)), 'the rotation pruned them');

    await behind.refresh();
    const after = await SigningKeys.open(store, log, schedule);
    assert.deepEqual(after.list().map((k) => k.kid).sort(), rotator.list().map((k) => k.kid).sort());
    assert.ok(retired.every((kid) => !after.list().some((k) => k.kid === kid)), 'the process that was behind adopted the rotation instead of reviving them');
    assert.deepEqual(behind.current().map((k) => k.kid), after.current().map((k) => k.kid));
  });
});
