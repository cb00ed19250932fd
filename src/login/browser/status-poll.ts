import { z } from 'zod';
import { parse } from '../../http/parse.ts';
import { currentTicket, type LoginPageContext } from './interaction.ts';
import type { BrowserServices } from './services.ts';

/** `?state`: the state the page already shows; anything but one string reads as "none". */
const StatusQuery = z.object({ state: z.string().optional().catch(undefined) });

/**
 * GET /interaction/:uid/status — the long-poll: answers when the ticket's state differs from the
 * one the page shows, or when the wait runs out (STATUS_WAIT_SECONDS).
 */
export function statusPoll({ tickets, polls, config }: BrowserServices) {
  return async (ctx: LoginPageContext) => {
    const { state: known } = parse(StatusQuery, ctx.query);
    const { scene } = await currentTicket(tickets, ctx);
    const uid = ctx.state.interaction.uid;
    // The wait ends early when the page goes away (its connection closes) or a newer poll of this
    // page takes over; the page then pauses before polling again (two tabs must not ping-pong).
    const slot = polls.enter(uid, ctx.ip, ctx.res);
    try {
      const status = await tickets.waitForChange(scene, known, config.env.STATUS_WAIT_SECONDS * 1000, slot.connection);
      ctx.body = slot.superseded ? { ...status, superseded: true } : status;
    } finally {
      slot.release();
    }
  };
}
