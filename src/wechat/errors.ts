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
  switch (errcode) {
    case 40029:
    case 40163:
      if (api === 'getuserphonenumber') {
        return new SaomaError('invalid_code', 'The phone number code is invalid, expired or already used; tap the phone number button again.', options);
      }
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
