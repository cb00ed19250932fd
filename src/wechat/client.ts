import { SaomaError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { imageTypeOf } from '../image-type.ts';
import { recordWeChatCall } from '../metrics/metrics.ts';
import type { Store } from '../store/store.ts';
import { createAccessTokenSource, type AccessTokenSource } from './access-token.ts';
import { ACCESS_TOKEN_ERRCODES, WeChatApiError, type WeChatApi } from './errors.ts';
import { callWeChat, parseAnswer, stringField } from './http.ts';
import { isPlausibleWeChatCode, isValidScene } from './scene.ts';

export interface WeChatSession { openid: string; unionid?: string; sessionKey: string }
/**
 * A phone number as WeChat gave it, and `e164` (`+8613800138000`) as saoma hands it on: WeChat's
 * `phoneNumber` has no country code for mainland numbers, so the claim is formed from the parts.
 */
export interface PhoneNumber { phoneNumber: string; purePhoneNumber: string; countryCode: string; e164: string }

/**
 * The WeChat server APIs a login needs. Each method rejects with a WeChatApiError when
 * WeChat fails (map it with `toSaomaError`), or with SaomaError `invalid_request` when it refused
 * the input before calling WeChat. Every call is bounded by `timeoutMs`.
 */
export interface WeChat {
  /** sns/jscode2session: who the wx.login code belongs to. */
  exchangeCode(jsCode: string): Promise<WeChatSession>;
  /** wxa/getwxacodeunlimit: the mini-program code image opening `page` with `scene`. */
  createCode(scene: string): Promise<{ image: Buffer; contentType: string }>;
  /**
   * wxa/business/getuserphonenumber: the phone number behind a phone-button code (billed per call).
   * With `openid` (the scanner's) WeChat checks that the code was given to that user.
   */
  phoneNumber(code: string, openid?: string): Promise<PhoneNumber>;
  /**
   * wxa/generate_urllink: an https link that opens `page` with the query `scene=<scene>` from a
   * phone browser outside WeChat, valid until `expiresAt` (ms since the epoch; WeChat wants at
   * least a minute ahead, so an earlier time is raised to that).
   */
  generateUrlLink(scene: string, expiresAt: number): Promise<string>;
}

export interface WeChatOptions {
  appid: string;
  secret: string;
  apiBase: string;
  timeoutMs: number;
  page: string;
  envVersion: 'release' | 'trial' | 'develop';
  checkPath: boolean;
  width: number;
  store: Store;
  log: Logger;
}

export function createWeChat(options: WeChatOptions): WeChat {
  const { log, timeoutMs } = options;
  const apiBase = options.apiBase.replace(/\/$/, '');
  const withAccessToken = tokenCaller(createAccessTokenSource({ ...options, apiBase }), log);
  /** A business API's URL with the token; the token is never logged (logged() names only the api). */
  const withToken = (path: string, token: string) => `${apiBase}${path}?access_token=${encodeURIComponent(token)}`;

  return {
    async exchangeCode(jsCode) {
      if (!isPlausibleWeChatCode(jsCode)) throw new SaomaError('invalid_request', 'code must be the 1–128 character code from wx.login.');
      const query = new URLSearchParams({ appid: options.appid, secret: options.secret, js_code: jsCode, grant_type: 'authorization_code' });
      return logged(log, 'jscode2session', async () => readSession(await callWeChat({ api: 'jscode2session', url: `${apiBase}/sns/jscode2session?${query}`, timeoutMs })));
    },

    async createCode(scene) {
      if (!isValidScene(scene)) throw new SaomaError('invalid_request', "scene must be 1–32 characters from A-Z a-z 0-9 and !#$&'()*+,/:;=?@._~-.");
      const json = { scene, page: options.page, env_version: options.envVersion, check_path: options.checkPath, width: options.width };
      return withAccessToken('getwxacodeunlimit', async (token) => readCodeImage(await callWeChat({ api: 'getwxacodeunlimit', url: withToken('/wxa/getwxacodeunlimit', token), timeoutMs, json })));
    },

    async phoneNumber(code, openid) {
      if (!isPlausibleWeChatCode(code)) throw new SaomaError('invalid_request', 'phone_code must be the 1–128 character code from the phone number button.');
      const json = openid === undefined ? { code } : { code, openid };
      return withAccessToken('getuserphonenumber', async (token) => readPhoneNumber(await callWeChat({ api: 'getuserphonenumber', url: withToken('/wxa/business/getuserphonenumber', token), timeoutMs, json })));
    },

    async generateUrlLink(scene, expiresAt) {
      if (!isValidScene(scene)) throw new SaomaError('invalid_request', "scene must be 1–32 characters from A-Z a-z 0-9 and !#$&'()*+,/:;=?@._~-.");
      const json = urlLinkRequest(options, scene, expiresAt);
      return withAccessToken('generate_urllink', async (token) => readUrlLink(await callWeChat({ api: 'generate_urllink', url: withToken('/wxa/generate_urllink', token), timeoutMs, json })));
    },
  };
}

/** Times and logs one call, by api name and errcode only: never URLs, codes, ids or tokens. */
async function logged<T>(log: Logger, api: WeChatApi, call: () => Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    const result = await call();
    log.debug({ api, duration_ms: Math.round(performance.now() - started) }, 'WeChat call succeeded');
    recordWeChatCall(api, 0, (performance.now() - started) / 1000);
    return result;
  } catch (err) {
    const errcode = err instanceof WeChatApiError ? err.errcode : undefined;
    log.warn({ api, errcode, duration_ms: Math.round(performance.now() - started) }, 'WeChat call failed');
    recordWeChatCall(api, errcode ?? 'exception', (performance.now() - started) / 1000);
    throw err;
  }
}

