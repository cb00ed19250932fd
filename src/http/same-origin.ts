import type { Context, Next } from 'koa';
import { SaomaError } from '../errors.ts';
import { handleErrors } from './middleware.ts';

/**
 * The POSTs a person's browser makes to change something, carrying saoma's cookies: finish,
 * cancel or refresh a login, Allow on the consent page, and oidc-provider's sign-out confirmation
 * (the form of `views/logout.eta`). No other site has a reason to make any of them.
 */
const BROWSER_POSTS = [/^\/interaction\/[^/]+\/(?:complete|abort|refresh|consent)$/, /\/session\/end\/confirm$/];

/**
 * Refuses a state-changing browser POST that another site made (403 `cross_site_request`, a
 * page for people, JSON for the page script's `/refresh`), on top of the SameSite=Lax cookies,
 * which do not stop a sibling subdomain ("same-site") nor a browser that ignores SameSite.
 *
 * - A foreign `Origin` is refused. Ours is the issuer's origin (or the request's own, for a
 *   deployment reached under a second name).
 * - `Sec-Fetch-Site` other than `same-origin` / `none` is refused (`cross-site`, and `same-site`:
 *   a sibling subdomain is another origin and none of our forms live there). Every current browser
 *   sends it, and no page script can set it.
 * - With neither, or with `Origin: null` and no `Sec-Fetch-Site`, the request goes on. Our own
 *   no-JavaScript form posts send `Origin: null` because our pages say `Referrer-Policy:
 *   no-referrer` (the Fetch standard then serialises a form post's origin as "null"), and browsers
 *   too old to send `Sec-Fetch-Site` would be locked out of signing in; those still have the
 *   SameSite cookies. Clients that send no Origin at all are not browsers acting for a victim:
 *   they hold no one's cookies. (A modern browser's own `Origin: null` post comes with
 *   `Sec-Fetch-Site: same-origin`, which tells it apart from another site's.)
 */
export function refuseCrossSitePosts(issuer: string) {
  const issuerOrigin = new URL(issuer).origin;
  const refuse = handleErrors((ctx) => (ctx.path.endsWith('/refresh') ? 'json' : 'page'));
  return async (ctx: Context, next: Next) => {
    if (ctx.method !== 'POST' || !BROWSER_POSTS.some((path) => path.test(ctx.path))) return next();
    const reason = crossSiteReason(ctx, issuerOrigin);
    if (!reason) return next();
    return refuse(ctx, async () => {
      throw new SaomaError('cross_site_request', 'This request came from another website and was refused. Go back to the website and sign in from there.', { detail: reason });
    });
  };
}

function crossSiteReason(ctx: Context, issuerOrigin: string): string | undefined {
  const origin = ctx.get('origin');
  if (origin && origin !== 'null' && origin !== issuerOrigin && origin !== `${ctx.protocol}://${ctx.host}`) return `Origin ${origin.slice(0, 200)}`;
  const site = ctx.get('sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') return `Sec-Fetch-Site ${site.slice(0, 40)}`;
  return undefined;
}
