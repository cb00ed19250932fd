import type { Context, Next } from 'koa';
import { SaomaError } from '../errors.ts';
import { handleErrors } from '../http/middleware.ts';
import { storeKeys } from '../store/keys.ts';
import type { Store } from '../store/store.ts';

/** oidc-provider's resume route: where `/complete`, `/consent` and `/abort` send the browser. */
const RESUME_PATH = /^\/auth\/([A-Za-z0-9_-]{1,64})$/;

/**
 * How long a resumed interaction stays marked. Concurrent duplicates arrive within milliseconds;
 * a browser whose first resume died with its process can try again after this.
 */
const MARK_MS = 10_000;

/**
 * A finished login is resumed once. oidc-provider's resume reads the interaction, issues the
 * authorization code and only then destroys the interaction, so the same browser following one
 * `/complete` 303 several times at once (a double click, a retrying proxy, a script) got one code
 * per request on Redis: one login, several codes for the website. The first resume of an
 * interaction marks it with an atomic create in the store (one winner across processes); a
 * concurrent duplicate is refused as the already-consumed login it is (410 `ticket_consumed`).
 */
export function resumeOnce(store: Store) {
  const refuse = handleErrors(() => 'page');
  return async (ctx: Context, next: Next) => {
    const uid = ctx.method === 'GET' ? RESUME_PATH.exec(ctx.path)?.[1] : undefined;
    if (!uid) return next();
    return refuse(ctx, async () => {
      if (!(await store.create(storeKeys.interactionResumed(uid), '1', MARK_MS))) {
        throw new SaomaError('ticket_consumed', 'This sign-in has already been completed. Go back to the website to continue.', { detail: 'concurrent resume of one interaction' });
      }
      await next();
    });
  };
}
