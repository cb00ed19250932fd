/**
 * The one error type of saoma. Every failure a client can see carries a stable `code` (the
 * product contract's error codes), an HTTP status, and a public description. `detail` is for logs
 * only and never leaves the server; `errcode` is WeChat's, when WeChat caused the failure.
 */
export type ErrorCode =
  | 'invalid_request'
  | 'invalid_token'
  | 'invalid_code'
  | 'login_blocked'
  | 'cross_site_request'
  | 'interaction_not_found'
  | 'ticket_not_found'
  | 'ticket_already_scanned'
  | 'ticket_not_confirmed'
  | 'ticket_in_progress'
  | 'ticket_already_confirmed'
  | 'ticket_expired'
  | 'ticket_cancelled'
  | 'ticket_consumed'
  | 'payload_too_large'
  | 'rate_limited'
  | 'wechat_error'
  | 'unavailable'
  | 'not_found'
  | 'unauthorized'
  | 'invalid_client_metadata'
  | 'read_only'
  | 'conflict'
  | 'method_not_allowed'
  | 'server_error';

const statusOf: Record<ErrorCode, number> = {
  invalid_request: 400,
  invalid_token: 401,
  invalid_code: 400,
  login_blocked: 403,
  cross_site_request: 403,
  interaction_not_found: 404,
  ticket_not_found: 404,
  ticket_already_scanned: 409,
  ticket_not_confirmed: 409,
  ticket_in_progress: 409,
  ticket_already_confirmed: 409,
  ticket_expired: 410,
  ticket_cancelled: 410,
  ticket_consumed: 410,
  payload_too_large: 413,
  rate_limited: 429,
  wechat_error: 502,
  unavailable: 503,
  not_found: 404,
  unauthorized: 401,
  invalid_client_metadata: 400,
  read_only: 409,
  conflict: 409,
  method_not_allowed: 405,
  server_error: 500,
};

export interface SaomaErrorOptions {
  /** Private detail for the log line; never sent to a client. */
  detail?: string;
  /** WeChat's errcode when WeChat caused this error (a number, or 'timeout'). */
  errcode?: number | string;
  /** Seconds a client should wait before retrying (rate_limited, unavailable). */
  retryAfter?: number;
  cause?: unknown;
}

export class SaomaError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly description: string;
  readonly detail: string | undefined;
  readonly errcode: number | string | undefined;
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, description: string, options: SaomaErrorOptions = {}) {
    super(`${code}: ${description}`, { cause: options.cause });
    this.name = 'SaomaError';
    this.code = code;
    this.status = statusOf[code];
    this.description = description;
    this.detail = options.detail;
    this.errcode = options.errcode;
    this.retryAfter = options.retryAfter;
  }

  /** The JSON body of the contract: `{error, error_description, errcode?}`. */
  toJSON(): Record<string, unknown> {
    return {
      error: this.code,
      error_description: this.description,
      ...(this.errcode === undefined ? {} : { errcode: this.errcode }),
    };
  }
}

/** Whether `value` is the name of one of our error codes (log lines keep these; see src/log.ts). */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(statusOf, value);
}

export function isSaomaError(err: unknown): err is SaomaError {
  return err instanceof SaomaError;
}
