import Router from '@koa/router';
import type Koa from 'koa';
import { adminAuth } from '../admin/auth.ts';
import { adminJsonApp } from '../admin/json-app.ts';
import type { Audit, Logger } from '../log.ts';
import type { Store } from '../store/store.ts';
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
  const app = adminJsonApp(options.log, options.trustProxy);
  app.use(adminAuth(options.token, options.store, options.audit));
  app.use(metricsRoutes('').routes());
  return app;
}
