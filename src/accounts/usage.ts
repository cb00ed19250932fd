import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Logger } from '../log.ts';
import { storeKeys } from '../store/keys.ts';
import type { Store } from '../store/store.ts';
import { indexForAccount } from './account-index.ts';

/** When the person last signed in anywhere (seconds). */
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
  const mark = async (sub: string, clientId: string, signIn: boolean) => {
    const now = String(Math.floor(Date.now() / 1000));
    const used = usedKey(sub, clientId);
    await indexForAccount(store, sub, `key:${used}`);
    await store.set(used, now);
    if (signIn) {
      await indexForAccount(store, sub, `key:${signedInKey(sub)}`);
      await store.set(signedInKey(sub), now);
    }
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

/** The last time anything of the person was used: sign-in or a website's token (seconds; 0 when never). */
export async function lastActivity(store: Store, sub: string, keys: string[]): Promise<number> {
  let last = 0;
  for (const key of keys) {
    if (key !== signedInKey(sub) && !key.startsWith(storeKeys.accountUsedPrefix(sub))) continue;
    last = Math.max(last, Number((await store.get(key)) ?? 0));
  }
  return last;
}
