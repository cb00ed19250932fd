import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import { SaomaError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { storeKeys } from '../store/keys.ts';
import type { Store } from '../store/store.ts';

/** Models whose tokens belong to a grant and die with it (`revokeByGrantId`). */
const GRANTABLE = new Set([
  'AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode',
  'BackchannelAuthenticationRequest', 'PreAuthorizedCode',
]);

/**
 * The store is unreachable: the OAuth error `temporarily_unavailable` with status 503, so that every
 * oidc-provider endpoint answers 503 with a clear message instead of a bare 500 `server_error`.
 */
export class StoreUnavailable extends errors.OIDCProviderError {
  constructor(cause: unknown) {
    super(503, 'temporarily_unavailable', { cause, detail: 'the store is unreachable' });
    this.expose = true;
    this.error_description = 'The service is briefly unavailable; try again shortly.';
  }
}

/**
 * Store failures leave as `StoreUnavailable`; everything else passes unchanged. Every store use
 * oidc-provider can reach (the adapters, `findAccount`) goes through this: an unwrapped
 * `SaomaError` inside oidc-provider would be answered 500 `server_error`.
 */
export function guarded<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return operation().catch(rethrow);
  } catch (err) {
    return Promise.reject(rethrow(err));
  }
}

function rethrow(err: unknown): never {
  throw err instanceof SaomaError && err.code === 'unavailable' ? new StoreUnavailable(err) : err;
}

/**
 * Models written once when issued and after that only consumed or destroyed, which oidc-provider
 * finds and then consumes within one request: their consume can compare against what find read.
 */
const FOUND_THEN_CONSUMED = new Set(['AuthorizationCode', 'RefreshToken']);
/** A find and its consume are one request apart at most; then the consume reads the key again. */
const FOUND_KEPT_MS = 10_000;
const FOUND_MAX = 1000;

/**
 * The stored value of each code or refresh token `find` returned in this process, so that `consume`
 * need not read it again (issue 16: one round trip per code redemption). It is only ever the
 * expected value of the compare-and-set: if the key changed since (consumed by a racer, destroyed
 * by reuse detection, expired), the compare-and-set fails and the redemption is refused, as a fresh
 * read would have refused it; these models are never rewritten otherwise. Bounded: FOUND_KEPT_MS per
 * entry, FOUND_MAX entries (oldest first); a consume with nothing kept reads the key as before.
 */
class FoundValues {
  readonly #values = new Map<string, { raw: string; at: number }>();

  keep(id: string, raw: string): void {
    const now = Date.now();
    this.#values.delete(id);
    this.#values.set(id, { raw, at: now });
    for (const [oldest, found] of this.#values) {
      if (found.at > now - FOUND_KEPT_MS && this.#values.size <= FOUND_MAX) break;
      this.#values.delete(oldest);
    }
  }

  /** The value kept for `id`, forgotten as it is taken. */
  take(id: string): string | undefined {
    const found = this.#values.get(id);
    this.#values.delete(id);
    return found && found.at > Date.now() - FOUND_KEPT_MS ? found.raw : undefined;
  }
}

const ADAPTER_METHODS = ['upsert', 'find', 'findByUid', 'findByUserCode', 'consume', 'destroy', 'revokeByGrantId'] as const;

/**
 * Every adapter `factory` makes, with each call guarded: wrappers around the store adapter (the
 * client grant index) use the store too, and their failures must be 503s as well. The store
 * adapter itself guards each of its methods already, so it is returned as it is (one promise
 * chain fewer on every token, code and session call: issue 16).
 */
export function guardedAdapters(factory: (model: string) => Adapter): (model: string) => Adapter {
  return (model) => {
    const inner = factory(model);
    if (inner instanceof StoreAdapter) return inner;
    const adapter = {} as Record<(typeof ADAPTER_METHODS)[number], (...args: never[]) => Promise<unknown>>;
    for (const method of ADAPTER_METHODS) {
      adapter[method] = (...args: never[]) => guarded(() => (inner[method] as (...a: never[]) => Promise<unknown>).apply(inner, args));
    }
    return adapter as unknown as Adapter;
  };
}

/**
 * oidc-provider's storage for every model, on any `Store`. It mends the faults of the old Redis
 * example adapter: `consume` is one compare-and-set (of concurrent redemptions of a code or a
 * refresh token exactly one wins, the others get `invalid_grant`, including one that consumes a
 * key another racer's reuse detection already destroyed) and never recreates an expired key;
 * grant indexes expire with their longest-lived token (sessions, grants and interactions are also
 * in their account's index, written first: src/accounts/account-index.ts); every key but a non-expiring model's has a
 * TTL; each operation touches one key at a time, so it is safe on Redis Cluster.
 */
export class StoreAdapter implements Adapter {
  readonly #model: string;
  readonly #store: Store;
  readonly #log: Logger;
  readonly #found: FoundValues | undefined;

