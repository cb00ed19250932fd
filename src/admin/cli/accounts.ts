import type { AccountService, AccountSummary, Actor } from '../../accounts/service.ts';

/** People's accounts, whichever way the command line reaches the deployment. */
export interface AccountsBackend {
  list(limit?: number, after?: string): Promise<{ accounts: AccountSummary[]; next: string | null }>;
  find(by: { sub?: string; phone?: string; nickname?: string }): Promise<AccountSummary[]>;
  show(sub: string): ReturnType<AccountService['show']>;
  export(sub: string): Promise<unknown>;
  block(sub: string): Promise<Record<string, unknown>>;
  unblock(sub: string): Promise<Record<string, unknown>>;
  signOut(sub: string): Promise<Record<string, unknown>>;
  delete(sub: string): Promise<Record<string, unknown>>;
}

export const ACCOUNTS_HELP = `saoma accounts — the people who signed in (PIPL/GDPR requests: see docs/privacy.md).

Usage:
  saoma accounts list [--limit <n>] [--after <next>]   newest first; --after continues from a page's "next"
  saoma accounts find --sub <sub> | --phone <+86…> | --nickname <fragment>
  saoma accounts show <sub>        created, last sign-in, websites (what was shared, last use),
                                   whether a phone number is held (never WeChat ids)
  saoma accounts export <sub>      everything held about the person, as one JSON document
  saoma accounts block <sub>       no new sign-in; ends every session and refresh token now, and
                                   sends a logout token to each website that asked for one
  saoma accounts unblock <sub>     allows sign-in again (the same sub)
  saoma accounts sign-out <sub>    ends every session and refresh token (the account stays)
  saoma accounts delete <sub>      deletes everything of the person: account, WeChat links, phone,
                                   avatar, sessions, grants and tokens; the same WeChat user signing
                                   in later is a new account with a new sub

Every change is an audit line. Unknown sub: refused (account_not_found), exit status 1.
`;

type Call = <T>(method: string, path: string, body?: unknown) => Promise<T>;

/** Accounts through the admin API. */
export function apiAccounts(call: Call): AccountsBackend {
  const one = (sub: string) => `/accounts/${encodeURIComponent(sub)}`;
  return {
    list: (limit, after) => call('GET', `/accounts?${new URLSearchParams({ ...(limit === undefined ? {} : { limit: String(limit) }), ...(after ? { after } : {}) })}`),
    find: async (by) => (await call<{ accounts: AccountSummary[] }>('GET', `/accounts?${new URLSearchParams(by as Record<string, string>)}`)).accounts,
    show: (sub) => call('GET', one(sub)),
    export: (sub) => call('GET', `${one(sub)}/export`),
    block: (sub) => call('POST', `${one(sub)}/block`),
    unblock: (sub) => call('POST', `${one(sub)}/unblock`),
    signOut: (sub) => call('POST', `${one(sub)}/sign-out`),
    delete: (sub) => call('DELETE', one(sub)),
  };
}

/** Accounts straight on the store, through the same service the API uses; `guard` turns refusals into `Refused`. */
export function storeAccounts(service: AccountService, who: Actor, guard: <T>(work: Promise<T>) => Promise<T>): AccountsBackend {
  return {
    list: (limit, after) => guard(service.list(limit, after)),
    find: (by) => guard(service.find(by)),
    show: (sub) => guard(service.show(sub)),
    export: (sub) => guard(service.export(sub, who)),
    block: (sub) => guard(service.block(sub, who)),
    unblock: (sub) => guard(service.unblock(sub, who)),
    signOut: (sub) => guard(service.signOutEverywhere(sub, who)),
    delete: (sub) => guard(service.delete(sub, who)),
  };
}

interface Result {
  json: unknown;
  text: string;
}

export interface AccountOptions {
  limit?: string | undefined;
  after?: string | undefined;
  sub?: string | undefined;
  phone?: string | undefined;
  nickname?: string | undefined;
}

