import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import * as oidc from 'openid-client';
import { createLogger } from '../../src/log.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { RedisStore } from '../../src/store/redis.ts';
import type { Store } from '../../src/store/store.ts';
import { Browser } from '../helpers/browser.ts';
import { complete, fetchScene, mp, scan, startLogin } from '../helpers/login.ts';
import type { RunningSaoma } from '../helpers/saoma.ts';
import { deleteKeys } from '../store/redis-fixture.ts';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A store that can list every key it holds and what each holds, so a test can look for a person in all of it. */
export interface InspectableStore {
  store: Store;
  /** Every live key with its value (a string, or an index's members joined). */
  everything(): Promise<Map<string, string>>;
  cleanup(): Promise<void>;
  /** The Redis key prefix (REDIS_KEY_PREFIX), for a command line on the same store. */
  prefix?: string;
}

/** The embedded store, with every key written through it remembered (the store itself cannot be listed). */
export function inspectableMemory(): InspectableStore {
  const inner = new MemoryStore();
  const written = new Set<string>();
  const remember = (key: string) => written.add(key);
  const store = new Proxy(inner, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => {
        if (['set', 'create', 'compareAndSet', 'increment', 'indexAdd'].includes(String(name))) remember(String(args[0]));
        return method.apply(target, args);
      };
    },
  });
  return {
    store,
    everything: async () => {
      const out = new Map<string, string>();
      for (const key of written) {
        const value = (await inner.get(key)) ?? (await inner.indexMembers(key)).join(' ');
        if (value) out.set(key, value);
      }
      return out;
    },
    cleanup: async () => {},
  };
}

/** A Redis store under a fresh prefix; `everything` SCANs the prefix (strings and sets), independent of saoma. */
export async function inspectableRedis(): Promise<InspectableStore> {
  const prefix = `saoma-test:accounts:${randomUUID()}:`;
  const store = await new RedisStore({ kind: 'redis', url: REDIS_URL }, { keyPrefix: prefix, commandTimeoutMs: 2000, log: createLogger('silent') }).connect();
  return {
    store,
    prefix,
    everything: async () => {
      const raw = new Redis(REDIS_URL);
      try {
        const out = new Map<string, string>();
        let cursor = '0';
        do {
          const [next, keys] = await raw.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
          cursor = next;
          for (const key of keys) {
            const type = await raw.type(key);
            const value = type === 'set' ? (await raw.smembers(key)).join(' ') : type === 'string' ? ((await raw.get(key)) ?? '') : type;
            out.set(key.slice(prefix.length), value);
          }
        } while (cursor !== '0');
        return out;
      } finally {
        raw.disconnect();
      }
    },
    cleanup: () => deleteKeys({ kind: 'redis', url: REDIS_URL }, prefix),
  };
}

/** Keys whose name or content mentions any of `needles` (a sub, a nickname, an avatar id…). */
export async function keysMentioning(inspectable: InspectableStore, needles: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const [key, value] of await inspectable.everything()) {
    if (needles.some((n) => key.includes(n) || value.includes(n))) found.push(key);
  }
  return found.sort();
}

/**
 * A whole sign-in at the clients-file website by WeChat user `user`, giving a nickname in the
 * mini-program, with a refresh token (offline_access). Returns the tokens and the person's sub.
 */
export async function signInAs(saoma: RunningSaoma, user: string, nickname: string, browser = new Browser()) {
  const login = await startLogin(saoma, { browser, scope: 'openid profile offline_access', extra: { prompt: 'consent' } });
  const scene = await fetchScene(saoma, login);
  const scanned = await scan(saoma, scene, user);
  assert.equal(scanned.status, 200, JSON.stringify(scanned.json));
  const confirmed = await mp(saoma, 'confirm', { scene, token: scanned.json.token, nickname });
  assert.equal(confirmed.status, 200, JSON.stringify(confirmed.json));
  const callback = await complete(saoma, login);
  const tokens = await oidc.authorizationCodeGrant(login.config, callback, { pkceCodeVerifier: login.verifier, expectedState: login.state, idTokenExpected: true });
  assert.ok(tokens.refresh_token, 'a refresh token (offline_access)');
  return { tokens, sub: tokens.claims()!.sub, browser, login };
}

/** A scan that should be refused: the scan answer and what the browser's status then says. */
export async function blockedScan(saoma: RunningSaoma, user: string) {
  const login = await startLogin(saoma, { scope: 'openid profile' });
  const scene = await fetchScene(saoma, login);
  const scanned = await scan(saoma, scene, user);
  const status = await login.browser.request(`${saoma.issuer}/interaction/${login.uid}/status?state=pending`);
  return { scanned, status: JSON.parse(status.text) as Record<string, unknown> };
}
