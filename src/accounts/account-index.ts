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
 * `key:<store key>` for saoma's own keys (identity links, the phone lookup, websites' last-use
 * marks, tickets; keys named by the `sub` alone, like the sign-in mark, are deleted by name).
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

/**
 * Records `member` under the person's index for at least `ttlMs` (none: until deleted). A `key:`
 * member this process already added recently, for long enough, is not added again (see `addOnce`).
 */
export function indexForAccount(store: Store, sub: string, member: string, ttlMs?: number): Promise<void> {
  return member.startsWith('key:') ? addOnce(store, accountIndex(sub), member, ttlMs) : store.indexAdd(accountIndex(sub), member, ttlMs);
}

/** How long this process trusts its memory of an add; then the next write adds again. */
const REMEMBERED_MS = 10 * 60_000;
/** At most this many adds remembered per store (about 200 bytes each): the oldest are forgotten first. */
const REMEMBERED_MAX = 20_000;

/**
 * The adds this process made, by index and member, with when the member is in the index until
 * (Infinity: until removed), so a later add of the same member for no longer a TTL can be skipped.
 * Used only for members that leave their index only with the whole index: the per-account index's
 * `key:` members (only an account delete removes them, by deleting the index, and a deleted `sub`
 * never signs in again: the person gets a new one) and the account listing's entries (removed only
 * by that same delete). So a remembered add can be wrong only for a write racing the delete of its
 * account, which was possible without the memory too (the add would recreate the index of an
 * account no one can reach). Another process, or this one restarted, knows nothing and adds once
 * more: the index is still written before what it names. Bounded in time (REMEMBERED_MS, which
 * also ends a wrong memory after the store lost data) and in size (REMEMBERED_MAX, oldest first).
 * Not for keys written again at each use (usage marks, `usage.ts`): after a failover lost the
 * first add, a remembered add would let such a key be rewritten outside the index. The keys it
 * serves are written once, right after their add, so a lost add loses them with it.
 */
class RememberedAdds {
  readonly #adds = new Map<string, { until: number; forgetAt: number }>();

  covers(id: string, ttlMs: number | undefined, now: number): boolean {
    const add = this.#adds.get(id);
    if (!add || add.forgetAt <= now) return false;
    return add.until >= (ttlMs === undefined ? Infinity : now + ttlMs);
  }

  remember(id: string, ttlMs: number | undefined, since: number): void {
    this.#adds.delete(id);
    this.#adds.set(id, { until: ttlMs === undefined ? Infinity : since + ttlMs, forgetAt: since + REMEMBERED_MS });
    // Insertion order is forgetAt order: forget from the front what is due or too many.
    for (const [oldest, add] of this.#adds) {
      if (add.forgetAt > since && this.#adds.size <= REMEMBERED_MAX) break;
      this.#adds.delete(oldest);
    }
  }
}

/** One memory per store (tests run many stores in one process; a wrapper of a store counts as another). */
const remembered = new WeakMap<Store, RememberedAdds>();

/**
 * `store.indexAdd`, skipped when this process added the same member less than REMEMBERED_MS ago for
 * at least the TTL needed now. Only for members removed from `index` with the whole index (above).
 */
export async function addOnce(store: Store, index: string, member: string, ttlMs?: number): Promise<void> {
  let adds = remembered.get(store);
  if (!adds) remembered.set(store, (adds = new RememberedAdds()));
  const id = `${index}\n${member}`;
  const since = Date.now();
  if (adds.covers(id, ttlMs, since)) return;
  await store.indexAdd(index, member, ttlMs);
  adds.remember(id, ttlMs, since);
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
