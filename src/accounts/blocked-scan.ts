import { SaomaError } from '../errors.ts';
import type { Tickets } from '../login/tickets.ts';
import type { LoginTicket } from '../login/ticket.ts';
import type { Account } from '../oidc/accounts.ts';
import { storeKeys } from '../store/keys.ts';
import type { Store } from '../store/store.ts';
import { indexForAccount } from './account-index.ts';

/** A finished ticket stays readable this long (Tickets' afterlife), plus a margin. */
const TICKET_AFTERLIFE_MS = 11 * 60_000;

/**
 * The account side of a scan, called once the scanner's account is known:
 * - the ticket (which names the account until it expires) joins the account's index, so deleting
 *   the account removes it too;
 * - a blocked account goes no further: the ticket takes the `block` transition (cancelled, with
 *   reason `login_blocked`, which the login page states plainly) and the mini-program is answered
 *   403 `login_blocked`.
 */
export async function admitScan(store: Store, tickets: Tickets, ticket: LoginTicket, account: Account): Promise<void> {
  const ttlMs = Math.max(ticket.interaction_expires_at, ticket.expires_at) - Date.now() + TICKET_AFTERLIFE_MS;
  await indexForAccount(store, account.sub, `key:${storeKeys.ticket(ticket.scene)}`, ttlMs);
  if (account.blocked_at === undefined) return;
  await tickets.apply(ticket.scene, 'block', { accountId: account.sub });
  throw new SaomaError('login_blocked', 'This WeChat account is blocked from signing in to this service. Ask the service\'s operator.');
}
