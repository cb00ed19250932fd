import type { Context } from 'koa';
import type { Router } from '@koa/router';
import QRCode from 'qrcode';
import { SCENE_PATTERN } from '../wechat/scene.ts';
import { acceptAccessToken } from './access-token-routes.ts';
import { wechatAnswer, wechatError } from './answers.ts';
import { readJsonBody } from './body.ts';
import { proceedWithCall } from './faulted.ts';
import { phonePageUrl } from './phone-url.ts';
import type { EmulatorState } from './state.ts';

const ENV_VERSIONS = new Set(['release', 'trial', 'develop']);
const QUERY_PATTERN = /^[A-Za-z0-9!#$&'()*+,/:;=?@\-._~%]{0,1024}$/;

/**
 * POST /wxa/getwxacodeunlimit draws a standard QR code of the phone page URL with the scene (so a
 * camera, a person or a test can read it) and remembers it for /emulator/codes.
 * POST /wxa/generate_urllink gives a link straight to the phone page with the query.
 */
export function miniProgramCodeRoutes(router: Router, state: EmulatorState): void {
  router.post('/wxa/getwxacodeunlimit', async (ctx: Context) => {
    if (!(await proceedWithCall(ctx, state, 'getwxacodeunlimit'))) return;
    if (!acceptAccessToken(ctx, state)) return;
    const body = await readJsonBody(ctx);
    if (body.kind !== 'json') return wechatError(ctx, 47001);
    const { scene, page = '', env_version = 'release', check_path = true, width = 430 } = body.value;
    if (typeof scene !== 'string' || scene.length === 0 || scene.length > 32) return wechatError(ctx, 40169);
    if (!SCENE_PATTERN.test(scene)) return wechatError(ctx, 40129);
    if (typeof page !== 'string' || page.startsWith('/') || page.includes('?')) return wechatError(ctx, 41030);
    if (typeof env_version !== 'string' || !ENV_VERSIONS.has(env_version)) return wechatError(ctx, 40097, { hint: 'env_version' });
    if (typeof check_path !== 'boolean') return wechatError(ctx, 40097, { hint: 'check_path' });
    if (typeof width !== 'number' || !Number.isFinite(width)) return wechatError(ctx, 40097, { hint: 'width' });
    // WeChat draws a width outside 280–1280 at the nearest bound instead of refusing it.
    const pixels = Math.round(Math.min(1280, Math.max(280, width)));
    const image = await QRCode.toBuffer(phonePageUrl(ctx, new URLSearchParams({ scene })), { type: 'png', width: pixels, margin: 2, errorCorrectionLevel: 'M' });
    state.recordCode({ scene, page, env_version, created_at: new Date().toISOString() });
    ctx.status = 200;
    ctx.type = 'image/png';
    ctx.body = image;
  });

  router.post('/wxa/generate_urllink', async (ctx: Context) => {
    if (!(await proceedWithCall(ctx, state, 'generate_urllink'))) return;
    if (!acceptAccessToken(ctx, state)) return;
    const body = await readJsonBody(ctx);
    if (body.kind !== 'json') return wechatError(ctx, 47001);
    const { path = '', query = '', env_version = 'release', expire_type, expire_time } = body.value;
    if (typeof path !== 'string' || path.startsWith('/') || path.includes('?')) return wechatError(ctx, 40165);
    if (typeof query !== 'string' || !QUERY_PATTERN.test(query)) return wechatError(ctx, 40212);
    if (typeof env_version !== 'string' || !ENV_VERSIONS.has(env_version)) return wechatError(ctx, 40097, { hint: 'env_version' });
    if ((expire_type ?? 0) === 0 && expire_time !== undefined) {
      const now = Math.floor(Date.now() / 1000);
      if (typeof expire_time !== 'number' || expire_time < now + 60 || expire_time > now + 365 * 86_400) return wechatError(ctx, 85401);
    }
    wechatAnswer(ctx, { errcode: 0, errmsg: 'ok', url_link: phonePageUrl(ctx, new URLSearchParams(query)) });
  });
}
