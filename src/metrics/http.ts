import type { Context, Next } from 'koa';
import { recordHttpRequest } from './metrics.ts';

/**
 * Counts and times every request of a Koa app by route template, never by raw path: a path carries
 * interaction uids and client ids. The template is the one @koa/router matched, oidc-provider's
 * route name for its own endpoints, or `unmatched` (404s and anything else).
 */
export function httpMetrics() {
  return async (ctx: Context, next: Next) => {
    const started = performance.now();
    let status: number | undefined;
    try {
      await next();
    } catch (err) {
      status = typeof (err as { status?: unknown }).status === 'number' ? (err as { status: number }).status : 500;
      throw err;
    } finally {
      if (status === undefined && ctx.respond === false && !ctx.res.writableEnded) recordWhenAnswered(ctx, started);
      else recordHttpRequest(routeOf(ctx), ctx.method, status ?? ctx.status, (performance.now() - started) / 1000);
    }
  };
}

/** A request answered after its chain returned (`http/answer-later.ts`) is counted when its response closes. */
function recordWhenAnswered(ctx: Context, started: number): void {
  const route = routeOf(ctx);
  const { method, res } = ctx;
  // `on`, not `once`: a response closes once, and `once` would add a wrapper to each waiting page.
  res.on('close', () => recordHttpRequest(route, method, res.statusCode, (performance.now() - started) / 1000));
}

function routeOf(ctx: Context): string {
  const matched = (ctx as { _matchedRoute?: unknown })._matchedRoute;
  if (typeof matched === 'string') return matched;
  const oidcRoute = (ctx as { oidc?: { route?: unknown } }).oidc?.route;
  if (typeof oidcRoute === 'string') return `oidc:${oidcRoute}`;
  return 'unmatched';
}
