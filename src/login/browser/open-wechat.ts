import { SaomaError } from '../../errors.ts';
import { toSaomaError } from '../../wechat/errors.ts';
import { refusalOf } from '../ticket-machine.ts';
import { currentTicket, type LoginPageContext } from './interaction.ts';
import type { BrowserServices } from './services.ts';

/**
 * GET /interaction/:uid/open-wechat — "Open WeChat to sign in": the link is made on tap (a URL
 * Link costs a WeChat call), then the browser goes straight on to it.
 */
export function openWeChat({ tickets, links }: BrowserServices) {
  return async (ctx: LoginPageContext) => {
    if (!links.enabled) throw new SaomaError('not_found', 'Opening WeChat from this page is switched off.');
    const ticket = await currentTicket(tickets, ctx);
    const refused = refusalOf(ticket, 'scan');
    if (refused) throw refused;
    let link: string | undefined;
    try {
      link = await links.link(ticket);
    } catch (err) {
      throw toSaomaError(err);
    }
    ctx.status = 303;
    // WeChat refuses links to this mini-program (individual): no error page, but the login page
    // again, now without the button, with its code to save and scan.
    ctx.redirect(link ?? `/interaction/${ctx.state.interaction.uid}`);
  };
}
