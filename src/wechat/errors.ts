import { SaomaError } from '../errors.ts';

/** The WeChat server APIs saoma calls, by the name their URL ends with. */
export type WeChatApi = 'stable_token' | 'jscode2session' | 'getwxacodeunlimit' | 'getuserphonenumber' | 'generate_urllink';

/**
 * WeChat answered with an error, or did not answer usefully. `errcode` is WeChat's own number, or
 * what went wrong on the way: `timeout` (no answer within the client's timeout), `network` (no
 * connection) or `bad_response` (an answer that is neither the expected shape nor an errcode).
 */
export class WeChatApiError extends Error {
  readonly api: WeChatApi;
  readonly errcode: number | 'timeout' | 'network' | 'bad_response';
  readonly errmsg: string;

  constructor(api: WeChatApi, errcode: WeChatApiError['errcode'], errmsg: string, options: { cause?: unknown } = {}) {
    super(`${api} failed: errcode ${errcode}: ${errmsg}`, { cause: options.cause });
    this.name = 'WeChatApiError';
    this.api = api;
    this.errcode = errcode;
    this.errmsg = errmsg;
  }
}

/** Business-API errcodes meaning "the access token is invalid or expired": refetch and retry once. */
export const ACCESS_TOKEN_ERRCODES: ReadonlySet<number> = new Set([40001, 40014, 42001]);

/**
 * The product error for a failure of the WeChat client. A SaomaError passes through unchanged
 * (the client's own refusals); anything that is neither becomes `server_error`. WeChat's errmsg
 * goes to `detail` (logs only): it can name configuration problems an end user should not read.
 */
export function toSaomaError(err: unknown): SaomaError {
  if (err instanceof SaomaError) return err;
  if (!(err instanceof WeChatApiError)) {
    return new SaomaError('server_error', 'Something went wrong on the server.', { cause: err, detail: String(err) });
  }
  const { api, errcode } = err;
  const options = { errcode, detail: `${api} errcode ${errcode}: ${err.errmsg}`, cause: err };
  const misconfigured = typeof errcode === 'number' ? settingToChange(api, errcode) : undefined;
  if (misconfigured) return new SaomaError('wechat_error', misconfigured, options);
  switch (errcode) {
    case 40029:
    case 40163:
    case 40013:
      if (api === 'getuserphonenumber') {
        // 40013 here: the code belongs to another WeChat user than the scanner (see the emulator's user-routes.ts).
        return new SaomaError('invalid_code', 'The phone number code is invalid, expired or already used; tap the phone number button again.', options);
      }
      if (errcode === 40013) return new SaomaError('wechat_error', 'WeChat does not know this AppID: set WECHAT_APPID to the mini-program\'s AppID (mp.weixin.qq.com → Development → Development settings).', options);
      return new SaomaError('invalid_code', 'The WeChat login code is invalid, expired or already used; call wx.login again and retry with the new code.', options);
    case 45009:
    case 45011:
      return new SaomaError('rate_limited', 'WeChat is limiting calls right now; try again in a minute.', { ...options, retryAfter: 60 });
    case 40226:
      return new SaomaError('login_blocked', 'WeChat blocked this login because it flagged the WeChat account as high-risk.', options);
    case -1:
      return new SaomaError('wechat_error', 'WeChat is busy, try again.', options);
    case 'timeout':
      return new SaomaError('unavailable', 'WeChat did not answer in time; try again.', options);
    case 'network':
      return new SaomaError('unavailable', 'The server could not reach WeChat; try again shortly.', options);
    case 'bad_response':
      return new SaomaError('wechat_error', 'WeChat sent an answer the server could not understand; try again.', options);
    default:
      return new SaomaError('wechat_error', `WeChat refused the request (errcode ${errcode}); the server log has the details.`, options);
  }
}

/**
 * For errcodes that mean "this deployment or its mini-program is set up wrong", what the operator
 * must change, in words that name the setting. The caller's address of 40164 stays in the log
 * detail (WeChat's errmsg), not in this public description.
 */
function settingToChange(api: WeChatApi, errcode: number): string | undefined {
  switch (errcode) {
    case 40164:
      return 'WeChat refused the call from this server\'s IP address: add the address named in the server log to the mini-program\'s API IP whitelist (mp.weixin.qq.com → Development → Development settings → IP whitelist).';
    case 41030:
      return 'WeChat has no released page at WECHAT_PAGE: release the mini-program with that page, or set WECHAT_CHECK_PATH=false (with WECHAT_ENV_VERSION=trial or develop) until it is released.';
    case 40097:
      return 'WeChat refused the arguments of the call: set WECHAT_ENV_VERSION to release, trial or develop.';
    case 40169:
    case 40129:
    case 47001:
      return 'WeChat could not read the request: check that WECHAT_API_BASE reaches WeChat without a proxy changing the body (WECHAT_PAGE, WECHAT_CHECK_PATH and WECHAT_CODE_WIDTH are sent as WeChat expects).';
    case 40002:
      if (api === 'generate_urllink') return 'This mini-program cannot make URL Links (an individual mini-program): set WECHAT_OPEN_LINK=off.';
      return undefined;
    case 48001:
      if (api === 'getuserphonenumber') return 'This mini-program may not read phone numbers: WeChat allows it only for verified (微信认证) organisation mini-programs; verify it, or have websites stop asking for the phone scope.';
      if (api === 'generate_urllink') return 'This mini-program may not make URL Links: set WECHAT_OPEN_LINK=off.';
      return 'WeChat has not granted this mini-program the API (48001 api unauthorized): check its account type and verification in mp.weixin.qq.com.';
    case 40125:
      return 'WeChat refused the AppSecret: set WECHAT_SECRET to the mini-program\'s current AppSecret (mp.weixin.qq.com → Development → Development settings).';
    case 40243:
      return 'The AppSecret is frozen in the mini-program\'s console: unfreeze it, or reset it and set WECHAT_SECRET to the new one.';
    default:
      return undefined;
  }
}
