import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { nanoid } from 'nanoid';
import type { JWK } from 'oidc-provider';
import type { Store } from '../store/store.ts';

const SIGNING_KEYS = 'keys:signing';
const COOKIE_KEYS = 'keys:cookie';

interface SigningKeySet {
  keys: JWK[];
}

/**
 * The provider's signing keys (one RSA for RS256, the OIDC default, and one P-256 for ES256),
 * generated on first start and kept in the store. `create` is create-if-absent, so when several
 * processes start at once exactly one set wins and every process (and every restart) serves the
 * same JWKS. The library's development keys are never used.
 */
export async function loadSigningKeys(store: Store): Promise<JWK[]> {
  const existing = await store.get(SIGNING_KEYS);
  if (existing) return parseKeySet(existing);
  const candidate = JSON.stringify({ keys: [generate('rsa'), generate('ec')] } satisfies SigningKeySet);
  await store.create(SIGNING_KEYS, candidate);
  const winner = await store.get(SIGNING_KEYS);
  if (!winner) throw new Error('signing keys vanished from the store right after being created');
  return parseKeySet(winner);
}

/**
 * Cookie signing keys: from configuration when given (required in production); otherwise
 * generated once and kept in the store so that restarts and other processes accept the cookies.
 */
export async function loadCookieKeys(store: Store, configured: string[] | undefined): Promise<string[]> {
  if (configured?.length) return configured;
  await store.create(COOKIE_KEYS, JSON.stringify([randomBytes(32).toString('base64url')]));
  const keys: unknown = JSON.parse((await store.get(COOKIE_KEYS)) ?? '[]');
  if (!Array.isArray(keys) || keys.length === 0 || !keys.every((k) => typeof k === 'string')) {
    throw new Error(`stored cookie keys (${COOKIE_KEYS}) are not what saoma wrote; delete the key to regenerate`);
  }
  return keys;
}

function generate(kind: 'rsa' | 'ec'): JWK {
  const { privateKey } = kind === 'rsa'
    ? generateKeyPairSync('rsa', { modulusLength: 2048 })
    : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...(privateKey.export({ format: 'jwk' }) as JWK), kid: nanoid(16), use: 'sig', alg: kind === 'rsa' ? 'RS256' : 'ES256' };
}

function parseKeySet(raw: string): JWK[] {
  const parsed = JSON.parse(raw) as SigningKeySet;
  if (!Array.isArray(parsed.keys) || parsed.keys.length === 0) {
    throw new Error(`stored signing keys (${SIGNING_KEYS}) are not what saoma wrote`);
  }
  return parsed.keys;
}
