import Router from '@koa/router';
import type { Context } from 'koa';
import type { AccountService } from '../accounts/service.ts';
import { SaomaError } from '../errors.ts';
import { z } from 'zod';
import { readJson } from '../http/body.ts';
import { handleErrors } from '../http/middleware.ts';
import { parse, requiredString } from '../http/parse.ts';
import { mpEdge, wechatIdentityOf } from '../login/mp/edge.ts';
import type { LoginServices } from '../login/services.ts';
import { CentreSessions } from './sessions.ts';

/** `code`: a fresh wx.login code, exchanged once with WeChat to learn whose account centre this is. */
const SessionRequest = z.object({ code: requiredString('code', 128) });
const WebsiteParams = z.object({ client_id: z.string().regex(/^[A-Za-z0-9._~-]{1,128}$/, { error: 'That is not a website id.' }) });
const DeleteRequest = z.object({ confirm: z.literal(true, { error: 'Send {"confirm": true}: deleting cannot be undone.' }) });

/**
 * The account centre's API for the companion mini-program (`/mp/account/*`): a person opens a
 * session with a fresh `wx.login` code, then sees the websites they signed into, withdraws one,
 * signs out everywhere, exports their data or deletes their account. Every route acts on the
 * session's own account only: no route takes a `sub`, so naming someone else's learns nothing.
 * Rate-limited with the rest of `/mp/*` (the same per-address budget).
 */
export function accountCentreRoutes(services: LoginServices, accounts: AccountService): Router {
  const sessions = new CentreSessions(services.store);
  const router = new Router({ prefix: '/mp/account' });
  router.use(handleErrors(() => 'json'), mpEdge(services));
  const who = (ctx: Context, sub: string) => ({ actor: `wechat:${sub}`, ip: ctx.ip });
  const holder = (ctx: Context) => sessions.holder(ctx.get('authorization'));

  router.post('/session', async (ctx) => {
    const { code } = parse(SessionRequest, await readJson(ctx));
    const sub = await accountOfCode(services, code);
    ctx.body = await sessions.open(sub);
  });

  router.get('/', async (ctx) => {
    const { sub } = await holder(ctx);
    const { account, websites } = await accounts.show(sub);
    ctx.body = { account: { nickname: account.nickname, picture: account.picture, created_at: account.created_at, phone_number_held: account.phone_number_held, last_sign_in_at: account.last_sign_in_at }, websites };
  });

  router.post('/websites/:client_id/withdraw', async (ctx) => {
    const { sub } = await holder(ctx);
    const { client_id: clientId } = parse(WebsiteParams, ctx.params);
    ctx.body = await accounts.withdraw(sub, clientId, who(ctx, sub));
  });

  router.post('/sign-out-everywhere', async (ctx) => {
    const { sub } = await holder(ctx);
    ctx.body = await accounts.signOutEverywhere(sub, who(ctx, sub));
  });

  router.get('/export', async (ctx) => {
    const { sub } = await holder(ctx);
    ctx.body = await accounts.export(sub, who(ctx, sub));
  });

  router.delete('/', async (ctx) => {
    const { sub, token } = await holder(ctx);
    parse(DeleteRequest, await readJson(ctx));
    await accounts.delete(sub, who(ctx, sub));
    await sessions.close(token);
    ctx.body = { deleted: true };
  });

  router.post('/sign-out', async (ctx) => {
    await sessions.close((await holder(ctx)).token);
    ctx.body = { signed_out: true };
  });

  return router;
}

/** The account of the WeChat user a fresh wx.login `code` belongs to; never creates one. */
async function accountOfCode(services: LoginServices, code: string): Promise<string> {
  const account = await services.accounts.lookup(await wechatIdentityOf(services, code));
  if (!account) throw new SaomaError('account_not_found', 'This WeChat account has not signed in anywhere with this service, so nothing is held about it.');
  return account.sub;
}
