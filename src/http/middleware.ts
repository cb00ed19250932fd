import type Koa from 'koa';
import type { Context, Next } from 'koa';
import { errors as oidcErrors } from 'oidc-provider';
import { SaomaError, isSaomaError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { render } from './views.ts';
import { pageLocale } from './locale.ts';

declare module 'koa' {
  interface DefaultContext {
    readonly log: Logger;
    readonly requestId: string;
  }
}

const REQUEST_LOG = Symbol('request log');

/**
 * Gives every request of `app` a `ctx.requestId` (the one `http/server.ts` assigned) and a
 * `ctx.log` child logger carrying it. Both are getters on the app's context prototype and the
 * logger is made on first use: nothing is added to a request that never logs, which matters for
 * the thousands of long-polls a process holds open (docs/benchmarks.md).
 */
export function defineRequestContext(app: Koa, log: Logger): void {
  logAppErrors(app, log);
  Object.defineProperties(app.context, {
    requestId: {
      configurable: true,
      get(this: Context) {
        return String(this.res.getHeader('x-request-id') ?? '');
      },
    },
    log: {
      configurable: true,
      get(this: Context & { [REQUEST_LOG]?: Logger }) {
        return (this[REQUEST_LOG] ??= log.child({ req_id: this.requestId }));
      },
    },
  });
}

/** Error codes of a connection the client closed or broke off (a closed tab, a lost network). */
const ABORT_CODES = new Set(['ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE', 'HPE_INVALID_EOF_STATE']);

/**
 * Whether a failure is only the client going away mid-request: nothing is wrong on our side, so
 * it is logged at info without a stack, not as an error (it happens all day on a busy site).
 */
export function isClientAbort(err: unknown, req?: { destroyed: boolean; complete: boolean }): boolean {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && ABORT_CODES.has(code)) return true;
  if (message === 'aborted') return true;
  return req !== undefined && req.destroyed && !req.complete;
}

/**
 * Koa's own last-resort handler prints a stack to stderr for failures that escape every
 * middleware, chiefly a socket the client broke off. Route them to the logger instead: client
 * aborts at info without a stack, anything else at error. Add before `app.callback()`.
 */
export function logAppErrors(app: Koa, log: Logger): void {
  app.on('error', (err: unknown, ctx?: Context) => {
    const path = ctx?.path;
    if (isClientAbort(err, ctx?.req)) log.info({ path, reason: (err as { code?: string })?.code ?? 'aborted' }, 'client went away');
    else log.error({ err, path }, 'request failed outside any route');
  });
}

/** How a route wants its failures: JSON for APIs and page scripts, a friendly page for people. */
export type Audience = 'json' | 'page';

/**
 * Turns any failure into the contract's shape: `{error, error_description}` with a stable code for
 * JSON routes, a friendly page for browser routes. Unknown failures are logged in full and answer
 * a bare 500 without a stack. oidc-provider's "no such interaction" becomes `interaction_not_found`.
 */
export function handleErrors(audience: (ctx: Context) => Audience) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
    } catch (err) {
      answerFailure(ctx, err, audience(ctx));
    }
  };
}

/** What `handleErrors` does with a failure: logs it and puts the contract's answer on `ctx`. */
export function answerFailure(ctx: Context, err: unknown, audience: Audience): void {
  if (isClientAbort(err, ctx.req)) {
    // Nobody is left to answer: no error, no stack, no page.
    ctx.log.info({ reason: (err as { code?: string }).code ?? 'aborted' }, 'client went away');
    return;
  }
  const known = asSaomaError(err);
  if (known.status >= 500) ctx.log.error({ err, code: known.code, detail: known.detail, errcode: known.errcode }, 'request failed');
  else ctx.log.info({ code: known.code, detail: known.detail, errcode: known.errcode }, 'request refused');
  ctx.status = known.status;
  if (known.retryAfter) ctx.set('Retry-After', String(known.retryAfter));
  ctx.set('Cache-Control', 'no-store');
  if (audience === 'json') {
    ctx.body = known.toJSON();
  } else {
    const { t } = pageLocale(ctx);
    ctx.type = 'html';
    ctx.body = render('error', { t, code: known.code, description: t(`error.${known.code}`) === `error.${known.code}` ? known.description : t(`error.${known.code}`), back: ctx.state.back });
  }
}

export function asSaomaError(err: unknown): SaomaError {
  if (isSaomaError(err)) return err;
  if (err instanceof oidcErrors.SessionNotFound || err instanceof oidcErrors.InvalidRequest && /interaction/i.test(err.message)) {
    return new SaomaError('interaction_not_found', 'This login page has expired or belongs to another browser; go back to the website and sign in again.', { detail: (err as { error_detail?: string }).error_detail });
  }
  if (err instanceof oidcErrors.OIDCProviderError && err.status >= 500) {
    return new SaomaError('unavailable', 'The service is briefly unavailable; try again shortly.', { detail: err.error_detail, retryAfter: 2 });
  }
  if (err instanceof oidcErrors.OIDCProviderError) {
    return new SaomaError('invalid_request', err.error_description ?? err.message, { detail: err.error_detail });
  }
  return new SaomaError('server_error', 'Something went wrong on our side.', { detail: err instanceof Error ? err.message : String(err), cause: err });
}
