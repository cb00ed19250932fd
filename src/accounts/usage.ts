import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from '../log.ts';
import { storeKeys } from '../store/keys.ts';
import type { Store } from '../store/store.ts';
import { accountIndex } from './account-index.ts';

/**
 * When the person last signed in anywhere (seconds). Named by the `sub` alone, so it is not in the
 * account index: an account delete removes it by name, and `lastActivity` reads it by name.
 */
export function signedInKey(sub: string): string {
  return storeKeys.accountSignedIn(sub);
}

/** When a website last used the person's sign-in (an authorization or a token). */
export function usedKey(sub: string, clientId: string): string {
  return storeKeys.accountUsed(sub, clientId);
}

/**
 * Records when each person last signed in and when each website last used their sign-in, for the
 * account pages (admin and the person's own) and for retention. Marks are written after the
 * answer is decided and never delay or fail it: a store failure here is a debug line, not an error.
 */
export function recordUsage(provider: Provider, store: Store, log: Logger): void {
  const thisSecond = new MarksThisSecond();
  const write = async (sub: string, key: string, now: string, indexed: boolean) => {
    if (thisSecond.has(key, now)) return;
    // Added every time, not through `addOnce`: a mark is rewritten at each use, so if a Redis
    // failover lost the first add, a remembered add would let the mark live on outside the index,
    // where an account delete cannot find it.
    if (indexed) await store.indexAdd(accountIndex(sub), `key:${key}`);
    await store.set(key, now);
    thisSecond.add(key, now);
  };
  const mark = async (sub: string, clientId: string, signIn: boolean) => {
    const now = String(Math.floor(Date.now() / 1000));
    // A website's mark is found through the index (the store cannot list a person's websites).
    await write(sub, usedKey(sub, clientId), now, true);
    if (signIn) await write(sub, signedInKey(sub), now, false);
  };
  const record = (sub: unknown, clientId: unknown, signIn: boolean) => {
    if (typeof sub !== 'string' || typeof clientId !== 'string') return;
    mark(sub, clientId, signIn).catch((err: unknown) => log.debug({ err }, 'could not record account usage'));
  };
  provider.on('authorization.success', (ctx: KoaContextWithOIDC) => record(ctx.oidc.session?.accountId, ctx.oidc.client?.clientId, true));
  provider.on('grant.success', (ctx: KoaContextWithOIDC) => {
    const entities = ctx.oidc.entities as { Account?: { accountId?: string }; Client?: { clientId?: string } };
    record(entities.Account?.accountId, entities.Client?.clientId, false);
  });
}

/**
 * The marks this process wrote in the current second, each with that second as its value: writing
 * one again would change nothing (a website's /token right after the authorization that signed the
 * person in, in the same second). Holds only the current second's keys, so it is bounded by the
 * writes of one second; a mark another process writes meanwhile carries a time of its own, as
 * before.
 */
export class MarksThisSecond {
  #second = '';
  readonly #keys = new Set<string>();

  has(key: string, second: string): boolean {
    return second === this.#second && this.#keys.has(key);
  }

  add(key: string, second: string): void {
    if (second !== this.#second) {
      this.#second = second;
      this.#keys.clear();
    }
    this.#keys.add(key);
  }
}

/**
 * The last time anything of the person was used: sign-in or a website's token (seconds; 0 when
 * never). `keys` are the index's; the sign-in mark is read by name (older accounts also have it there).
 */
export async function lastActivity(store: Store, sub: string, keys: string[]): Promise<number> {
  let last = 0;
  const marks = new Set([signedInKey(sub), ...keys.filter((key) => key.startsWith(storeKeys.accountUsedPrefix(sub)))]);
  for (const key of marks) last = Math.max(last, Number((await store.get(key)) ?? 0));
  return last;
}
