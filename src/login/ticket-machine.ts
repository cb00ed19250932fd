import { SaomaError } from '../errors.ts';
import { tokenMatches, type LoginTicket, type TicketState, type TicketStatus } from './ticket.ts';

/**
 * How a login ticket changes: every state, every transition, and where each one leads.
 *
 *   pending ──scan──▶ scanned ──confirm──▶ confirmed ──complete──▶ consumed
 *      │                 │ └──cancel──▶ cancelled
 *      │                 │                  │
 *      ├─────────────────┴──── abort ───────┴──────▶ cancelled   (the browser gives up)
 *      └──── expire ─────┴──── expire ──────┴──────▶ expired     (the clock; nothing is written)
 *
 * The transitions are pure functions (ticket, input, now) → next ticket or the SaomaError that
 * refuses it; `Tickets.apply` runs one of them atomically against the stored ticket.
 */
export type Transition = 'scan' | 'confirm' | 'cancel' | 'complete' | 'abort' | 'expire';

/** Where each transition leads from each state; a transition not listed for a state is refused. */
export const TRANSITIONS: Readonly<Record<TicketState, Readonly<Partial<Record<Transition, TicketState>>>>> = {
  // `scan` from scanned: the same person scanning again (a closed mini-program); nobody else.
  pending: { scan: 'scanned', abort: 'cancelled', expire: 'expired' },
  scanned: { scan: 'scanned', confirm: 'confirmed', cancel: 'cancelled', abort: 'cancelled', expire: 'expired' },
  confirmed: { complete: 'consumed', abort: 'cancelled', expire: 'expired' },
  // A finished ticket stays as it is: a late abort or the clock change nothing.
  cancelled: { abort: 'cancelled', expire: 'cancelled' },
  expired: { abort: 'expired', expire: 'expired' },
  consumed: { abort: 'consumed', expire: 'consumed' },
};

/** After confirm the browser has this long to finish, even if the code would expire sooner. */
export const FINISH_GRACE_MS = 60_000;

/** Proof that the request comes from the WeChat user who scanned: the token /mp/scan gave them. */
export interface ScannerProof {
  token: string;
}

export interface Scan {
  accountId: string;
  /** Kept only until confirm, for the phone-number exchange. */
  openid: string;
  tokenHash: string;
}

export interface Confirm extends ScannerProof {
  /** Whether the person shared the phone number in this login (else the `phone` scope is dropped). */
  phoneShared: boolean;
  scanner?: { nickname?: string; avatar_url?: string };
}

/** What each transition a request makes needs besides the ticket. */
export interface TransitionInput {
  scan: Scan;
  confirm: Confirm;
  cancel: ScannerProof;
  complete: undefined;
  abort: undefined;
}

export type RequestedTransition = keyof TransitionInput;

type Step<T extends RequestedTransition> = (ticket: LoginTicket, input: TransitionInput[T], now: number) => LoginTicket | SaomaError;

/** The clock's transition: a live ticket past its `expires_at` reads as `expired` (nothing is written). */
export function expire(ticket: LoginTicket, now = Date.now()): TicketState {
  return now >= ticket.expires_at ? TRANSITIONS[ticket.state].expire! : ticket.state;
}

/** The state a ticket is in now: its stored state, or `expired` once its time is up. */
export const effectiveState = expire;

export function isFinished(state: TicketState): boolean {
  return state === 'cancelled' || state === 'expired' || state === 'consumed';
}

export function scan(ticket: LoginTicket, by: Scan, now: number): LoginTicket | SaomaError {
  const state = effectiveState(ticket, now);
  // The same person may scan again (a closed mini-program); nobody else may take it over.
  const sameScanner = state === 'scanned' && ticket.account_id === by.accountId;
  if (state !== 'pending' && !sameScanner) return refusal(state, 'scan');
  return { ...ticket, state: 'scanned', account_id: by.accountId, openid: by.openid, token_hash: by.tokenHash };
}

