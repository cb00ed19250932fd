import Router from '@koa/router';
import type { Store } from '../store/store.ts';

/** `/healthz`: the process is up. `/readyz`: it can serve logins (the store answers). */
export function healthRoutes(store: Store): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    try {
      await store.ping();
      ctx.body = { status: 'ready' };
    } catch {
      ctx.status = 503;
      ctx.body = { status: 'unavailable', error: 'unavailable', error_description: 'The store is unreachable.' };
    }
  });
  return router;
}
