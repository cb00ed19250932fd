import { isIP } from 'node:net';
import { z } from 'zod';
import { parseTrustProxy, type TrustProxy } from '../http/proxy.ts';

/**
 * Every environment variable saoma reads, with its default and meaning. This table is the source
 * of `docs/configuration.md`; `test/config.test.ts` checks that the document lists each of them.
 */
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const seconds = z.coerce.number().int().positive();
const trustProxy = z.string().transform((v, ctx): TrustProxy => {
  const parsed = parseTrustProxy(v);
  if (parsed && 'problem' in parsed) {
    ctx.addIssue({ code: 'custom', message: parsed.problem });
    return z.NEVER;
  }
  return parsed;
});
const list = z.string().transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean));

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  ISSUER: z.url({ protocol: /^https?$/ }).optional(),
  TRUST_PROXY: trustProxy.default(false),
  HSTS_MAX_AGE_SECONDS: z.coerce.number().int().min(0).default(31_536_000),
  CONNECTIONS_PER_IP: z.coerce.number().int().min(0).default(256),
  CLIENTS_FILE: z.string().default('config/clients.json'),
  BRANDING_FILE: z.string().optional(),
  COOKIE_KEYS: list.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').optional(),
  REDIS_SENTINELS: list.optional(),
  REDIS_SENTINEL_NAME: z.string().default('mymaster'),
  REDIS_CLUSTER_NODES: list.optional(),
  REDIS_KEY_PREFIX: z.string().default('saoma:'),
  REDIS_COMMAND_TIMEOUT_MS: z.coerce.number().int().positive().default(2000),

  WECHAT_APPID: z.string().regex(/^wx[0-9a-f]{16}$/, 'must look like wx followed by 16 hex digits').optional(),
  WECHAT_SECRET: z.string().min(1).optional(),
  WECHAT_API_BASE: z.url({ protocol: /^https?$/ }).optional(),
  WECHAT_TIMEOUT_MS: z.coerce.number().int().positive().default(5000),
  WECHAT_PAGE: z.string().regex(/^[A-Za-z0-9_\-/]+$/, 'a page path without leading / or query').refine((p) => !p.startsWith('/'), 'must not start with /').default('pages/login/login'),
  WECHAT_ENV_VERSION: z.enum(['release', 'trial', 'develop']).default('release'),
  WECHAT_CHECK_PATH: bool.default(true),
  WECHAT_CODE_WIDTH: z.coerce.number().int().min(280).max(1280).default(430),
  WECHAT_OPEN_LINK: z.enum(['url_link', 'scheme', 'off']).default('url_link'),

  EMULATOR_ACCOUNT_TYPE: z.enum(['organization', 'individual']).optional(),
  EMULATOR_VERIFIED: bool.optional(),
  EMULATOR_IP_WHITELIST: list.refine((ips) => ips.every((ip) => isIP(ip) !== 0), 'a comma-separated list of IP addresses').optional(),
  EMULATOR_RELEASED_PAGES: list.refine((pages) => pages.every((p) => p === 'none' || /^[A-Za-z0-9_\-]+(\/[A-Za-z0-9_\-]+)*$/.test(p)), 'comma-separated page paths without a leading / or query, or `none`').optional(),
  EMULATOR_CODE_FORMAT: z.enum(['jpeg', 'png']).optional(),
  EMULATOR_QUOTAS: bool.optional(),

  TICKET_TTL_SECONDS: seconds.default(180),
  INTERACTION_TTL_SECONDS: seconds.default(1800),
  STATUS_WAIT_SECONDS: z.coerce.number().int().min(1).max(60).default(25),
  STATUS_POLLS_PER_IP: z.coerce.number().int().min(0).default(100),
  CODE_LIMIT_PER_IP: z.coerce.number().int().min(0).default(60),
  CODE_LIMIT_PER_CLIENT: z.coerce.number().int().min(0).default(1000),
  CODE_LIMIT_TOTAL: z.coerce.number().int().min(0).default(4000),
  CODE_LIMIT_STORE_DOWN: z.enum(['open', 'closed']).default('open'),
  MP_RATE_LIMIT_PER_IP: z.coerce.number().int().min(1).default(120),
  PHONE_MONTHLY_CAP: z.coerce.number().int().min(0).default(0),
  ACCESS_TOKEN_TTL_SECONDS: seconds.default(3600),
  ID_TOKEN_TTL_SECONDS: seconds.default(3600),
  REFRESH_TOKEN_TTL_SECONDS: seconds.default(30 * 24 * 3600),
  SESSION_TTL_SECONDS: seconds.default(14 * 24 * 3600),
  GRANT_TTL_SECONDS: seconds.default(60 * 24 * 3600),
  ID_TOKEN_PROFILE_CLAIMS: bool.default(true),
  ACCOUNT_RETENTION_DAYS: z.coerce.number().int().min(0).default(0),
  ACCOUNT_RETENTION_SWEEP_SECONDS: seconds.default(3600),

  DEMO: bool.optional(),

  ADMIN_TOKEN: z.string().min(32, 'must be at least 32 characters').regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces (it travels in an HTTP header)').optional(),
  ADMIN_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  ADMIN_HOST: z.string().default('127.0.0.1'),
  ADMIN_PATH: z.string().regex(/^\/[A-Za-z0-9._~\/-]*[A-Za-z0-9._~-]$/, 'a path such as /admin (no trailing /)').default('/admin'),
  REGISTRATION_ENABLED: bool.default(false),
  METRICS_ON_MAIN_PORT: bool.default(false),
  WECHAT_PHONE_PRICE_YUAN: z.coerce.number().min(0).default(0.03),
  KEY_ACTIVATION_DELAY_SECONDS: z.coerce.number().int().min(0).default(3600),
  KEY_RETENTION_SECONDS: z.coerce.number().int().min(0).optional(),
  KEY_REFRESH_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
});

export type Env = z.infer<typeof envSchema>;
