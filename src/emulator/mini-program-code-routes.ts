import type { Context } from 'koa';
import type { Router } from '@koa/router';
import { SCENE_PATTERN } from '../wechat/scene.ts';
import { acceptAccessToken } from './access-token-routes.ts';
import { wechatAnswer, wechatError } from './answers.ts';
import { readJsonBody } from './body.ts';
import { drawCode } from './code-image.ts';
import { proceedWithCall } from './faulted.ts';
import { acceptCaller } from './ip-whitelist.ts';
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
  router.post('/wxa/getwxacodeunlimit', getWxaCodeUnlimit(state));
  router.post('/wxa/generate_urllink', generateUrlLink(state));
}

function getWxaCodeUnlimit(state: EmulatorState) {
  return async (ctx: Context) => {
    if (!(await proceedWithCall(ctx, state, 'getwxacodeunlimit'))) return;
    if (!acceptAccessToken(ctx, state) || !acceptCaller(ctx, state)) return;
    const { settings } = state;
    if (settings.quotas && !state.quotas.code(settings.quota_limits.getwxacodeunlimit_per_minute)) return wechatError(ctx, 45009, { errmsg: 'reach max api minute quota limit' });
    const body = await readJsonBody(ctx);
    // WeChat's own errmsg for 40169 says "...or the data is not json string" (47001 is also seen
    // for this in the wild; unverified which is current).
    if (body.kind !== 'json') return wechatError(ctx, 40169);
    const { scene, page = '', env_version = 'release', check_path = true, width = 430, auto_color = false, line_color, is_hyaline = false } = body.value;
    // Values of the wrong JSON type: 47001 "data format error".
    if (scene !== undefined && typeof scene !== 'string') return wechatError(ctx, 47001, { hint: 'scene' });
    if (typeof page !== 'string') return wechatError(ctx, 47001, { hint: 'page' });
    if (typeof env_version !== 'string') return wechatError(ctx, 47001, { hint: 'env_version' });
    if (typeof check_path !== 'boolean') return wechatError(ctx, 47001, { hint: 'check_path' });
    if (typeof width !== 'number' || !Number.isFinite(width)) return wechatError(ctx, 47001, { hint: 'width' });
    if (typeof auto_color !== 'boolean') return wechatError(ctx, 47001, { hint: 'auto_color' });
    if (typeof is_hyaline !== 'boolean') return wechatError(ctx, 47001, { hint: 'is_hyaline' });
    const color = lineColorOf(line_color);
    if (!color) return wechatError(ctx, 47001, { hint: 'line_color' });
    if (scene === undefined || scene.length === 0 || scene.length > 32) return wechatError(ctx, 40169);
    if (!SCENE_PATTERN.test(scene)) return wechatError(ctx, 40129);
    if (page.startsWith('/') || page.includes('?')) return wechatError(ctx, 41030);
    // check_path (the default): the page must be in the released version, whatever env_version says.
    if (check_path && (settings.released_pages.length === 0 || (page !== '' && !settings.released_pages.includes(page)))) return wechatError(ctx, 41030);
    if (!ENV_VERSIONS.has(env_version)) return wechatError(ctx, 40097);
    // WeChat draws a width outside 280–1280 at the nearest bound instead of refusing it.
    const pixels = Math.round(Math.min(1280, Math.max(280, width)));
    const image = await drawCode(phonePageUrl(ctx, new URLSearchParams({ scene })), {
      width: pixels,
      format: is_hyaline ? 'png' : settings.code_format,
      transparent: is_hyaline,
      color: auto_color ? { r: 0, g: 0, b: 0 } : color,
    });
    state.recordCode({ scene, page, env_version, created_at: new Date().toISOString() });
    ctx.status = 200;
    // WeChat labels every code image/jpeg, the PNG of `is_hyaline` too: clients must read the bytes.
    ctx.type = 'image/jpeg';
    ctx.body = image;
  };
}

function generateUrlLink(state: EmulatorState) {
  return async (ctx: Context) => {
    if (!(await proceedWithCall(ctx, state, 'generate_urllink'))) return;
    if (!acceptAccessToken(ctx, state) || !acceptCaller(ctx, state)) return;
    const { settings } = state;
    // Individual (个人主体) mini-programs may not make URL Links: WeChat answers 40002.
    if (settings.account_type === 'individual') return wechatError(ctx, 40002);
    if (settings.quotas && !state.quotas.urlLink(settings.quota_limits.url_links_per_day)) return wechatError(ctx, 45009);
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
  };
}

/** `line_color` as WeChat takes it ({r, g, b} of 0–255, black when absent), or undefined when malformed. */
function lineColorOf(value: unknown): { r: number; g: number; b: number } | undefined {
  if (value === undefined) return { r: 0, g: 0, b: 0 };
  if (typeof value !== 'object' || value === null) return undefined;
  const { r, g, b } = value as Record<string, unknown>;
  // Numbers as documented; digit strings are accepted too, as many SDKs send them.
  const channel = (c: unknown) => {
    const n = typeof c === 'string' && /^\d{1,3}$/.test(c) ? Number(c) : c;
    return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 255 ? n : undefined;
  };
  const [red, green, blue] = [channel(r), channel(g), channel(b)];
  if (red === undefined || green === undefined || blue === undefined) return undefined;
  return { r: red, g: green, b: blue };
}
