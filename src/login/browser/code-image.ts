import { z } from 'zod';
import { parse } from '../../http/parse.ts';
import { toSaomaError } from '../../wechat/errors.ts';
import { whyNoCode } from '../budget.ts';
import { effectiveState, isFinished, refusal } from '../ticket-machine.ts';
import { currentTicket, type LoginPageContext } from './interaction.ts';
import type { BrowserServices } from './services.ts';

/** `?why`: the page asks why its image failed, answered without drawing a code again. */
const CodeImageQuery = z.object({ why: z.unknown().optional() });

/**
 * GET /interaction/:uid/qrcode — the mini-program code of the page's ticket, as an image the
 * browser may keep until the ticket expires.
 */
export function codeImage({ tickets, codes, store }: BrowserServices) {
  return async (ctx: LoginPageContext) => {
    const query = parse(CodeImageQuery, ctx.query);
    const ticket = await currentTicket(tickets, ctx);
    const state = effectiveState(ticket);
    if (isFinished(state)) throw refusal(state, 'scan');
    if (query.why !== undefined) throw await whyNoCode(store, ticket.scene);
    let code;
    try {
      code = await codes.image(ticket);
    } catch (err) {
      throw toSaomaError(err);
    }
    ctx.type = code.contentType;
    ctx.set('Cache-Control', `private, max-age=${Math.max(0, Math.floor((ticket.expires_at - Date.now()) / 1000))}`);
    ctx.body = code.image;
  };
}
