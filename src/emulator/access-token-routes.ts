import type { Context } from 'koa';
import type { Router } from '@koa/router';
import { wechatAnswer, wechatError } from './answers.ts';
import { readJsonBody } from './body.ts';
import { proceedWithCall } from './faulted.ts';
import { acceptCaller } from './ip-whitelist.ts';
import type { EmulatorState } from './state.ts';

interface Credentials { appid: string; secret: string }

/** POST /cgi-bin/stable_token (the one token API saoma calls), with WeChat's errcodes for bad input. */
export function accessTokenRoutes(router: Router, state: EmulatorState, app: Credentials): void {
  router.post('/cgi-bin/stable_token', async (ctx: Context) => {
    if (!(await proceedWithCall(ctx, state, 'stable_token'))) return;
    const body = await readJsonBody(ctx);
    // A form body leaves WeChat without any field: it reports the first it misses.
    if (body.kind === 'form') return wechatError(ctx, 41002);
    if (body.kind !== 'json') return wechatError(ctx, 47001);
    const { grant_type, appid, secret, force_refresh } = body.value;
    if (grant_type !== 'client_credential') return wechatError(ctx, 40002);
    if (typeof appid !== 'string' || appid === '') return wechatError(ctx, 41002);
    if (appid !== app.appid) return wechatError(ctx, 40013);
    if (typeof secret !== 'string' || secret === '') return wechatError(ctx, 41004);
    if (secret !== app.secret) return wechatError(ctx, 40125);
    if (force_refresh !== undefined && typeof force_refresh !== 'boolean') return wechatError(ctx, 47001, { hint: 'force_refresh' });
    // The whitelist is checked once WeChat knows whose it is, and only for the holder of the secret (order unverified).
    if (!acceptCaller(ctx, state)) return;
    let force = force_refresh === true;
    if (force && state.settings.quotas) {
      const { force_refresh_per_day, force_refresh_interval_seconds } = state.settings.quota_limits;
      const allowed = state.quotas.forceRefresh(force_refresh_per_day, force_refresh_interval_seconds);
      if (allowed === 'spent') return wechatError(ctx, 45009);
      // Sooner than the interval after the last forced refresh, WeChat does not refresh again.
      if (allowed === 'too_soon') force = false;
    }
    const { token, expiresIn } = state.tokens.stable(force);
    wechatAnswer(ctx, { access_token: token, expires_in: expiresIn });
  });
}

/** Checks `?access_token=` of a business API; answers 41001/40001/42001 and returns false when it is not valid. */
export function acceptAccessToken(ctx: Context, state: EmulatorState): boolean {
  const token = ctx.query.access_token;
  if (typeof token !== 'string' || token === '') {
    wechatError(ctx, 41001);
    return false;
  }
  const errcode = state.tokens.check(token);
  if (errcode !== 0) {
    wechatError(ctx, errcode);
    return false;
  }
  return true;
}
