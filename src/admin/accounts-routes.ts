import Router from '@koa/router';
import type { Context } from 'koa';
import type { AccountService, Actor } from '../accounts/service.ts';
import { SaomaError } from '../errors.ts';

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
    const query = (name: string) => {
      const value = ctx.query[name];
      if (Array.isArray(value)) throw new SaomaError('invalid_request', `Give "${name}" once.`);
      if (value !== undefined && (value.length === 0 || value.length > 128)) throw new SaomaError('invalid_request', `"${name}" must be 1–128 characters.`);
      return value;
    };
    const [bySub, phone, nickname] = [query('sub'), query('phone'), query('nickname')];
    if ([bySub, phone, nickname].filter((v) => v !== undefined).length > 1) throw new SaomaError('invalid_request', 'Find by one of "sub", "phone" or "nickname" at a time.');
    if (bySub !== undefined || phone !== undefined || nickname !== undefined) {
      ctx.body = { accounts: await accounts.find({ sub: bySub, phone, nickname }), next: null };
      return;
    }
    const limit = query('limit');
    if (limit !== undefined && !/^\d{1,4}$/.test(limit)) throw new SaomaError('invalid_request', '"limit" must be a whole number from 1 to 200.');
    ctx.body = await accounts.list(limit === undefined ? undefined : Number(limit), query('after'));
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
