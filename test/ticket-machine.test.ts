import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SaomaError } from '../src/errors.ts';
import { FINISH_GRACE_MS, STEPS, expire, type RequestedTransition, type TransitionInput } from '../src/login/ticket-machine.ts';
import { hashToken, type LoginTicket, type TicketState } from '../src/login/ticket.ts';

/**
 * The login ticket's state machine, walked whole: every state × every transition, with the
 * outcome written out here by hand (a new state or the refusal's error code), so a change to the
 * table or to a transition shows up as a failing row rather than a surprise in a login.
 */
const NOW = 1_800_000_000_000;
const TOKEN = 'the-scan-token';
const SCANNER = 'account-of-the-scanner';

function ticketIn(state: TicketState): LoginTicket {
  const expired = state === 'expired';
  const stored = expired ? 'scanned' : state;
  return {
    scene: 'Scene0000000000000000',
    uid: 'interaction-uid',
    state: stored,
    version: 3,
    created_at: NOW - 60_000,
    // An expired ticket is a live one whose time is up: nothing ever writes `expired`.
    expires_at: expired ? NOW - 1 : NOW + 120_000,
    interaction_expires_at: NOW + 600_000,
    client_id: 'rp',
    scopes: ['openid', 'profile', 'phone'],
    requester: { ip: '192.0.2.1', user_agent: 'test', time: NOW - 60_000 },
    ...(stored === 'pending' ? {} : { account_id: SCANNER, token_hash: hashToken(TOKEN) }),
    ...(stored === 'scanned' ? { openid: 'openid-of-the-scanner' } : {}),
  };
}

const INPUT: { [T in RequestedTransition]: TransitionInput[T] } = {
  scan: { accountId: SCANNER, openid: 'openid-of-the-scanner', tokenHash: hashToken(TOKEN) },
  confirm: { token: TOKEN, phoneShared: true },
  cancel: { token: TOKEN },
  complete: undefined,
  abort: undefined,
};

type Outcome = TicketState | SaomaError['code'] | 'unchanged';
const STATES: TicketState[] = ['pending', 'scanned', 'confirmed', 'cancelled', 'expired', 'consumed'];
const REQUESTED: RequestedTransition[] = ['scan', 'confirm', 'cancel', 'complete', 'abort'];

/** By the rightful scanner (the right token, the same WeChat account). */
const EXPECTED: Record<TicketState, Record<RequestedTransition | 'expire', Outcome>> = {
  pending: { scan: 'scanned', confirm: 'invalid_token', cancel: 'invalid_token', complete: 'ticket_not_confirmed', abort: 'cancelled', expire: 'expired' },
  scanned: { scan: 'scanned', confirm: 'confirmed', cancel: 'cancelled', complete: 'ticket_not_confirmed', abort: 'cancelled', expire: 'expired' },
  confirmed: { scan: 'ticket_already_confirmed', confirm: 'ticket_already_confirmed', cancel: 'ticket_already_confirmed', complete: 'consumed', abort: 'cancelled', expire: 'expired' },
  cancelled: { scan: 'ticket_cancelled', confirm: 'ticket_cancelled', cancel: 'ticket_cancelled', complete: 'ticket_cancelled', abort: 'unchanged', expire: 'cancelled' },
  expired: { scan: 'ticket_expired', confirm: 'ticket_expired', cancel: 'ticket_expired', complete: 'ticket_expired', abort: 'unchanged', expire: 'expired' },
  consumed: { scan: 'ticket_consumed', confirm: 'ticket_consumed', cancel: 'ticket_consumed', complete: 'ticket_consumed', abort: 'unchanged', expire: 'consumed' },
};

function outcome(ticket: LoginTicket, transition: RequestedTransition, input: unknown): Outcome {
  const step = STEPS[transition] as (t: LoginTicket, i: unknown, now: number) => LoginTicket | SaomaError;
  const next = step(ticket, input, NOW);
  if (next instanceof SaomaError) return next.code;
  if (next === ticket) return 'unchanged';
  // A written state must be one the store may hold, and the clock has not moved.
  assert.notEqual(next.state, 'expired');
  return expire(next, NOW);
}

describe('the login ticket state machine', () => {
  for (const state of STATES) {
    for (const transition of REQUESTED) {
      it(`${state} × ${transition} → ${EXPECTED[state][transition]}`, () => {
        assert.equal(outcome(ticketIn(state), transition, INPUT[transition]), EXPECTED[state][transition]);
      });
    }
    it(`${state} × expire (the clock passes expires_at) → ${EXPECTED[state].expire}`, () => {
      const ticket = ticketIn(state);
      assert.equal(expire(ticket, Math.max(NOW, ticket.expires_at)), EXPECTED[state].expire);
    });
  }

  it('refuses confirm and cancel with a wrong or missing token in every state, saying only invalid_token', () => {
    for (const state of STATES) {
      for (const token of ['someone-elses-token', '', 'x'.repeat(500)]) {
        assert.equal(outcome(ticketIn(state), 'confirm', { ...INPUT.confirm, token }), 'invalid_token', `${state} confirm`);
        assert.equal(outcome(ticketIn(state), 'cancel', { token }), 'invalid_token', `${state} cancel`);
      }
    }
  });

  it('lets only the same WeChat account scan a scanned ticket again', () => {
    assert.equal(outcome(ticketIn('scanned'), 'scan', { ...INPUT.scan, accountId: 'someone-else' }), 'ticket_already_scanned');
    assert.equal(outcome(ticketIn('pending'), 'scan', { ...INPUT.scan, accountId: 'someone-else' }), 'scanned');
  });

  it('scan binds the ticket to the scanner; confirm lets the openid go, keeps phone only when shared, and leaves time to finish', () => {
    const scanned = STEPS.scan(ticketIn('pending'), INPUT.scan, NOW) as LoginTicket;
    assert.equal(scanned.account_id, SCANNER);
    assert.equal(scanned.openid, 'openid-of-the-scanner');
    assert.equal(scanned.token_hash, hashToken(TOKEN));

    const soon = { ...ticketIn('scanned'), expires_at: NOW + 1000 };
    const shared = STEPS.confirm(soon, { token: TOKEN, phoneShared: true, scanner: { nickname: 'A' } }, NOW) as LoginTicket;
    assert.equal(shared.openid, undefined);
    assert.deepEqual(shared.scopes, ['openid', 'profile', 'phone']);
    assert.deepEqual(shared.scanner, { nickname: 'A' });
    assert.equal(shared.expires_at, NOW + FINISH_GRACE_MS);

    const notShared = STEPS.confirm({ ...soon, interaction_expires_at: NOW + 5000 }, { token: TOKEN, phoneShared: false }, NOW) as LoginTicket;
    assert.deepEqual(notShared.scopes, ['openid', 'profile']);
    assert.equal(notShared.scanner, undefined);
    // Never beyond the login page's own end.
    assert.equal(notShared.expires_at, NOW + 5000);
  });

  it('cancel by the scanner lets the openid go', () => {
    const cancelled = STEPS.cancel(ticketIn('scanned'), INPUT.cancel, NOW) as LoginTicket;
    assert.equal(cancelled.state, 'cancelled');
    assert.equal(cancelled.openid, undefined);
  });
});
