import type Koa from 'koa';
import type Router from '@koa/router';
import { SaomaError } from '../errors.ts';
import type { Audit, Logger } from '../log.ts';
import type { Store } from '../store/store.ts';
import { metricsRoutes } from '../metrics/routes.ts';
import { adminAuth } from './auth.ts';
import { adminJsonApp } from './json-app.ts';
import { adminRoutes } from './routes.ts';
import { accountRoutes } from './accounts-routes.ts';
import type { AccountService } from '../accounts/service.ts';
import { statusRoutes } from './status.ts';
import type { AdminService } from './service.ts';

export interface AdminApp {
  app: Koa;
  router: Router;
}

/**
 * The admin API as its own Koa app: served under ADMIN_PATH on the main port, or on ADMIN_PORT.
 * Everything under the prefix needs the admin token first, unknown paths included, so an
 * unauthenticated caller cannot even learn which routes exist.
 */
export function createAdminApp(options: { admin: AdminService; token: string; prefix: string; store: Store; log: Logger; audit: Audit; trustProxy: boolean; cookieKeys: string[]; accounts: AccountService }): AdminApp {
  const app = adminJsonApp(options.log, options.trustProxy);
  // Signs the status page's cookie (src/admin/status.ts).
  app.keys = options.cookieKeys;
  const router = adminRoutes(options.admin, options.prefix);
  const gate = adminAuth(options.token, options.store, options.audit);
  // The status page takes the token from a form and then a signed cookie: it checks it itself, with the gate.
  app.use(statusRoutes(options.prefix, options.token, gate).routes());
  app.use(gate);
  app.use(async (ctx, next) => {
    await next();
    if (ctx.status === 404 && ctx.body === undefined) throw new SaomaError('not_found', 'There is no such admin route; see docs/api.md.');
  });
  app.use(router.routes());
  app.use(accountRoutes(options.accounts, options.prefix).routes());
  app.use(metricsRoutes(options.prefix).routes());
  app.use(router.allowedMethods({ throw: true, notImplemented: () => new SaomaError('method_not_allowed', 'This method is not supported here.'), methodNotAllowed: () => new SaomaError('method_not_allowed', 'This method is not allowed on this route.') }));
  return { app, router };
}