export function confirm(ticket: LoginTicket, input: Confirm, now: number): LoginTicket | SaomaError {
  const refused = refusalOf(ticket, 'confirm', input.token, now);
  if (refused) return refused;
  return {
    ...ticket,
    // The openid was kept only for the phone exchange, which is done: the ticket lets it go.
    openid: undefined,
    state: 'confirmed',
    scopes: input.phoneShared ? ticket.scopes : ticket.scopes.filter((scope) => scope !== 'phone'),
    expires_at: Math.min(Math.max(ticket.expires_at, now + FINISH_GRACE_MS), ticket.interaction_expires_at),
    ...(input.scanner ? { scanner: input.scanner } : {}),
  };
}

export function cancel(ticket: LoginTicket, input: ScannerProof, now: number): LoginTicket | SaomaError {
  return refusalOf(ticket, 'cancel', input.token, now) ?? { ...ticket, openid: undefined, state: 'cancelled' };
}

export function complete(ticket: LoginTicket, _input: undefined, now: number): LoginTicket | SaomaError {
  return refusalOf(ticket, 'complete', undefined, now) ?? { ...ticket, state: 'consumed' };
}

/** The browser gives up (or a new code replaces this one): a live ticket is cancelled, a finished one left as it is. */
export function abort(ticket: LoginTicket, _input: undefined, now: number): LoginTicket | SaomaError {
  return isFinished(effectiveState(ticket, now)) ? ticket : { ...ticket, state: 'cancelled' };
}

export const STEPS: { readonly [T in RequestedTransition]: Step<T> } = { scan, confirm, cancel, complete, abort };

/** The transitions only the scanner may make, with the token /mp/scan gave them. */
const BY_SCANNER: ReadonlySet<Transition> = new Set(['confirm', 'cancel']);

/**
 * Why `ticket` cannot take `transition` now, or undefined if it can: the scanner check for the
 * scanner's transitions, then the table. Routes ask before spending a WeChat call; the transition
 * asks again against the stored ticket.
 */
export function refusalOf(ticket: LoginTicket, transition: Transition, token?: string, now = Date.now()): SaomaError | undefined {
  if (BY_SCANNER.has(transition) && !tokenMatches(ticket, token)) return wrongScanner();
  const state = effectiveState(ticket, now);
  return TRANSITIONS[state][transition] ? undefined : refusal(state, transition);
}

/** The one answer to a missing or wrong scan token: whoever lacks it learns nothing about the ticket. */
function wrongScanner(): SaomaError {
  return new SaomaError('invalid_token', 'The scan token is missing or wrong; scan the code again.');
}

/** Why a ticket in `state` cannot take `transition` (which the table does not list for it). */
export function refusal(state: TicketState, transition: Transition): SaomaError {
  switch (state) {
    case 'expired':
      return new SaomaError('ticket_expired', 'This code has expired; show a new code on the login page.');
    case 'cancelled':
      return new SaomaError('ticket_cancelled', 'This login was cancelled; show a new code on the login page.');
    case 'consumed':
      return new SaomaError('ticket_consumed', 'This code has already been used to sign in.');
    case 'confirmed':
      return new SaomaError('ticket_already_confirmed', 'This login has already been confirmed.');
    case 'scanned':
      return transition === 'scan'
        ? new SaomaError('ticket_already_scanned', 'Another WeChat user has already scanned this code.')
        : new SaomaError('ticket_not_confirmed', 'This login has not been confirmed in WeChat yet.');
    case 'pending':
      return transition === 'complete' ? new SaomaError('ticket_not_confirmed', 'This login has not been confirmed in WeChat yet.') : wrongScanner();
  }
}

/** What the browser may know of its ticket: the contract's status answer. */
export function publicStatus(ticket: LoginTicket, now = Date.now()): TicketStatus {
  const state = effectiveState(ticket, now);
  return {
    state,
    expires_at: Math.floor(ticket.expires_at / 1000),
    ...(ticket.scanner && (state === 'confirmed' || state === 'consumed') ? { scanner: ticket.scanner } : {}),
  };
}
