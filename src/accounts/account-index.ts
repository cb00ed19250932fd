import type { Adapter, AdapterPayload } from 'oidc-provider';
import { storeKeys } from '../store/keys.ts';
import type { Store } from '../store/store.ts';

type AdapterFactory = (model: string) => Adapter;

/** The oidc-provider models that name a person and are not reached through a grant. */
export const INDEXED_MODELS = ['Session', 'Grant', 'Interaction'] as const;
export type IndexedModel = (typeof INDEXED_MODELS)[number];

/**
 * The per-account index: the set of everything in the store that belongs to one person and is not
 * keyed by their `sub` (the store cannot be searched). Members are `<Model>:<id>` for the
 * oidc-provider models above (their tokens are found through each grant's own index), and
 * `key:<store key>` for saoma's own keys (identity links, the phone lookup, last-use marks).
 *
 * Guarantee: a member is added BEFORE the thing it names is written, and its TTL is extended to at
 * least that thing's TTL (`indexAdd` never shortens). So while a session, grant, interaction or
 * key of a person lives, the index names it: the index is a superset, and a crash in between
 * leaves only a member naming nothing, which deleting ignores. This is what lets an account delete
 * reach every key of the person on memory and on Redis (where each step is still one key, so
 * Cluster is fine).
 */
export function accountIndex(sub: string): string {
  return storeKeys.accountIndex(sub);
}

/** Records `member` under the person's index for at least `ttlMs` (none: until deleted). */
export function indexForAccount(store: Store, sub: string, member: string, ttlMs?: number): Promise<void> {
  return store.indexAdd(accountIndex(sub), member, ttlMs);
}

/** The person a model's payload belongs to, if any (an interaction names them once logged in). */
function ownerOf(model: string, payload: AdapterPayload): string | undefined {
  if (model === 'Interaction') {
    const interaction = payload as { session?: { accountId?: string }; result?: { login?: { accountId?: string } } };
    return interaction.result?.login?.accountId ?? interaction.session?.accountId;
  }
  return typeof payload.accountId === 'string' ? payload.accountId : undefined;
}

/** Wraps an adapter factory so that every session, grant and interaction of a person is in their index. */
export function withAccountIndex(factory: AdapterFactory, store: Store): AdapterFactory {
  return (model) => ((INDEXED_MODELS as readonly string[]).includes(model) ? new IndexingAdapter(model, factory(model), store) : factory(model));
}

class IndexingAdapter implements Adapter {
  readonly #model: string;
  readonly #inner: Adapter;
  readonly #store: Store;

  constructor(model: string, inner: Adapter, store: Store) {
    this.#model = model;
    this.#inner = inner;
    this.#store = store;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const owner = ownerOf(this.#model, payload);
    // The index first: see accountIndex's guarantee.
    if (owner) await indexForAccount(this.#store, owner, `${this.#model}:${id}`, expiresIn === undefined ? undefined : expiresIn * 1000);
    await this.#inner.upsert(id, payload, expiresIn);
  }

  find(id: string) { return this.#inner.find(id); }
  findByUid(uid: string) { return this.#inner.findByUid(uid); }
  findByUserCode(userCode: string) { return this.#inner.findByUserCode(userCode); }
  consume(id: string) { return this.#inner.consume(id); }
  destroy(id: string) { return this.#inner.destroy(id); }
  revokeByGrantId(grantId: string) { return this.#inner.revokeByGrantId(grantId); }
}