const CHANGES: Record<string, { run: (b: AccountsBackend, sub: string) => Promise<Record<string, unknown>>; says: string }> = {
  block: { run: (b, sub) => b.block(sub), says: 'Blocked' },
  unblock: { run: (b, sub) => b.unblock(sub), says: 'Unblocked' },
  'sign-out': { run: (b, sub) => b.signOut(sub), says: 'Signed out everywhere:' },
  delete: { run: (b, sub) => b.delete(sub), says: 'Deleted' },
};

/** Checks an `accounts` command before anything is opened; returns the work, or throws `usage(message)`. */
export function accountsCommand(command: string | undefined, sub: string | undefined, count: number, options: AccountOptions, usage: (message: string) => Error): (b: AccountsBackend) => Promise<Result> {
  const needs = (n: number, text: string) => {
    if (count !== n) throw usage(`Usage: ${text}`);
  };
  if (command === 'list') {
    needs(2, 'saoma accounts list [--limit <n>] [--after <next>]');
    if (options.limit !== undefined && !/^\d{1,3}$/.test(options.limit)) throw usage('--limit must be a whole number from 1 to 200.');
    return async (b) => {
      const page = await b.list(options.limit === undefined ? undefined : Number(options.limit), options.after);
      return { json: page, text: table(page.accounts) + (page.next ? `More: saoma accounts list --after ${page.next}\n` : '') };
    };
  }
  if (command === 'find') {
    needs(2, 'saoma accounts find --sub <sub> | --phone <number> | --nickname <fragment>');
    const by = { ...(options.sub ? { sub: options.sub } : {}), ...(options.phone ? { phone: options.phone } : {}), ...(options.nickname ? { nickname: options.nickname } : {}) };
    if (Object.keys(by).length !== 1) throw usage('Give exactly one of --sub, --phone, --nickname.');
    return async (b) => {
      const accounts = await b.find(by);
      return { json: { accounts }, text: table(accounts) };
    };
  }
  if (command === 'show' || command === 'export') {
    needs(3, `saoma accounts ${command} <sub>`);
    if (command === 'export') return async (b) => { const doc = await b.export(sub!); return { json: doc, text: `${JSON.stringify(doc, null, 2)}\n` }; };
    return async (b) => { const shown = await b.show(sub!); return { json: shown, text: describe(shown) }; };
  }
  const change = command === undefined ? undefined : CHANGES[command];
  if (!change) throw usage(command ? `Unknown command: accounts ${command}` : 'Which accounts command?');
  needs(3, `saoma accounts ${command} <sub>`);
  return async (b) => {
    const done = await change.run(b, sub!);
    const counts = ['sessions_ended', 'grants_revoked', 'logouts_sent'].filter((k) => k in done).map((k) => `${k.replace('_', ' ')}: ${String(done[k])}`);
    return { json: done, text: `${change.says} ${sub}.${counts.length ? ` (${counts.join(', ')})` : ''}\n` };
  };
}

function table(accounts: AccountSummary[]): string {
  if (!accounts.length) return 'No accounts.\n';
  return accounts.map((a) => `${a.sub}\t${new Date(a.created_at * 1000).toISOString()}\t${a.nickname ?? ''}${a.blocked ? '\t(blocked)' : ''}`).join('\n') + '\n';
}

function describe(shown: Awaited<ReturnType<AccountsBackend['show']>>): string {
  const when = (value: unknown) => (typeof value === 'number' ? new Date(value * 1000).toISOString() : 'never');
  const a = shown.account;
  const rows = [
    ['sub', a.sub], ['nickname', a.nickname ?? '(none)'], ['created', when(a.created_at)], ['last sign-in', when(a.last_sign_in_at)],
    ['phone number', a.phone_number_held ? 'held' : 'not held'], ['blocked', a.blocked ? `since ${when(a.blocked_at)}` : 'no'], ['sessions', shown.sessions],
  ];
  const sites = shown.websites.map((w) => `    ${w.name} (${w.client_id}): ${w.scopes.join(' ')}; granted ${when(w.granted_at)}, last used ${when(w.last_used_at)}`);
  return rows.map(([k, v]) => `  ${String(k).padEnd(13)} ${String(v)}`).join('\n') + `\n  websites${sites.length ? `\n${sites.join('\n')}` : '      (none)'}\n`;
}
