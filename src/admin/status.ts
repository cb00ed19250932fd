import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { SaomaError, isSaomaError } from '../errors.ts';
import { readForm } from '../http/body.ts';
import { render } from '../http/views.ts';
import { CODES_PER_MINUTE_QUOTA, FUNNEL_STEPS, statusFigures, type StatusFigures } from '../metrics/metrics.ts';
import { tokenFingerprint } from './auth.ts';

const COOKIE = 'saoma_admin_status';
/** A status-page sign-in lasts a working day; the admin token itself never leaves the form post. */
const SESSION_SECONDS = 8 * 3600;

/**
 * The admin status page: the scan funnel and WeChat quota use of this process as server-drawn SVG
 * charts, for operators without Prometheus. A browser cannot send the bearer token by itself, so
 * the page offers a form: the token posted once (checked by the admin gate itself: same audit line,
 * same failure limit) buys a cookie signed with the deployment's cookie keys (Koa's keygrip), HttpOnly,
 * SameSite=Strict, scoped to the page's path, that names only the token's fingerprint and an
 * expiry — changing ADMIN_TOKEN ends every such sign-in. The cookie opens this page and nothing
 * else: the admin API still wants the bearer token.
 */
export function statusRoutes(prefix: string, token: string, gate: Middleware): Router {
  const router = new Router({ prefix });
  const fingerprint = tokenFingerprint(token);
  const path = `${prefix}/status`;

  const signedIn = (ctx: Context) => {
    const value = ctx.cookies.get(COOKIE, { signed: true });
    const match = value ? /^(\d{1,12})\.([0-9a-f]{8})$/.exec(value) : null;
    return !!match && match[2] === fingerprint && Number(match[1]) * 1000 > Date.now();
  };

  const page = async (ctx: Context, state: { signedIn: boolean; refused?: boolean }) => {
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = render('admin-status', { path, signedIn: state.signedIn, refused: state.refused === true, ...(state.signedIn ? { charts: charts(await statusFigures()) } : {}) });
  };

  router.get('/status', async (ctx) => {
    // A bearer token works too (curl, a script); a browser brings the cookie.
    if (signedIn(ctx) || ctx.get('authorization')) {
      if (!signedIn(ctx)) await gate(ctx, async () => {});
      return page(ctx, { signedIn: true });
    }
    ctx.status = 401;
    await page(ctx, { signedIn: false });
  });

  router.post('/status/sign-in', async (ctx) => {
    const form = await readForm(ctx, 4096);
    ctx.request.headers.authorization = `Bearer ${form.get('token') ?? ''}`;
    try {
      await gate(ctx, async () => {});
    } catch (err) {
      if (!(isSaomaError(err) && err.code === 'unauthorized')) throw err;
      ctx.status = 401;
      return page(ctx, { signedIn: false, refused: true });
    }
    const expires = Math.floor(Date.now() / 1000) + SESSION_SECONDS;
    ctx.cookies.set(COOKIE, `${expires}.${fingerprint}`, { signed: true, httpOnly: true, sameSite: 'strict', secure: ctx.secure, path, maxAge: SESSION_SECONDS * 1000, overwrite: true });
    ctx.status = 303;
    ctx.redirect(path);
  });

  router.post('/status/sign-out', (ctx) => {
    if (!signedIn(ctx)) throw new SaomaError('unauthorized', 'A valid admin token is required.');
    ctx.cookies.set(COOKIE, null, { signed: true, httpOnly: true, sameSite: 'strict', secure: ctx.secure, path, overwrite: true });
    ctx.status = 303;
    ctx.redirect(path);
  });

  return router;
}

/** The figures as chart geometry: the template only places what is computed here. */
export function charts(figures: StatusFigures) {
  const issued = Math.max(1, figures.funnel.issued);
  const funnelMax = Math.max(1, ...FUNNEL_STEPS.map((s) => figures.funnel[s]));
  const funnel = FUNNEL_STEPS.map((step) => ({
    step,
    count: figures.funnel[step],
    width: Math.round((figures.funnel[step] / funnelMax) * 400),
    share: step === 'issued' ? '' : `${Math.round((figures.funnel[step] / issued) * 100)}%`,
  }));
  const peak = Math.max(...figures.codesPerMinute);
  const lastMinute = figures.codesPerMinute.at(-1) ?? 0;
  const scale = Math.max(1, peak);
  const columns = figures.codesPerMinute.map((count, i) => ({ x: i * 10, height: Math.round((count / scale) * 100), count }));
  return {
    funnel,
    quota: {
      lastMinute,
      peak,
      limit: CODES_PER_MINUTE_QUOTA,
      // The gauge: this minute's codes against 5,000, at least a sliver so a non-zero use shows.
      width: lastMinute === 0 ? 0 : Math.max(2, Math.round((lastMinute / CODES_PER_MINUTE_QUOTA) * 400)),
      peakShare: `${((peak / CODES_PER_MINUTE_QUOTA) * 100).toFixed(peak > 0 && peak < 50 ? 2 : 0)}%`,
      columns,
    },
    phone: { count: figures.phoneNumbersThisMonth, cost: figures.phoneCostThisMonthYuan.toFixed(2), price: figures.phonePriceYuan },
    urlLinksToday: figures.urlLinksToday,
    wechat: { calls: figures.wechatCalls, errors: figures.wechatErrors },
    waitingPolls: figures.waitingPolls,
  };
}
