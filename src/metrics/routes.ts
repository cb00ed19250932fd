import Router from '@koa/router';
import Koa from 'koa';
import { adminAuth } from '../admin/auth.ts';
import { defineRequestContext, handleErrors } from '../http/middleware.ts';
import type { Audit, Logger } from '../log.ts';
import type { Store } from '../store/store.ts';
import { httpMetrics } from './http.ts';
import { scrape } from './metrics.ts';

/** `GET {prefix}/metrics`: this process's metrics in Prometheus text format (behind the admin gate). */
export function metricsRoutes(prefix: string): Router {
  const router = new Router({ prefix });
  router.get('/metrics', async (ctx) => {
    const { contentType, body } = await scrape();
    ctx.type = contentType;
    ctx.body = body;
  });
  return router;
}

/**
 * `/metrics` on the main port (METRICS_ON_MAIN_PORT), for scrapers that cannot reach the admin
 * listener: the same answer, behind the same admin token.
 */
export function createPublicMetricsApp(options: { token: string; store: Store; log: Logger; audit: Audit; trustProxy: boolean }): Koa {
  const app = new Koa();
  app.proxy = options.trustProxy;
  defineRequestContext(app, options.log);
  app.use(httpMetrics());
  app.use(handleErrors(() => 'json'));
  app.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });
  app.use(adminAuth(options.token, options.store, options.audit));
  app.use(metricsRoutes('').routes());
  return app;
}