/** Business calls with the shared token; a token WeChat rejects is renewed and the call retried, once. */
function tokenCaller(tokens: AccessTokenSource, log: Logger) {
  return async <T>(api: WeChatApi, call: (token: string) => Promise<T>): Promise<T> => {
    const token = await tokens.get();
    try {
      return await logged(log, api, () => call(token));
    } catch (err) {
      if (!(err instanceof WeChatApiError && typeof err.errcode === 'number' && ACCESS_TOKEN_ERRCODES.has(err.errcode))) throw err;
      const renewed = await tokens.renew(token);
      return logged(log, api, () => call(renewed));
    }
  };
}

function readSession(body: Buffer): WeChatSession {
  const answer = parseAnswer('jscode2session', body);
  const session: WeChatSession = {
    openid: stringField('jscode2session', answer, 'openid'),
    sessionKey: stringField('jscode2session', answer, 'session_key'),
  };
  if (typeof answer.unionid === 'string' && answer.unionid !== '') session.unionid = answer.unionid;
  return session;
}

function readCodeImage(body: Buffer): { image: Buffer; contentType: string } {
  // WeChat's content-type has been wrong before (JSON errors as text/plain): trust the bytes.
  const contentType = imageTypeOf(body);
  if (contentType === 'image/jpeg' || contentType === 'image/png') return { image: body, contentType };
  parseAnswer('getwxacodeunlimit', body);
  throw new WeChatApiError('getwxacodeunlimit', 'bad_response', 'answer is neither an image nor an errcode');
}

function readPhoneNumber(body: Buffer): PhoneNumber {
  const info = parseAnswer('getuserphonenumber', body).phone_info;
  if (typeof info !== 'object' || info === null) throw new WeChatApiError('getuserphonenumber', 'bad_response', 'answer has no phone_info');
  const phone = info as Record<string, unknown>;
  if (typeof phone.countryCode !== 'string' && typeof phone.countryCode !== 'number') {
    throw new WeChatApiError('getuserphonenumber', 'bad_response', 'answer has no countryCode');
  }
  // The docs show a number, real answers carry a string: accept both.
  const countryCode = String(phone.countryCode).replace(/^\+/, '');
  const purePhoneNumber = stringField('getuserphonenumber', phone, 'purePhoneNumber');
  if (!/^[1-9][0-9]{0,2}$/.test(countryCode) || !/^[0-9]{4,14}$/.test(purePhoneNumber) || countryCode.length + purePhoneNumber.length > 15) {
    throw new WeChatApiError('getuserphonenumber', 'bad_response', 'countryCode and purePhoneNumber do not make an E.164 number');
  }
  return {
    phoneNumber: stringField('getuserphonenumber', phone, 'phoneNumber'),
    purePhoneNumber,
    countryCode,
    e164: `+${countryCode}${purePhoneNumber}`,
  };
}

function urlLinkRequest(options: WeChatOptions, scene: string, expiresAt: number) {
  const now = Math.floor(Date.now() / 1000);
  const expireTime = Math.min(now + URL_LINK_MAX_SECONDS, Math.max(now + URL_LINK_MIN_SECONDS, Math.ceil(expiresAt / 1000)));
  // The mini-program page reads `scene` from its onLoad query, as it does for a scanned code.
  return { path: options.page, query: `scene=${encodeURIComponent(scene)}`, env_version: options.envVersion, expire_type: 0, expire_time: expireTime };
}

function readUrlLink(body: Buffer): string {
  const link = stringField('generate_urllink', parseAnswer('generate_urllink', body), 'url_link');
  // The browser is sent to this link: only ever an http(s) URL, whatever else comes back.
  if (!URL.canParse(link) || !/^https?:$/.test(new URL(link).protocol)) {
    throw new WeChatApiError('generate_urllink', 'bad_response', 'url_link is not an http(s) URL');
  }
  return link;
}

/** The earliest and latest expiry WeChat accepts for a URL Link, in seconds from now. */
const URL_LINK_MIN_SECONDS = 61;
const URL_LINK_MAX_SECONDS = 30 * 86_400;
