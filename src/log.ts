import { pino, type Logger } from 'pino';

/**
 * The one logger. JSON lines; every field that could carry a secret, a code, a token or a WeChat
 * id is censored wherever it appears (top level or one object deep), so a careless `log.info(obj)`
 * cannot leak one. Request lines carry `req_id`.
 */
const SECRET_FIELDS = [
  'code', 'js_code', 'phone_code', 'token', 'access_token', 'refresh_token', 'id_token',
  'client_secret', 'secret', 'session_key', 'openid', 'unionid', 'password', 'authorization',
  'cookie', 'set-cookie', 'code_verifier', 'phone_number', 'phoneNumber', 'purePhoneNumber',
];

export const redactPaths = [
  ...SECRET_FIELDS.map((f) => `["${f}"]`),
  ...SECRET_FIELDS.map((f) => `*["${f}"]`),
  'req.headers.authorization',
  'req.headers.cookie',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'saoma' },
      redact: { paths: redactPaths, censor: '[redacted]' },
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
