import type { Context } from 'koa';
import { readJson } from '../../http/body.ts';
import { parse } from '../../http/parse.ts';
import { auditLog } from '../../log.ts';
import type { LoginServices } from '../services.ts';
import { ScannerRequest, ticketOfScene } from './scanned-ticket.ts';

/** POST /mp/cancel — the scanner says no in WeChat: the code is cancelled, the login page says so. */
export function mpCancel({ tickets, log }: LoginServices) {
  const audit = auditLog(log);
  return async (ctx: Context) => {
    const { token, scene } = parse(ScannerRequest, await readJson(ctx));
    const ticket = await ticketOfScene(tickets, scene);
    const cancelled = await tickets.apply(ticket, 'cancel', { token });
    audit({ event: 'ticket.cancelled', actor: `wechat:${cancelled.account_id}`, ip: ctx.ip, client_id: cancelled.client_id });
    ctx.body = { state: 'cancelled' };
  };
}
