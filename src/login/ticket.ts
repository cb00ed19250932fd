import { createHash, timingSafeEqual } from 'node:crypto';
import { customAlphabet } from 'nanoid';
import { SaomaError } from '../errors.ts';

/**
 * A login ticket: one code shown on one login page. Its `scene` is printed in the code image, so
 * it is a public handle, never a secret. Only the browser holding the interaction cookie reaches
 * the ticket by its interaction `uid`; only the WeChat user who scanned holds the scan `token`.
 *
 *   pending ──scan──▶ scanned ──confirm──▶ confirmed ──complete──▶ consumed
 *      │                 │ └──cancel──▶ cancelled
 *      └──── ttl ────────┴──── ttl ───▶ expired
 */
export type TicketState = 'pending' | 'scanned' | 'confirmed' | 'cancelled' | 'expired' | 'consumed';

export interface LoginTicket {
  scene: string;
  uid: string;
  state: Exclude<TicketState, 'expired'>;
  /** Grows by one on every change; waiters use it to ignore stale news. */
  version: number;
  created_at: number;
  /** Milliseconds since the epoch; past it a live ticket reads as `expired`. */
  expires_at: number;
  /** When the login page (the interaction) ends; the ticket never lives beyond it. */
  interaction_expires_at: number;
  client_id: string;
  scopes: string[];
  requester: { ip: string; user_agent: string; time: number };
  account_id?: string;
  /**
   * The scanner's openid, kept (server-side only: never in a status, a log or a URL) so the phone
   * code can be exchanged with it and WeChat can check the code belongs to the scanner.
   */
  openid?: string;
  token_hash?: string;
  /** When the ticket last changed state (metrics: scan → confirm time). */
  state_at?: number;
  scanner?: { nickname?: string; avatar_url?: string };
  /** Why a cancelled ticket ended when the scanner did not cancel it: the account is blocked (issue 13). */
  reason?: 'login_blocked';
}

/** What the browser may know: the contract's status answer. */
export interface TicketStatus {
  state: TicketState;
  expires_at: number;
  scanner?: { nickname?: string; avatar_url?: string };
  reason?: 'login_blocked';
}

/** 20 characters over A-Za-z0-9: inside WeChat's 32-character scene limit, ~119 bits. */
export const newScene = customAlphabet('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', 20);
export const SCENE_PATTERN = /^[A-Za-z0-9]{1,32}$/;

export function effectiveState(ticket: LoginTicket, now = Date.now()): TicketState {
  const live = ticket.state === 'pending' || ticket.state === 'scanned' || ticket.state === 'confirmed';
  return live && now >= ticket.expires_at ? 'expired' : ticket.state;
}

export function isFinished(state: TicketState): boolean {
  return state === 'cancelled' || state === 'expired' || state === 'consumed';
}

export function statusOf(ticket: LoginTicket, now = Date.now()): TicketStatus {
  const state = effectiveState(ticket, now);
  return {
    state,
    expires_at: Math.floor(ticket.expires_at / 1000),
    ...(ticket.scanner && (state === 'confirmed' || state === 'consumed') ? { scanner: ticket.scanner } : {}),
    ...(ticket.reason && state === 'cancelled' ? { reason: ticket.reason } : {}),
  };
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** Constant-time check of a presented scan token against the ticket's. */
export function tokenMatches(ticket: LoginTicket, token: unknown): boolean {
  if (typeof token !== 'string' || !ticket.token_hash || token.length > 128) return false;
  const presented = Buffer.from(hashToken(token));
  const held = Buffer.from(ticket.token_hash);
  return presented.length === held.length && timingSafeEqual(presented, held);
}

/** Why a ticket in `state` cannot take a step that needs it to be in `wanted`. */
export function wrongState(state: TicketState, wanted: 'pending' | 'scanned' | 'confirmed'): SaomaError {
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
      return wanted === 'pending'
        ? new SaomaError('ticket_already_scanned', 'Another WeChat user has already scanned this code.')
        : new SaomaError('ticket_not_confirmed', 'This login has not been confirmed in WeChat yet.');
    case 'pending':
      return wanted === 'confirmed'
        ? new SaomaError('ticket_not_confirmed', 'This login has not been confirmed in WeChat yet.')
        : new SaomaError('invalid_token', 'The scan token is missing or wrong; scan the code again.');
  }
}
