import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Store } from '../store/store.ts';
import { accountIndex } from './account-index.ts';

type AdapterFactory = (model: string) => Adapter;

/** One website's sign-in session inside one saoma session: what a back-channel logout names. */
export interface WebsiteSession {
  clientId: string;
  sid: string;
}

export interface HeldGrant {
  id: string;
  clientId: string;
  scopes: string[];
  grantedAt: number | undefined;
}

/** What the per-account index names, read back: live sessions, grants, interactions and raw keys. */
export interface Holdings {
  sessions: Array<{ id: string; loginAt: number | undefined; websites: WebsiteSession[] }>;
  grants: HeldGrant[];
  interactions: string[];
  keys: string[];
  /** Index members naming something already gone (expired, or never written after a crash). */
  stale: string[];
}

/**
 * Reads what one person holds in the store, through their account index. The adapters are the
 * same ones oidc-provider uses (with the client grant index), so destroying through them keeps
 * every other index true.
 */
export class AccountHoldings {
  readonly #store: Store;
  readonly #adapters: AdapterFactory;

  constructor(store: Store, adapters: AdapterFactory) {
    this.#store = store;
    this.#adapters = adapters;
  }

  async read(sub: string): Promise<Holdings> {
    const held: Holdings = { sessions: [], grants: [], interactions: [], keys: [], stale: [] };
    for (const member of await this.#store.indexMembers(accountIndex(sub))) {
      const colon = member.indexOf(':');
      const kind = member.slice(0, colon);
      const id = member.slice(colon + 1);
      if (kind === 'key') {
        held.keys.push(id);
        continue;
      }
      const payload = await this.#adapters(kind).find(id);
      if (!payload || (payload.accountId !== undefined && payload.accountId !== sub && kind !== 'Interaction')) held.stale.push(member);
      else if (kind === 'Session') held.sessions.push({ id, loginAt: numberOf(payload.loginTs), websites: websitesOf(payload) });
      else if (kind === 'Grant') held.grants.push(grantOf(id, payload));
      else held.interactions.push(id);
    }
    return held;
  }

  /**
   * Ends sessions and grants (every token issued under a grant goes with it: codes, access and
   * refresh tokens), and interactions; `clientId` limits it to one website. Answers the website
   * sessions that ended, for back-channel logout. Sessions first, so no new grant can come of them.
   */
  async end(sub: string, held: Holdings, clientId?: string): Promise<WebsiteSession[]> {
    const ended: WebsiteSession[] = [];
    const sessions = this.#adapters('Session');
    for (const session of held.sessions) {
      const mine = session.websites.filter((w) => clientId === undefined || w.clientId === clientId);
      ended.push(...mine);
      if (clientId === undefined) await sessions.destroy(session.id);
      else if (mine.length) await this.#forgetWebsite(session.id, clientId);
    }
    const grants = this.#adapters('Grant');
    const tokens = this.#adapters('RefreshToken');
    for (const grant of held.grants.filter((g) => clientId === undefined || g.clientId === clientId)) {
      await tokens.revokeByGrantId(grant.id);
      await grants.destroy(grant.id);
      await this.#store.indexRemove(accountIndex(sub), `Grant:${grant.id}`);
    }
    if (clientId === undefined) {
      const interactions = this.#adapters('Interaction');
      for (const id of held.interactions) await interactions.destroy(id);
      for (const session of held.sessions) await this.#store.indexRemove(accountIndex(sub), `Session:${session.id}`);
    }
    for (const member of held.stale) await this.#store.indexRemove(accountIndex(sub), member);
    return ended;
  }

  /** Takes one website out of a saoma session, so signing in there again asks again. */
  async #forgetWebsite(sessionId: string, clientId: string): Promise<void> {
    const sessions = this.#adapters('Session');
    const payload = await sessions.find(sessionId);
    const authorizations = payload?.authorizations as Record<string, unknown> | undefined;
    if (!payload || !authorizations?.[clientId]) return;
    delete authorizations[clientId];
    const left = typeof payload.exp === 'number' ? payload.exp - Math.floor(Date.now() / 1000) : undefined;
    if (left !== undefined && left <= 0) return;
    await sessions.upsert(sessionId, payload, left);
  }
}

function websitesOf(payload: AdapterPayload): WebsiteSession[] {
  const authorizations = (payload.authorizations ?? {}) as Record<string, { sid?: string }>;
  return Object.entries(authorizations).flatMap(([clientId, a]) => (typeof a.sid === 'string' ? [{ clientId, sid: a.sid }] : []));
}

function grantOf(id: string, payload: AdapterPayload): HeldGrant {
  const openid = (payload as { openid?: { scope?: string } }).openid;
  return { id, clientId: String(payload.clientId), scopes: (openid?.scope ?? '').split(' ').filter(Boolean), grantedAt: numberOf(payload.iat) };
}

function numberOf(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}
