import type { IncomingMessage, ServerResponse } from 'node:http';
import type Koa from 'koa';
import type { Context } from 'koa';

/**
 * Serves requests with Koa middleware (`serve`) on a context of `app` (read at each request), but
 * without Koa's own request handling around it: Koa attaches a finish listener to every response
 * and its socket (`on-finished`, about 2 KB of listeners and closures that live as long as the
 * request), which a long-poll would hold for its whole wait (docs/benchmarks.md). The context is
 * `app`'s own (`app.createContext`), so the app's request getters, `ctx.log`, proxy trust and
 * cookie keys are the same as through `app.callback()`; the answer is written as Koa writes it
 * (`writeAsKoa`), and an error that escapes `serve` is answered by Koa's `ctx.onerror`.
 *
 * What is skipped is only what `app.use` added: the caller composes whatever of it the requests
 * it sends here need into `serve`.
 */
export function servedOutsideKoa(app: () => Koa, serve: (ctx: Context) => Promise<unknown>): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const ctx = app().createContext(req, res);
    // As Koa's handleRequest: a request nothing answers is a 404.
    res.statusCode = 404;
    serve(ctx).then(() => {
      // `ctx.respond` false: someone answers later (`answer-later.ts`).
      if (ctx.respond !== false) writeAsKoa(ctx);
    }, (err: unknown) => ctx.onerror(err as Error));
  };
}

/** HTTP statuses that carry no body (Koa's `statuses.empty`). */
const EMPTY = new Set([204, 205, 304]);

/**
 * Writes what `ctx` holds the way Koa's own `respond` does, for the bodies saoma's routes answer
 * with outside Koa's request handling: none, a string, a Buffer or a JSON value (not a stream).
 */
export function writeAsKoa(ctx: Context): void {
  const { res } = ctx;
  if (!ctx.writable) {
    res.end();
    return;
  }
  if (EMPTY.has(ctx.status)) {
    ctx.body = null;
    res.end();
    return;
  }
  if (ctx.method === 'HEAD') {
    if (!res.headersSent && !res.hasHeader('Content-Length') && Number.isInteger(ctx.response.length)) ctx.length = ctx.response.length;
    res.end();
    return;
  }
  let body: unknown = ctx.body;
  if ((body === null || body === undefined) && (ctx.response as { _explicitNullBody?: boolean })._explicitNullBody) {
    ctx.response.remove('Content-Type');
    ctx.response.remove('Transfer-Encoding');
    ctx.length = 0;
    res.end();
    return;
  }
  if (body === null || body === undefined) {
    body = ctx.message || String(ctx.status);
    if (!res.headersSent) {
      ctx.type = 'text';
      ctx.length = Buffer.byteLength(body as string);
    }
    res.end(body);
    return;
  }
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    res.end(body);
    return;
  }
  const json = JSON.stringify(body);
  if (!res.headersSent) ctx.length = Buffer.byteLength(json);
  res.end(json);
}
