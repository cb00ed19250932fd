import Koa from 'koa';
import { defineRequestContext, handleErrors } from '../http/middleware.ts';
import type { Logger } from '../log.ts';
import { httpMetrics } from '../metrics/http.ts';

/**
 * The base of every app behind the admin token (the admin API, `/metrics` on the main port):
 * request ids and logger, HTTP metrics, errors answered as JSON, and nothing cached.
 */
export function adminJsonApp(log: Logger, trustProxy: boolean): Koa {
  const app = new Koa();
  app.proxy = trustProxy;
  defineRequestContext(app, log);
  app.use(httpMetrics());
  app.use(handleErrors(() => 'json'));
  app.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });
  return app;
}