  constructor(model: string, store: Store, log: Logger) {
    this.#model = model;
    this.#store = store;
    this.#log = log;
    this.#found = FOUND_THEN_CONSUMED.has(model) ? new FoundValues() : undefined;
  }

  upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    return guarded(() => this.#upsert(id, payload, expiresIn));
  }

  async #upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const ttlMs = expiresIn === undefined ? undefined : expiresIn * 1000;
    const key = this.#key(id);
    this.#found?.take(id);
    await this.#store.set(key, JSON.stringify(payload), ttlMs);
    if (GRANTABLE.has(this.#model) && payload.grantId) {
      await this.#store.indexAdd(storeKeys.grantTokens(payload.grantId), key, ttlMs);
    }
    if (this.#model === 'Session' && payload.uid) {
      await this.#store.set(storeKeys.sessionByUid(payload.uid), id, ttlMs);
    }
    if (this.#model === 'DeviceCode' && payload.userCode) {
      await this.#store.set(storeKeys.deviceCodeByUserCode(payload.userCode), id, ttlMs);
    }
  }

  find(id: string): Promise<AdapterPayload | undefined> {
    return guarded(() => this.#find(id));
  }

  async #find(id: string): Promise<AdapterPayload | undefined> {
    const raw = await this.#store.get(this.#key(id));
    if (raw !== undefined) this.#found?.keep(id, raw);
    return raw === undefined ? undefined : this.#parse(raw, id);
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return guarded(() => this.#findByUid(uid));
  }

  async #findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const id = await this.#store.get(storeKeys.sessionByUid(uid));
    return id === undefined ? undefined : this.find(id);
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return guarded(() => this.#findByUserCode(userCode));
  }

  async #findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const id = await this.#store.get(storeKeys.deviceCodeByUserCode(userCode));
    return id === undefined ? undefined : this.find(id);
  }

  consume(id: string): Promise<void> {
    return guarded(() => this.#consume(id));
  }

  async #consume(id: string): Promise<void> {
    const key = this.#key(id);
    // What find read in this request, if kept: a change since makes the compare-and-set below fail.
    const raw = this.#found?.take(id) ?? (await this.#store.get(key));
    // oidc-provider read this code or token just before consuming it, so a key gone now was
    // destroyed meanwhile: by another redemption's reuse detection (which revokes the grant) or by
    // expiry. Either way this redemption lost; it must not be honoured, and the key stays gone.
    if (raw === undefined) throw new errors.InvalidGrant('grant request is invalid');
    const payload = this.#parse(raw, id);
    if (!payload || payload.consumed) throw new errors.InvalidGrant('grant request is invalid');
    const consumed = JSON.stringify({ ...payload, consumed: Math.floor(Date.now() / 1000) });
    if (!(await this.#store.compareAndSet(key, raw, consumed))) {
      // Another redemption won the race; this one must not also be honoured.
      throw new errors.InvalidGrant('grant request is invalid');
    }
  }

  destroy(id: string): Promise<void> {
    return guarded(() => this.#destroy(id));
  }

  async #destroy(id: string): Promise<void> {
    const key = this.#key(id);
    this.#found?.take(id);
    if (this.#model === 'Session') {
      const payload = await this.find(id);
      if (payload?.uid) await this.#store.delete(storeKeys.sessionByUid(payload.uid));
    }
    await this.#store.delete(key);
  }

  revokeByGrantId(grantId: string): Promise<void> {
    return guarded(() => this.#revokeByGrantId(grantId));
  }

  async #revokeByGrantId(grantId: string): Promise<void> {
    const index = storeKeys.grantTokens(grantId);
    const keys = await this.#store.indexMembers(index);
    await Promise.all(keys.map((key) => this.#store.delete(key)));
    await this.#store.delete(index);
  }

  #key(id: string): string {
    return storeKeys.oidcModel(this.#model, id);
  }

  /** A value that is not what we wrote is treated as absent, and said so in the log. */
  #parse(raw: string, id: string): AdapterPayload | undefined {
    try {
      const value: unknown = JSON.parse(raw);
      if (value && typeof value === 'object' && !Array.isArray(value)) return value as AdapterPayload;
    } catch {
      // fall through
    }
    this.#log.warn({ model: this.#model, id_length: id.length }, 'stored oidc model is not valid JSON; treated as absent');
    return undefined;
  }
}

export function adapterFactory(store: Store, log: Logger): (model: string) => Adapter {
  return (model) => new StoreAdapter(model, store, log);
}
