import Router from '@koa/router';
import type { Context } from 'koa';
import type { AccountService, Actor } from '../accounts/service.ts';
import { z } from 'zod';
import { parse } from '../http/parse.ts';

/** One query value: given once, 1–128 characters. */
const queryValue = (name: string) => z.string({ error: `Give "${name}" once.` })
  .min(1, { error: `"${name}" must be 1–128 characters.` })
  .max(128, { error: `"${name}" must be 1–128 characters.` });

/** GET /accounts: find by at most one of sub, phone, nickname; else a page of the listing. */
const AccountsQuery = z.object({
  sub: queryValue('sub').optional(),
  phone: queryValue('phone').optional(),
  nickname: queryValue('nickname').optional(),
  limit: queryValue('limit').regex(/^\d{1,4}$/, { error: '"limit" must be a whole number from 1 to 200.' }).optional(),
  after: queryValue('after').optional(),
}).refine((q) => [q.sub, q.phone, q.nickname].filter((v) => v !== undefined).length <= 1, { error: 'Find by one of "sub", "phone" or "nickname" at a time.' });

/**
 * People's accounts in the admin API, under `prefix` (ADMIN_PATH): list (newest first, paged),
 * find by `sub`, `phone` or `nickname`, show, export, block, unblock, delete. Described in
 * docs/openapi.json and docs/api.md; each change is an audit line (src/accounts/service.ts).
 */
export function accountRoutes(accounts: AccountService, prefix: string): Router {
  const router = new Router({ prefix });
  const who = (ctx: Context) => ctx.state.who as Actor;
  const sub = (ctx: Context) => ctx.params.sub!;

  router.get('/accounts', async (ctx) => {
    const { sub: bySub, phone, nickname, limit, after } = parse(AccountsQuery, ctx.query);
    if (bySub !== undefined || phone !== undefined || nickname !== undefined) {
      ctx.body = { accounts: await accounts.find({ sub: bySub, phone, nickname }), next: null };
      return;
    }
    ctx.body = await accounts.list(limit === undefined ? undefined : Number(limit), after);
  });

  router.get('/accounts/:sub', async (ctx) => {
    ctx.body = await accounts.show(sub(ctx));
  });

  router.get('/accounts/:sub/export', async (ctx) => {
    ctx.body = await accounts.export(sub(ctx), who(ctx));
    ctx.attachment(`saoma-account-${sub(ctx)}.json`, { type: 'inline' });
  });

  router.post('/accounts/:sub/block', async (ctx) => {
    ctx.body = await accounts.block(sub(ctx), who(ctx));
  });

  router.post('/accounts/:sub/unblock', async (ctx) => {
    ctx.body = await accounts.unblock(sub(ctx), who(ctx));
  });

  router.post('/accounts/:sub/sign-out', async (ctx) => {
    ctx.body = await accounts.signOutEverywhere(sub(ctx), who(ctx));
  });

  router.delete('/accounts/:sub', async (ctx) => {
    ctx.body = await accounts.delete(sub(ctx), who(ctx));
  });

  return router;
}
