import type { Context } from 'koa';

/**
 * The simulated phone page's URL on the origin the caller used, carrying what the mini-program
 * page would receive as query (its `scene`). Built from protocol and host: Koa's `ctx.origin` is
 * the Origin request header, not this server's origin.
 */
export function phonePageUrl(ctx: Context, query: URLSearchParams): string {
  const search = query.toString();
  return `${ctx.protocol}://${ctx.host}/emulator${search ? `?${search}` : ''}`;
}
