import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * A login ticket: one code shown on one login page. Its `scene` is printed in the code image, so
 * it is a public handle, never a secret. Only the browser holding the interaction cookie reaches
 * the ticket by its interaction `uid`; only the WeChat user who scanned holds the scan `token`.
 * How it changes state: `ticket-machine.ts`.
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
}

/** What the browser may know: the contract's status answer. */
export interface TicketStatus {
  state: TicketState;
  expires_at: number;
  scanner?: { nickname?: string; avatar_url?: string };
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
