import type Provider from 'oidc-provider';
import { SaomaError } from '../errors.ts';
import type { Audit } from '../log.ts';
import type { Account, Accounts } from '../oidc/accounts.ts';
import { storeKeys } from '../store/keys.ts';
import type { Store } from '../store/store.ts';
import { accountIndex } from './account-index.ts';
import { announceLogouts } from './backchannel.ts';
import type { AccountHoldings, Holdings } from './holdings.ts';
import { lastActivity, signedInKey, usedKey } from './usage.ts';

/** Who acts, for the audit line: an admin (token or command line), the person, or retention. */
export interface Actor {
  actor: string;
  ip: string;
}

export interface AccountSummary {
  sub: string;
  created_at: number;
  nickname: string | null;
  blocked: boolean;
}

export interface Website {
  client_id: string;
  name: string;
  logo_uri: string | null;
  scopes: string[];
  granted_at: number | null;
  last_used_at: number | null;
}

export interface AccountDeps {
  store: Store;
  accounts: Accounts;
  holdings: AccountHoldings;
  /** The running provider (a key rotation may swap it): client names and back-channel logout. */
  provider: () => Provider;
  audit: Audit;
}

const MAX_PAGE = 200;

/** The lookups that lead to a person (identity links, the phone number): removed only while they still name them. */
const LOOKUP_KEYS = [storeKeys.identityByOpenid(''), storeKeys.identityByUnionid(''), storeKeys.accountByPhone('')];

/**
 * People's accounts, for administrators and for the person themselves: the same reads and the
 * same effects whichever way in (admin API, command line, account centre, retention), each change
 * with one audit line naming the account by `sub` only. WeChat ids are never read or shown:
 * the store holds only their hashes, and nothing here returns those.
 */
export class AccountService {
  readonly #deps: AccountDeps;

  constructor(deps: AccountDeps) {
    this.#deps = deps;
  }

