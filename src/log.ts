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
