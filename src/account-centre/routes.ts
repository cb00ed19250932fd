import Router from '@koa/router';
import type { Context } from 'koa';
import type { AccountService } from '../accounts/service.ts';
import { SaomaError } from '../errors.ts';
import { readJson, stringField } from '../http/body.ts';
import { handleErrors } from '../http/middleware.ts';
import { rateLimit } from '../http/rate-limit.ts';
import type { LoginServices } from '../login/services.ts';
import { toSaomaError } from '../wechat/errors.ts';
import { CentreSessions } from './sessions.ts';

const CLIENT_ID = /^[A-Za-z0-9._~-]{1,128}$/;

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
    const sub = await accountOfCode(services, stringField(await readJson(ctx), 'code', 128));
    ctx.body = await sessions.open(sub);
  });

  router.get('/', async (ctx) => {
    const { sub } = await holder(ctx);
    const { account, websites } = await accounts.show(sub);
    ctx.body = { account: { nickname: account.nickname, picture: account.picture, created_at: account.created_at, phone_number_held: account.phone_number_held, last_sign_in_at: account.last_sign_in_at }, websites };
  });

  router.post('/websites/:client_id/withdraw', async (ctx) => {
    const { sub } = await holder(ctx);
    const clientId = ctx.params.client_id!;
    if (!CLIENT_ID.test(clientId)) throw new SaomaError('invalid_request', 'That is not a website id.');
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
    if ((await readJson(ctx)).confirm !== true) throw new SaomaError('invalid_request', 'Send {"confirm": true}: deleting cannot be undone.');
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

/** The /mp/* edge: no caching, and the same per-address budget as the login's mini-program API. */
function mpEdge({ store, config }: LoginServices) {
  return async (ctx: Context, next: () => Promise<unknown>) => {
    ctx.set('Cache-Control', 'no-store');
    await rateLimit(store, `mp:${ctx.ip}`, config.env.MP_RATE_LIMIT_PER_IP, 60_000);
    await next();
  };
}

/** The account of the WeChat user a fresh wx.login `code` belongs to; never creates one. */
async function accountOfCode({ wechat, accounts, config }: LoginServices, code: string): Promise<string> {
  let session;
  try {
    session = await wechat.exchangeCode(code);
  } catch (err) {
    throw toSaomaError(err);
  }
  const account = await accounts.lookup({ appid: config.wechat.appid, openid: session.openid, ...(session.unionid ? { unionid: session.unionid } : {}) });
  if (!account) throw new SaomaError('account_not_found', 'This WeChat account has not signed in anywhere with this service, so nothing is held about it.');
  return account.sub;
}