  /** Newest first, `limit` at a time; `after` is the previous page's `next`. */
  async list(limit = 50, after?: string): Promise<{ accounts: AccountSummary[]; next: string | null }> {
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw new SaomaError('invalid_request', `"limit" must be a whole number from 1 to ${MAX_PAGE}.`);
    const members = (await this.#deps.store.indexMembers(storeKeys.accountList)).map(parseMember).filter((m) => m !== undefined).sort(newestFirst);
    const start = after === undefined ? 0 : members.findIndex((m) => newestFirst(m, parseMember(after) ?? m) > 0);
    const page: AccountSummary[] = [];
    let next: string | null = null;
    for (const member of members.slice(start < 0 ? members.length : start)) {
      const account = await this.#deps.accounts.find(member.sub);
      if (!account) continue;
      if (page.length === limit) {
        next = `${page.at(-1)!.created_at}.${page.at(-1)!.sub}`;
        break;
      }
      page.push(summary(account));
    }
    return { accounts: page, next };
  }

  /** Accounts matching exactly one of: a `sub`, a phone number (E.164), a nickname fragment (case-insensitive). */
  async find(by: { sub?: string; phone?: string; nickname?: string }): Promise<AccountSummary[]> {
    if (by.sub !== undefined) {
      const account = by.sub.length <= 64 ? await this.#deps.accounts.find(by.sub) : undefined;
      return account ? [summary(account)] : [];
    }
    if (by.phone !== undefined) {
      const account = await this.#deps.accounts.findByPhone(by.phone);
      return account ? [summary(account)] : [];
    }
    const fragment = (by.nickname ?? '').toLowerCase();
    if (!fragment) throw new SaomaError('invalid_request', 'Give one of "sub", "phone" or "nickname".');
    const found: AccountSummary[] = [];
    for (const member of (await this.#deps.store.indexMembers(storeKeys.accountList)).map(parseMember).filter((m) => m !== undefined).sort(newestFirst)) {
      const account = await this.#deps.accounts.find(member.sub);
      if (account?.nickname?.toLowerCase().includes(fragment)) found.push(summary(account));
      if (found.length === MAX_PAGE) break;
    }
    return found;
  }

  /** One account as an administrator sees it: whether a phone number is held, never the number or WeChat ids. */
  async show(sub: string) {
    const account = await this.#account(sub);
    const held = await this.#deps.holdings.read(sub);
    return {
      account: {
        ...summary(account),
        picture: account.picture ?? null,
        phone_number_held: account.phone_number !== undefined,
        blocked_at: account.blocked_at ?? null,
        last_sign_in_at: await this.#time(signedInKey(sub)),
        last_active_at: (await lastActivity(this.#deps.store, sub, held.keys)) || null,
      },
      websites: await this.websites(sub, held),
      sessions: held.sessions.length,
    };
  }

  /** The websites the person has signed into (grants), with what was shared and when each last used it. */
  async websites(sub: string, held?: Holdings): Promise<Website[]> {
    const grants = (held ?? (await this.#deps.holdings.read(sub))).grants;
    const websites: Website[] = [];
    for (const grant of grants) {
      const client = await this.#deps.provider().Client.find(grant.clientId);
      websites.push({
        client_id: grant.clientId,
        name: client?.clientName ?? grant.clientId,
        logo_uri: client?.logoUri ?? null,
        scopes: grant.scopes,
        granted_at: grant.grantedAt ?? null,
        last_used_at: await this.#time(usedKey(sub, grant.clientId)),
      });
    }
    return websites.sort((a, b) => (b.last_used_at ?? 0) - (a.last_used_at ?? 0));
  }

  /** Every account's sub, oldest first (retention walks them all). */
  async everySub(): Promise<string[]> {
    return (await this.#deps.store.indexMembers(storeKeys.accountList)).map(parseMember).filter((m) => m !== undefined).sort(newestFirst).reverse().map((m) => m.sub);
  }

  /** When the person last signed in or a website last used their tokens; their creation when never (seconds). */
  async lastActiveAt(sub: string): Promise<number | undefined> {
    const account = await this.#deps.accounts.find(sub);
    if (!account) return undefined;
    const held = await this.#deps.holdings.read(sub);
    return Math.max(account.created_at, await lastActivity(this.#deps.store, sub, held.keys));
  }

  /** Everything saoma holds about the person, as one JSON document (their right of access and copy). */
  async export(sub: string, who: Actor) {
    const account = await this.#account(sub);
    const held = await this.#deps.holdings.read(sub);
    const avatars = await this.#deps.store.indexMembers(storeKeys.avatarsOf(sub));
    this.#deps.audit({ event: 'account.exported', ...who, sub });
    return {
      exported_at: new Date().toISOString(),
      issuer_note: 'Everything this sign-in service holds about the account. WeChat identifiers are stored only as one-way hashes and are not part of the account data.',
      account: { ...account },
      last_sign_in_at: await this.#time(signedInKey(sub)),
      websites: await this.websites(sub, held),
      sessions: held.sessions.map((s) => ({ signed_in_at: s.loginAt ?? null, websites: s.websites.map((w) => w.clientId) })),
      avatars_uploaded: avatars.length,
    };
  }

  async block(sub: string, who: Actor): Promise<{ sub: string; blocked_at: number; sessions_ended: number; grants_revoked: number; logouts_sent: number }> {
    await this.#account(sub);
    const blockedAt = Math.floor(Date.now() / 1000);
    // Blocked first, so no sign-in can complete between the revocation and the flag.
    await this.#deps.accounts.update(sub, { blocked_at: blockedAt });
    const { held, sent } = await this.#endAll(sub);
    this.#deps.audit({ event: 'account.blocked', ...who, sub, sessions_ended: held.sessions.length, grants_revoked: held.grants.length, logouts_sent: sent });
    return { sub, blocked_at: blockedAt, sessions_ended: held.sessions.length, grants_revoked: held.grants.length, logouts_sent: sent };
  }

  async unblock(sub: string, who: Actor): Promise<{ sub: string; blocked: false }> {
    await this.#account(sub);
    await this.#deps.accounts.update(sub, { blocked_at: undefined });
    this.#deps.audit({ event: 'account.unblocked', ...who, sub });
    return { sub, blocked: false };
  }

  /** Signs the person out of every website and of saoma (the account stays). */
  async signOutEverywhere(sub: string, who: Actor): Promise<{ sessions_ended: number; grants_revoked: number; logouts_sent: number }> {
    await this.#account(sub);
    const { held, sent } = await this.#endAll(sub);
    this.#deps.audit({ event: 'account.signed_out_everywhere', ...who, sub, logouts_sent: sent });
    return { sessions_ended: held.sessions.length, grants_revoked: held.grants.length, logouts_sent: sent };
  }

  /** Withdraws one website: its grant and tokens revoked, its sessions ended (with a logout token). */
  async withdraw(sub: string, clientId: string, who: Actor): Promise<{ client_id: string; grants_revoked: number; logouts_sent: number }> {
    await this.#account(sub);
    const held = await this.#deps.holdings.read(sub);
    const grants = held.grants.filter((g) => g.clientId === clientId).length;
    if (!grants && !held.sessions.some((s) => s.websites.some((w) => w.clientId === clientId))) {
      throw new SaomaError('not_found', 'This account has not signed into that website.');
    }
    const ended = await this.#deps.holdings.end(sub, held, clientId);
    const sent = await announceLogouts(this.#deps.provider, sub, ended);
    this.#deps.audit({ event: 'account.website_withdrawn', ...who, sub, client_id: clientId, logouts_sent: sent });
    return { client_id: clientId, grants_revoked: grants, logouts_sent: sent };
  }

  /**
   * Deletes everything of the person: sessions, grants with their tokens, interactions, identity
   * links, the phone lookup, avatars, usage marks, the account and its index. The same WeChat user
   * signing in later gets a new `sub`. A second delete answers `account_not_found`.
   */
  async delete(sub: string, who: Actor): Promise<{ sub: string; deleted: true; logouts_sent: number }> {
    const account = await this.#account(sub);
    const { held, sent } = await this.#endAll(sub);
    const { store } = this.#deps;
    for (const member of await store.indexMembers(storeKeys.avatarsOf(sub))) await store.delete(storeKeys.avatar(member.slice(member.indexOf('.') + 1)));
    await store.delete(storeKeys.avatarsOf(sub));
    // The hourly upload counter and the sign-in mark are named by the sub (not indexed): they go too.
    await store.delete(storeKeys.rateLimit(storeKeys.avatarUploads(sub)));
    await store.delete(signedInKey(sub));
    // Identity and phone keys only while they still name this person (they may name a newer account).
    for (const key of held.keys) {
      if (LOOKUP_KEYS.some((family) => key.startsWith(family))) await store.deleteIfEquals(key, sub);
      else await store.delete(key);
    }
    await store.delete(storeKeys.account(sub));
    await store.indexRemove(storeKeys.accountList, `${account.created_at}.${sub}`);
    await store.delete(accountIndex(sub));
    this.#deps.audit({ event: 'account.deleted', ...who, sub, logouts_sent: sent });
    return { sub, deleted: true, logouts_sent: sent };
  }

  async #endAll(sub: string): Promise<{ held: Holdings; sent: number }> {
    const held = await this.#deps.holdings.read(sub);
    const ended = await this.#deps.holdings.end(sub, held);
    return { held, sent: await announceLogouts(this.#deps.provider, sub, ended) };
  }

  async #account(sub: string): Promise<Account> {
    const account = typeof sub === 'string' && sub.length <= 64 ? await this.#deps.accounts.find(sub) : undefined;
    if (!account) throw new SaomaError('account_not_found', 'No account has this sub (it may have been deleted).');
    return account;
  }

  async #time(key: string): Promise<number | null> {
    const value = await this.#deps.store.get(key);
    return value === undefined ? null : Number(value);
  }
}

function summary(account: Account): AccountSummary {
  return { sub: account.sub, created_at: account.created_at, nickname: account.nickname ?? null, blocked: account.blocked_at !== undefined };
}

interface Member {
  created: number;
  sub: string;
}

function parseMember(member: string): Member | undefined {
  const dot = member.indexOf('.');
  const created = Number(member.slice(0, dot));
  return dot > 0 && Number.isFinite(created) ? { created, sub: member.slice(dot + 1) } : undefined;
}

function newestFirst(a: Member, b: Member): number {
  return b.created - a.created || (a.sub < b.sub ? 1 : a.sub > b.sub ? -1 : 0);
}
