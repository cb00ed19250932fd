import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import { z } from 'zod';
import { readJson } from '../../http/body.ts';
import { pageLocale } from '../../http/locale.ts';
import { parse, requiredString } from '../../http/parse.ts';
import { rateLimit } from '../../http/rate-limit.ts';
import { auditLog } from '../../log.ts';
import { storeKeys } from '../../store/keys.ts';
import { lookupNetwork, networkWords, sameNetwork } from '../network.ts';
import { describeRequester } from '../requester.ts';
import { describeScopes } from '../scopes.ts';
import { admitScan } from '../../accounts/blocked-scan.ts';
import type { LoginServices } from '../services.ts';
import { hashToken, type LoginTicket } from '../ticket.ts';
import { refusalOf } from '../ticket-machine.ts';
import { wechatIdentityOf } from './edge.ts';
import { networksForAudit, sceneField, ticketOfScene } from './scanned-ticket.ts';

/** `code`: wx.login's code, exchanged once with WeChat for the scanner's identity. */
const ScanRequest = z.object({ code: requiredString('code', 128), scene: sceneField });

/**
 * POST /mp/scan — binds the ticket to one WeChat user (one `jscode2session` per login) and hands
 * that user the token that confirm and cancel need; answers what the confirm screen shows.
 */
export function mpScan(services: LoginServices) {
  const { tickets, accounts, store, log } = services;
  const audit = auditLog(log);
  return async (ctx: Context) => {
    const { code, scene } = parse(ScanRequest, await readJson(ctx));
    const ticket = await ticketOfScene(tickets, scene);
    await rateLimit(store, storeKeys.scansOf(ticket.scene), 10, 60_000);
    const refused = refusalOf(ticket, 'scan');
    if (refused) throw refused;

    const identity = await wechatIdentityOf(services, code);
    const account = await accounts.resolve(identity);
    // Indexes the ticket under the account; a blocked account ends it with login_blocked (issue 13).
    await admitScan(store, tickets, ticket, account);
    const token = randomBytes(24).toString('base64url');
    const scanned = await tickets.apply(ticket, 'scan', { accountId: account.sub, openid: identity.openid, tokenHash: hashToken(token) });
    audit({ event: 'ticket.scanned', actor: `wechat:${account.sub}`, ip: ctx.ip, client_id: scanned.client_id, ...networksForAudit(scanned, ctx.ip) });
    ctx.body = { state: 'scanned', token, ...(await confirmScreen(services, ctx, scanned)) };
  };
}

/** What the confirm screen shows: the website, the scopes, and where the login page was opened. */
async function confirmScreen({ provider, phones }: LoginServices, ctx: Context, scanned: LoginTicket) {
  const { t } = pageLocale(ctx);
  const client = await provider.Client.find(scanned.client_id);
  // Where the login page was opened (the browser) against where the code is scanned (this
  // request): a code relayed from someone else's browser usually shows as another network.
  const match = sameNetwork(scanned.requester.ip, ctx.ip);
  // Past the month's phone-number cap the mini-program is not asked for one: it shows the
  // phone button only for a `phone` scope in this answer, and the login completes without it.
  const phoneCapped = scanned.scopes.includes('phone') && !(await phones.available());
  return {
    expires_at: Math.floor(scanned.expires_at / 1000),
    client: {
      client_id: scanned.client_id,
      name: client?.clientName ?? scanned.client_id,
      logo_uri: client?.logoUri ?? null,
      client_uri: client?.clientUri ?? null,
    },
    scopes: describeScopes(phoneCapped ? scanned.scopes.filter((scope) => scope !== 'phone') : scanned.scopes, t),
    ...(phoneCapped ? { phone: { offered: false, code: 'phone_cap_reached', message: t('notice.phone_cap_reached') } } : {}),
    requester: { ...describeRequester(scanned.requester), ...networkWords(lookupNetwork(scanned.requester.ip), t), same_network: match },
    ...(match === 'different' ? { warning: { code: 'different_network', message: t('warning.different_network') } } : {}),
  };
}
