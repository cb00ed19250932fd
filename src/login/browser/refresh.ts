import { SaomaError } from '../../errors.ts';
import { readForm } from '../../http/body.ts';
import { effectiveState, publicStatus } from '../ticket-machine.ts';
import { newTicketRequest, type LoginPageContext } from './interaction.ts';
import type { BrowserServices } from './services.ts';

/** POST /interaction/:uid/refresh — a new code once the page's code has expired or was cancelled. */
export function refresh({ tickets }: BrowserServices) {
  return async (ctx: LoginPageContext) => {
    await readForm(ctx);
    const uid = ctx.state.interaction.uid;
    const old = await tickets.current(uid);
    const state = old ? effectiveState(old) : 'expired';
    if (old && state !== 'expired' && state !== 'cancelled') {
      throw new SaomaError('ticket_in_progress', 'The current code is still in use; a new one is only made after it expires or is cancelled.');
    }
    const ticket = await tickets.replace(newTicketRequest(ctx), old?.scene);
    ctx.body = { ...publicStatus(ticket), qrcode_url: `/interaction/${uid}/qrcode?v=${ticket.scene.slice(0, 6)}` };
  };
}
