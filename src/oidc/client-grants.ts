import type { Adapter, AdapterPayload } from 'oidc-provider';
import { storeKeys } from '../store/keys.ts';
import type { Store } from '../store/store.ts';

type AdapterFactory = (model: string) => Adapter;

/** The set of a client's grant ids; expires with the longest-lived grant in it. */
export function clientGrantsIndex(clientId: string): string {
  return storeKeys.clientGrants(clientId);
}

/**
 * Wraps an adapter factory so that every saved Grant is also recorded under its client, which is
 * what lets `revokeClientGrants` find a deleted client's grants (the store cannot be searched).
 * The index is written after the grant: a crash in between leaves a grant that no index names,
 * but its tokens still die with the client, because oidc-provider refuses tokens whose client is gone.
 */
export function withClientGrantIndex(factory: AdapterFactory, store: Store): AdapterFactory {
  return (model) => (model === 'Grant' ? new GrantAdapter(factory(model), store) : factory(model));
}

class GrantAdapter implements Adapter {
  readonly #inner: Adapter;
  readonly #store: Store;

  constructor(inner: Adapter, store: Store) {
    this.#inner = inner;
    this.#store = store;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    await this.#inner.upsert(id, payload, expiresIn);
    if (payload.clientId) await this.#store.indexAdd(clientGrantsIndex(payload.clientId), id, expiresIn === undefined ? undefined : expiresIn * 1000);
  }

  async destroy(id: string): Promise<void> {
    const payload = await this.#inner.find(id);
    await this.#inner.destroy(id);
    if (payload?.clientId) await this.#store.indexRemove(clientGrantsIndex(payload.clientId), id);
  }

  find(id: string) { return this.#inner.find(id); }
  findByUid(uid: string) { return this.#inner.findByUid(uid); }
  findByUserCode(userCode: string) { return this.#inner.findByUserCode(userCode); }
  consume(id: string) { return this.#inner.consume(id); }
  revokeByGrantId(grantId: string) { return this.#inner.revokeByGrantId(grantId); }
}

/**
 * Revokes every grant of a client and every token issued under them (codes, access and refresh
 * tokens). Returns how many grants there were. Call it after the client itself is gone, so that
 * no new grant can appear meanwhile.
 */
export async function revokeClientGrants(factory: AdapterFactory, store: Store, clientId: string): Promise<number> {
  const index = clientGrantsIndex(clientId);
  const grantIds = await store.indexMembers(index);
  const grants = factory('Grant');
  const tokens = factory('RefreshToken');
  for (const grantId of grantIds) {
    // The store adapter's grant index holds every token of the grant, whatever its model.
    await tokens.revokeByGrantId(grantId);
    await grants.destroy(grantId);
  }
  await store.delete(index);
  return grantIds.length;
}
