import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import type { Router } from '@koa/router';
import { acceptAccessToken } from './access-token-routes.ts';
import { wechatAnswer, wechatError } from './answers.ts';
import { readJsonBody } from './body.ts';
import { proceedWithCall } from './faulted.ts';
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
    const redeemed = state.loginCodes.redeem(js_code);
    if (!redeemed.ok) return wechatError(ctx, redeemed.errcode, textPlain);
    const { openid, unionid } = redeemed.data;
    wechatAnswer(ctx, { session_key: randomBytes(16).toString('base64'), openid, ...(unionid ? { unionid } : {}) }, textPlain);
  });

  router.post('/wxa/business/getuserphonenumber', async (ctx: Context) => {
    if (!(await proceedWithCall(ctx, state, 'getuserphonenumber'))) return;
    if (!acceptAccessToken(ctx, state)) return;
    const body = await readJsonBody(ctx);
    if (body.kind !== 'json') return wechatError(ctx, 47001);
    const { code, openid } = body.value;
    if (typeof code !== 'string' || code === '') return wechatError(ctx, 40029);
    const redeemed = state.phoneCodes.redeem(code);
    // Both unknown and used phone codes are 40029 here: WeChat documents no 40163 for them.
    if (!redeemed.ok) return wechatError(ctx, 40029);
    // With an openid WeChat checks the code was given to that user.
    if (openid !== undefined && openid !== redeemed.data.openid) return wechatError(ctx, 40029, { hint: 'code of another openid' });
    const { phone } = redeemed.data;
    wechatAnswer(ctx, {
      errcode: 0,
      errmsg: 'ok',
      phone_info: { phoneNumber: phone, purePhoneNumber: phone, countryCode: '86', watermark: { timestamp: Math.floor(Date.now() / 1000), appid: app.appid } },
    });
  });
}
