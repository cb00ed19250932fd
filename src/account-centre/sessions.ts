import { createHash, randomBytes } from 'node:crypto';
import { indexForAccount } from '../accounts/account-index.ts';
import { SaomaError } from '../errors.ts';
import { storeKeys } from '../store/keys.ts';
import type { Store } from '../store/store.ts';

/** How long an account-centre session lives: long enough to look around, short enough to forget. */
export const CENTRE_SESSION_MS = 10 * 60_000;

function sessionKey(token: string): string {
  return storeKeys.accountCentreSession(createHash('sha256').update(token).digest('base64url'));
}

/**
 * Sessions of the account centre in the mini-program: a random bearer token, made from a fresh
 * `wx.login` code, naming one account for ten minutes and good for the `/mp/account/*` routes
 * only (never a sign-in anywhere). The store holds only the token's hash; the session is in the
 * person's account index, so deleting the account ends it.
 */
export class CentreSessions {
  readonly #store: Store;

  constructor(store: Store) {
    this.#store = store;
  }

  async open(sub: string): Promise<{ token: string; expires_at: number }> {
    const token = randomBytes(32).toString('base64url');
    const key = sessionKey(token);
    await indexForAccount(this.#store, sub, `key:${key}`, CENTRE_SESSION_MS);
    await this.#store.set(key, sub, CENTRE_SESSION_MS);
    return { token, expires_at: Math.floor((Date.now() + CENTRE_SESSION_MS) / 1000) };
  }

  /** The account the request's `Authorization: Bearer` token names; `invalid_token` otherwise. */
  async holder(authorization: string): Promise<{ sub: string; token: string }> {
    const match = /^Bearer ([A-Za-z0-9_-]{43})$/.exec(authorization);
    const sub = match ? await this.#store.get(sessionKey(match[1]!)) : undefined;
    if (!match || !sub) throw new SaomaError('invalid_token', 'The account page session is missing or has ended; open the page again.');
    return { sub, token: match[1]! };
  }

  async close(token: string): Promise<void> {
    await this.#store.delete(sessionKey(token));
  }
}
