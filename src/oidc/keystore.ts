import type Provider from 'oidc-provider';
import type { JWK } from 'oidc-provider';
import instance from 'oidc-provider/lib/helpers/weak_cache.js';
import { publicJwk } from './keys.ts';

/**
 * Replaces the provider's signing keys while it runs.
 *
 * oidc-provider reads `jwks` once, at construction, into a private keystore (signing, verifying
 * its own ID tokens as `id_token_hint`) and a private JWKS snapshot (the `/jwks` endpoint), and
 * offers no way to change either afterwards. A new provider per rotation would drop every
 * route, listener and cache bound to this one. So this one module reaches the provider's private
 * state through the library's own accessor (`lib/helpers/weak_cache.js`) and swaps the keys in
 * place: `clear()` + `add()` on its keystore and a new JWKS snapshot. oidc-provider signs with
 * the first key that fits the algorithm, so `keys` must list each algorithm's signing key first
 * (`SigningKeys.current()` does).
 *
 * `assertSwappable` runs at start: an oidc-provider release that changes these internals stops
 * saoma at start with this message, instead of silently never rotating; the key rotation tests
 * fail too.
 */
export function installSigningKeys(provider: Provider, keys: JWK[]): void {
  const internals = assertSwappable(provider);
  const clones = keys.map((key) => structuredClone(key));
  internals.keystore.clear();
  for (const key of clones) internals.keystore.add(key);
  internals.jwks = { keys: clones.map(publicJwk) };
}

/** The provider's keystore and JWKS snapshot, or a clear error when this oidc-provider keeps them elsewhere. */
export function assertSwappable(provider: Provider): ProviderInternals {
  const internals = instance(provider);
  if (typeof internals?.keystore?.clear !== 'function' || typeof internals.keystore.add !== 'function' || !Array.isArray(internals.jwks?.keys)) {
    throw new Error('this oidc-provider version keeps its keystore differently; saoma cannot rotate signing keys in place (see src/oidc/keystore.ts)');
  }
  return internals as unknown as ProviderInternals;
}

interface ProviderInternals {
  keystore: { clear(): void; add(key: JWK): void };
  jwks: { keys: JWK[] };
}
