import Router from '@koa/router';
import { handleErrors } from '../../http/middleware.ts';
import { rateLimit } from '../../http/rate-limit.ts';
import { storeKeys } from '../../store/keys.ts';
import type { LoginServices } from '../services.ts';
import { mpCancel } from './cancel.ts';
import { mpConfirm } from './confirm.ts';
import { mpScan } from './scan.ts';

/**
 * The mini-program's API, under `/mp`: each route in its own file here. The scan binds the ticket
 * to one WeChat user and hands that user a token; confirm and cancel need it. Whoever lacks the
 * token learns nothing about the ticket beyond "invalid_token".
 */
export function miniProgramRoutes(services: LoginServices): Router {
  const { store, config } = services;
  const router = new Router({ prefix: '/mp' });
  router.use(handleErrors(() => 'json'));
  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await rateLimit(store, storeKeys.miniProgramCalls(ctx.ip), config.env.MP_RATE_LIMIT_PER_IP, 60_000);
    await next();
  });
  router.post('/scan', mpScan(services));
  router.post('/confirm', mpConfirm(services));
  router.post('/cancel', mpCancel(services));
  return router;
}
