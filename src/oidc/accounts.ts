import { createHash } from 'node:crypto';
import { newSub } from '../ids.ts';
import { addOnce, indexForAccount } from '../accounts/account-index.ts';
import { storeKeys } from '../store/keys.ts';
import type { Store } from '../store/store.ts';
import { updateWithRetry } from '../store/update.ts';

/** What we keep about a person. `sub` is ours and stable; WeChat ids live only in hashed keys. */
export interface Account {
  sub: string;
  created_at: number;
  nickname?: string;
  picture?: string;
  phone_number?: string;
  phone_number_verified?: boolean;
  /** Seconds since the epoch: set while an administrator has blocked the account (no sign-in). */
  blocked_at?: number;
}

export interface WeChatIdentity {
  appid: string;
  openid: string;
  unionid?: string;
}

/**
 * Accounts, keyed by the WeChat identity: the unionid when WeChat gives one (so the same person
 * is one account across every mini-program of the operator), else (appid, openid). The identity
 * keys hold a SHA-256 of the WeChat id, so neither openid nor unionid is stored in the clear.
 *
 * An account record is written before the identity key that names it, so an identity key names a
 * missing account only once that account was deleted: the person then gets a new `sub`. Two first
 * scans by the same person at once make one account (the identity key is create-if-absent; the
 * loser removes the record it wrote). Identity keys and the phone lookup are in the person's
 * account index (src/accounts/account-index.ts), so a delete finds them.
 */
export class Accounts {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  /** The person's account if they have one; never creates one (the account centre). */
  async lookup(identity: WeChatIdentity): Promise<Account | undefined> {
    const { openidKey, unionKey } = identityKeys(identity);
    const sub = (unionKey ? await this.#store.get(unionKey) : undefined) ?? (await this.#store.get(openidKey));
    return sub ? this.find(sub) : undefined;
  }

  async resolve(identity: WeChatIdentity): Promise<Account> {
    const { openidKey, unionKey } = identityKeys(identity);
    const primary = unionKey ?? openidKey;

    let held = await this.#store.get(primary);
    // A person first seen without a unionid keeps their account when WeChat starts sending one.
    const openidHeld = held === undefined && unionKey ? await this.#store.get(openidKey) : undefined;
    let sub = held ?? openidHeld;
    for (let attempt = 0; attempt < 5; attempt++) {
      const account = sub === undefined ? undefined : await this.find(sub);
      if (account && sub) {
        // A key just read naming this account is there already: only its index entry is (re)made.
        const keys = (unionKey ? [unionKey, openidKey] : [openidKey]).map((key) => ({ key, present: (key === primary ? held : openidHeld) === sub }));
        await this.#link(sub, account.created_at, keys);
        return account;
      }
      // No account behind the identity: a first sign-in, or the account was deleted.
      sub = await this.#claim(primary, held);
      held = sub;
    }
    throw new Error('account creation lost five races in a row');
  }

  /** A new account for the identity key `primary` (replacing `stale`, a deleted account's sub); the winner's sub. */
  async #claim(primary: string, stale: string | undefined): Promise<string | undefined> {
    const candidate = newSub();
    const account: Account = { sub: candidate, created_at: Math.floor(Date.now() / 1000) };
    await this.#store.create(storeKeys.account(candidate), JSON.stringify(account));
    const won = stale === undefined ? await this.#store.create(primary, candidate) : await this.#store.compareAndSet(primary, stale, candidate);
    if (won) return candidate;
    await this.#store.delete(storeKeys.account(candidate));
    return this.#store.get(primary);
  }

  /**
   * Identity links and the listing entry; idempotent, so accounts older than the index join it at
   * their next sign-in. A link `present` (just read, naming `sub`) is not written again.
   */
  async #link(sub: string, createdAt: number, keys: Array<{ key: string; present: boolean }>): Promise<void> {
    for (const { key, present } of keys) {
      await indexForAccount(this.#store, sub, `key:${key}`);
      if (!present) await this.#store.create(key, sub);
    }
    await addOnce(this.#store, storeKeys.accountList, `${createdAt}.${sub}`);
  }

  /** The account whose verified phone number is `e164`, if any. */
  async findByPhone(e164: string): Promise<Account | undefined> {
    const sub = await this.#store.get(phoneKey(e164));
    const account = sub ? await this.find(sub) : undefined;
    return account?.phone_number === e164 ? account : undefined;
  }

  async find(sub: string): Promise<Account | undefined> {
    const raw = await this.#store.get(storeKeys.account(sub));
    if (!raw) return undefined;
    try {
      const value = JSON.parse(raw) as Account;
      return typeof value.sub === 'string' ? value : undefined;
    } catch {
      return undefined;
    }
  }

  /** Merges profile fields the person gave in the mini-program; retries on concurrent writes. */
  async update(sub: string, changes: Partial<Omit<Account, 'sub' | 'created_at'>>): Promise<Account | undefined> {
    if (changes.phone_number) {
      await indexForAccount(this.#store, sub, `key:${phoneKey(changes.phone_number)}`);
      await this.#store.set(phoneKey(changes.phone_number), sub);
    }
    const { result } = await updateWithRetry(this.#store, storeKeys.account(sub), (raw) => {
      if (!raw) return { result: undefined };
      const next: Account = { ...(JSON.parse(raw) as Account), ...changes, sub };
      // An undefined change removes the field (unblocking).
      for (const [field, value] of Object.entries(changes)) if (value === undefined) delete (next as unknown as Record<string, unknown>)[field];
      return { result: next, next: JSON.stringify(next) };
    }, { attempts: 5, exhausted: () => new Error('account update lost five races in a row') });
    return result;
  }
}

function identityKeys(identity: WeChatIdentity): { openidKey: string; unionKey: string | undefined } {
  return {
    openidKey: storeKeys.identityByOpenid(digest(`${identity.appid}:${identity.openid}`)),
    unionKey: identity.unionid ? storeKeys.identityByUnionid(digest(identity.unionid)) : undefined,
  };
}

/** The phone lookup holds a hash of the number, as identity keys do. */
export function phoneKey(e164: string): string {
  return storeKeys.accountByPhone(digest(e164));
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}
