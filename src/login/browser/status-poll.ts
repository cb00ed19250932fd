import { answerLater } from '../../http/answer-later.ts';
import type { LoginPageContext } from './interaction.ts';
import type { BrowserServices } from './services.ts';

/**
 * GET /interaction/:uid/status — the long-poll: answers when the ticket's state differs from the
 * one the page shows, or when the wait runs out (STATUS_WAIT_SECONDS).
 *
 * The wait happens after the middleware chain has returned (`answerLater`) and keeps only what the
 * answer needs: a waiting page should cost as little memory as possible (docs/benchmarks.md).
 */
export function statusPoll({ tickets, polls, config }: BrowserServices) {
  return async (ctx: LoginPageContext) => {
    const known = knownState(ctx.querystring);
    const uid = ctx.state.interaction.uid;
    // The interaction's details and the client are not needed any more, while the request's
    // context stays reachable until the answer (Koa's own finish listener holds it): drop them.
    ctx.state = { back: ctx.state.back } as typeof ctx.state;
    // The wait ends early when the page goes away (its connection closes) or a newer poll of this
    // page takes over; the page then pauses before polling again (two tabs must not ping-pong).
    const slot = polls.enter(uid, ctx.ip, ctx.res);
    // One ticket read: the waiter is on the interaction's ticket before it is read (tickets.ts).
    const wait = () => tickets.waitForChangeOfInteraction(uid, known, config.env.STATUS_WAIT_SECONDS * 1000, slot.connection);
    answerLater(ctx, wait, (status) => (slot.superseded ? { ...status, superseded: true } : status), () => slot.release());
  };
}

/**
 * `?state`: the state the page already shows; anything but one value reads as "none" (as Koa's
 * `ctx.query` would give it). Read here rather than through `ctx.query`, whose per-request cache
 * would stay in memory for the whole wait.
 */
function knownState(querystring: string): string | undefined {
  const states = new URLSearchParams(querystring).getAll('state');
  return states.length === 1 ? states[0] : undefined;
}
