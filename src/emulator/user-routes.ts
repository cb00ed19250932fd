import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import type { Router } from '@koa/router';
import { acceptAccessToken } from './access-token-routes.ts';
import { wechatAnswer, wechatError } from './answers.ts';
import { readJsonBody } from './body.ts';
import { proceedWithCall } from './faulted.ts';
import { acceptCaller } from './ip-whitelist.ts';
import type { EmulatorState } from './state.ts';

interface Credentials { appid: string; secret: string }

/**
 * GET /sns/jscode2session (who a wx.login code belongs to) and POST
 * /wxa/business/getuserphonenumber (the number behind a phone-button code).
 */
export function userRoutes(router: Router, state: EmulatorState, app: Credentials): void {
  router.get('/sns/jscode2session', async (ctx: Context) => {
    // sns/* answers JSON labelled text/plain, as WeChat does: clients must not trust the label.
    const textPlain = { textPlain: true };
    if (!(await proceedWithCall(ctx, state, 'jscode2session', textPlain))) return;
    const { appid, secret, js_code, grant_type } = ctx.query;
    if (typeof appid !== 'string' || appid === '') return wechatError(ctx, 41002, textPlain);
    if (appid !== app.appid) return wechatError(ctx, 40013, textPlain);
    if (typeof secret !== 'string' || secret === '') return wechatError(ctx, 41004, textPlain);
    if (secret !== app.secret) return wechatError(ctx, 40125, textPlain);
    if (typeof js_code !== 'string' || js_code === '') return wechatError(ctx, 41008, textPlain);
    if (grant_type !== 'authorization_code') return wechatError(ctx, 40002, textPlain);
    // 45011 counts per WeChat user; the code, refused, stays usable for a retry after the minute.
    const { settings } = state;
    const holder = state.loginCodes.peek(js_code);
    if (holder && settings.quotas && !state.quotas.session(holder.openid, settings.quota_limits.jscode2session_per_user_per_minute)) {
      return wechatError(ctx, 45011, textPlain);
    }
    const redeemed = state.loginCodes.redeem(js_code);
    if (!redeemed.ok) return wechatError(ctx, redeemed.errcode, textPlain);
    const { openid, unionid } = redeemed.data;
    wechatAnswer(ctx, { session_key: randomBytes(16).toString('base64'), openid, ...(unionid ? { unionid } : {}) }, textPlain);
  });

  router.post('/wxa/business/getuserphonenumber', async (ctx: Context) => {
    if (!(await proceedWithCall(ctx, state, 'getuserphonenumber'))) return;
    if (!acceptAccessToken(ctx, state) || !acceptCaller(ctx, state)) return;
    // Phone numbers are for verified (微信认证) non-individual mini-programs only; WeChat answers
    // any other the way it answers an API the account has not been granted.
    const { settings } = state;
    if (settings.account_type === 'individual' || !settings.verified) return wechatError(ctx, 48001);
    const body = await readJsonBody(ctx);
    if (body.kind !== 'json') return wechatError(ctx, 47001);
    const { code, openid } = body.value;
    if (openid !== undefined && typeof openid !== 'string') return wechatError(ctx, 47001, { hint: 'openid' });
    if (typeof code !== 'string' || code === '') return wechatError(ctx, 40029);
    const redeemed = state.phoneCodes.redeem(code);
    // Both unknown and used phone codes are 40029 here: WeChat documents no 40163 for them.
    if (!redeemed.ok) return wechatError(ctx, 40029);
    // With an openid WeChat checks that the code was given to that user. Which errcode it gives
    // for a code of someone else is not documented; 40013 is the one of getuserphonenumber's
    // documented errcodes (-1, 40029, 45011, 40013) that is not about the code's validity or the
    // rate, so the emulator answers 40013, and saoma treats 40013 like 40029 for this API.
    if (openid !== undefined && openid !== redeemed.data.openid) return wechatError(ctx, 40013, { hint: 'the code belongs to another openid' });
    const { phone, countryCode } = redeemed.data;
    wechatAnswer(ctx, {
      errcode: 0,
      errmsg: 'ok',
      phone_info: {
        // Mainland numbers come without the country code; others with it.
        phoneNumber: countryCode === '86' ? phone : `+${countryCode}${phone}`,
        purePhoneNumber: phone,
        // Documented as a number; real answers carry a string.
        countryCode,
        watermark: { timestamp: Math.floor(Date.now() / 1000), appid: app.appid },
      },
    });
  });
}
