import { pino, type Logger } from 'pino';
import { isErrorCode } from './errors.ts';

/**
 * The one logger. JSON lines; every field that could carry a secret, a token or a WeChat id is
 * censored wherever it appears (top level or one object deep), so a careless `log.info(obj)`
 * cannot leak one. Request lines carry `req_id`.
 *
 * `code` is not one of those fields: a refusal is logged with its stable error code
 * (`{"code":"ticket_expired"}`), which an operator needs. A WeChat code (wx.login's, the phone
 * button's) is redacted by where it travels instead: `js_code`, `phone_code`, and `code` inside a
 * request `body` or `query`. As a last guard, any other `code` whose value is not an error code's
 * name (`snake_case` words, or a Node `E…` code) is censored too, so a stray WeChat code logged
 * under that name still never reaches a line.
 */
const SECRET_FIELDS = [
  'js_code', 'phone_code', 'token', 'access_token', 'refresh_token', 'id_token',
  'client_secret', 'secret', 'session_key', 'openid', 'unionid', 'password', 'authorization',
  'cookie', 'set-cookie', 'code_verifier', 'phone_number', 'phoneNumber', 'purePhoneNumber',
];

/** Where a WeChat or OAuth code travels under the plain name `code`: always censored. */
const CODE_CARRIERS = ['body', 'query', 'params', 'form'];

const CENSORED = '[redacted]';

export const redactPaths = [
  ...SECRET_FIELDS.map((f) => `["${f}"]`),
  ...SECRET_FIELDS.map((f) => `*["${f}"]`),
  ...CODE_CARRIERS.flatMap((carrier) => [`${carrier}.code`, `*.${carrier}.code`]),
  'code',
  '*.code',
  'req.headers.authorization',
  'req.headers.cookie',
];

/**
 * The name of an error (`ticket_expired`, `invalid_grant`, `ECONNRESET`), as opposed to a secret code;
 * our own codes are also let through by name, one-word ones (`unavailable`) included.
 */
const ERROR_CODE_NAME = /^(?:[a-z]+(?:_[a-z]+)+|E[A-Z0-9_]{2,40})$/;

function censor(value: unknown, path: string[]): unknown {
  const key = path[path.length - 1];
  const carried = path.length >= 2 && CODE_CARRIERS.includes(path[path.length - 2]!);
  if (key === 'code' && !carried && (isErrorCode(value) || (typeof value === 'string' && ERROR_CODE_NAME.test(value)))) return value;
  return CENSORED;
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'saoma' },
      redact: { paths: redactPaths, censor },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}

export type { Logger };

/**
 * One audit event: who did what, to what, from where; pino adds when (`time`). Audit lines carry
 * `audit: true` and an `event` name (`admin.client.created`, `keys.rotated`, `ticket.confirmed`…)
 * so they can be filtered out of the stream. Never put a secret in one: the redaction above still
 * applies, but an audit line should not need it.
 */
export interface AuditEvent {
  event: string;
  /** Who: `admin-token:<fingerprint>`, `cli:<user>@<host>`, `registration`, `wechat:<sub>`… */
  actor: string;
  /** From where: the client IP as the server saw it, or `local` for the command line. */
  ip: string;
  [field: string]: unknown;
}

export type Audit = (event: AuditEvent) => void;

/** The audit trail: a child logger writing one info line per event (keep LOG_LEVEL at info or below). */
export function auditLog(log: Logger): Audit {
  const audit = log.child({ audit: true });
  return (event) => audit.info(event, event.event);
}
