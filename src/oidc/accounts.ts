import { createHash } from 'node:crypto';
import { nanoid } from 'nanoid';
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
 * Creating is create-if-absent: two first scans by the same person at once make one account.
 */
export class Accounts {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  async resolve(identity: WeChatIdentity): Promise<Account> {
    const openidKey = storeKeys.identityByOpenid(digest(`${identity.appid}:${identity.openid}`));
    const unionKey = identity.unionid ? storeKeys.identityByUnionid(digest(identity.unionid)) : undefined;
    const primary = unionKey ?? openidKey;

    let sub = await this.#store.get(primary);
    // A person first seen without a unionid keeps their account when WeChat starts sending one.
    if (!sub && unionKey) sub = await this.#store.get(openidKey);
    if (!sub) {
      const candidate = nanoid(24);
      if (await this.#store.create(primary, candidate)) {
        await this.#store.create(storeKeys.account(candidate), JSON.stringify({ sub: candidate, created_at: Math.floor(Date.now() / 1000) } satisfies Account));
      }
      sub = (await this.#store.get(primary)) ?? candidate;
    }
    if (unionKey) {
      await this.#store.create(unionKey, sub);
      await this.#store.create(openidKey, sub);
    }
    const account = await this.find(sub);
    if (account) return account;
    // The identity key won a race with a crashed creator: make the record now.
    const fresh: Account = { sub, created_at: Math.floor(Date.now() / 1000) };
    await this.#store.create(storeKeys.account(sub), JSON.stringify(fresh));
    return (await this.find(sub)) ?? fresh;
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
    const { result } = await updateWithRetry(this.#store, storeKeys.account(sub), (raw) => {
      if (!raw) return { result: undefined };
      const next: Account = { ...(JSON.parse(raw) as Account), ...changes, sub };
      return { result: next, next: JSON.stringify(next) };
    }, { attempts: 5, exhausted: () => new Error('account update lost five races in a row') });
    return result;
  }
}

function digest(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}
