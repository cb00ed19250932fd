import { AsyncResource } from 'node:async_hooks';
import type { Context } from 'koa';
import { answerFailure } from './middleware.ts';
import { writeAsKoa } from './outside-koa.ts';

/**
 * The async context of this module's loading: no request's. The wait starts in it, so its promises
 * and timers do not keep the request's async-local stores (the page brand's, `branding/page.ts`)
 * alive for the whole wait; nothing the JSON answer does reads them.
 */
const OUTSIDE_ANY_REQUEST = new AsyncResource('saoma.answer-later');

/**
 * Lets the request's middleware chain return now, starts `wait` and answers in JSON once it settles,
 * as Koa and `handleErrors(() => 'json')` would have: `body(value)` as the body, or a failure as
 * the contract's `{error, error_description}`. `settled` runs first either way.
 *
 * For the long-poll: a request that awaits inside the chain holds every middleware's suspended
 * frame (the metrics, the router's and each of its middleware), a KB or more per waiting login
 * page (bench/waiting-memory.ts). Headers set on the way out of the chain are on the response
 * already; `httpMetrics` counts the request when its response closes (`ctx.respond` is false) and
 * `http/server.ts` logs it then, as before.
 */
export function answerLater<T>(ctx: Context, wait: () => Promise<T>, body: (value: T) => unknown, settled: () => void): void {
  ctx.respond = false;
  OUTSIDE_ANY_REQUEST.runInAsyncScope(() => start(wait).then(
    (value) => respond(ctx, () => {
      settled();
      ctx.body = body(value);
    }),
    (err: unknown) => respond(ctx, () => {
      settled();
      answerFailure(ctx, err, 'json');
    }),
  ));
}

function start<T>(wait: () => Promise<T>): Promise<T> {
  try {
    return wait();
  } catch (err) {
    return Promise.reject(err);
  }
}

function respond(ctx: Context, decide: () => void): void {
  try {
    decide();
    writeAsKoa(ctx);
  } catch (err) {
    ctx.log.error({ err }, 'could not answer a waiting request');
    ctx.res.destroy();
  }
}
