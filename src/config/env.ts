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

/** One line of the configuration table: name, default and meaning. */
export const envDocs: Record<keyof Env, string> = {
  NODE_ENV: '`production` refuses the in-memory store, the emulator and generated cookie keys.',
  PORT: 'TCP port to listen on.',
  HOST: 'Address to bind.',
  ISSUER: 'Public issuer URL (default `http://localhost:$PORT`). Must be https in production.',
  TRUST_PROXY: 'Which proxies in front of saoma to believe (set it behind one): `false`; a hop count (`1`, `2`: the last n hops are proxies); `true` (the same as `1`, kept from when this was a yes/no switch); or a comma list of proxy addresses and CIDRs, with `loopback`, `linklocal`, `uniquelocal` (proxy-addr\'s rules, as in Express). The client address is the first one in `X-Forwarded-For` that is not a trusted proxy, read from the right; `X-Forwarded-Proto` / `-Host` count only on a connection from a trusted proxy. See docs/operations.md.',
  HSTS_MAX_AGE_SECONDS: 'With an https ISSUER, every answer carries `Strict-Transport-Security: max-age=<this>` (no `includeSubDomains`). `0` tells browsers to forget it.',
  CONNECTIONS_PER_IP: 'Most open connections one address may hold (long-polls keep theirs open); one more is answered 429 and closed at once. Connections from trusted proxies (TRUST_PROXY) are not counted: cap those at the proxy. `0`: no cap.',
  CLIENTS_FILE: 'JSON array of OIDC client metadata, read and validated at start.',
  BRANDING_FILE: 'JSON file of the operator\'s look of every page: product name, logo, colour, favicon, extra stylesheet, footer, ICP and public-security filing numbers, privacy policy and terms (docs/branding.md). Checked at start: every problem is named and saoma does not start. Unset: saoma\'s own look.',
  COOKIE_KEYS: 'Comma-separated cookie signing keys (newest first, each ≥ 32 characters). Required in production; generated and kept in the store otherwise.',
  LOG_LEVEL: 'pino log level.',
  REDIS_URL: 'Standalone Redis URL. Without any REDIS_* setting the in-memory store is used.',
  REDIS_SENTINELS: 'Comma-separated `host:port` of Sentinels (with REDIS_SENTINEL_NAME).',
  REDIS_SENTINEL_NAME: 'Name of the Sentinel-monitored master.',
  REDIS_CLUSTER_NODES: 'Comma-separated `host:port` seed nodes of a Redis Cluster.',
  REDIS_KEY_PREFIX: 'Prefix of every key and channel, so deployments can share a Redis.',
  REDIS_COMMAND_TIMEOUT_MS: 'A Redis command that takes longer fails with 503 instead of hanging.',
  WECHAT_APPID: 'Mini-program AppID. Without it the built-in WeChat emulator is used.',
  WECHAT_SECRET: 'Mini-program AppSecret (required with WECHAT_APPID).',
  WECHAT_API_BASE: 'WeChat API base URL. Default `https://api.weixin.qq.com`; with the emulator, this server itself (set it to use an emulator running on its own).',
  WECHAT_TIMEOUT_MS: 'Timeout of every WeChat call.',
  WECHAT_PAGE: 'Mini-program page the code opens (no leading `/`).',
  WECHAT_ENV_VERSION: '`release`, `trial` or `develop`: which mini-program version the code opens. `trial` until the first release (only the trial version\'s testers can open it), then `release` (docs/go-live.md, step 7).',
  WECHAT_CHECK_PATH: 'Whether WeChat checks that the page exists in the released version (if not, it refuses the code with 41030). `false` only until the page is released, together with `WECHAT_ENV_VERSION=trial`; `false` with `release` opens a version without the page.',
  WECHAT_CODE_WIDTH: 'Code image width in pixels (280–1280).',
  WECHAT_OPEN_LINK: 'How the login page on a phone browser opens the mini-program ("Open WeChat to sign in"): `url_link` (an https link from `wxa/generate_urllink`, one call per code, on tap), `scheme` (the plaintext `weixin://dl/business/` scheme, no API call; declare the page in the mini-program console first) or `off` (no button). Individual (个人主体) mini-programs can do neither: WeChat answers `url_link` with 40002, after which saoma hides the button for the whole deployment (remembered in the store) and logs one warning; set `off` for them.',
  EMULATOR_ACCOUNT_TYPE: 'Built-in emulator only: the emulated mini-program\'s account, `organization` (default) or `individual` (个人主体: no URL Link, answered 40002; no phone numbers, answered 48001).',
  EMULATOR_VERIFIED: 'Built-in emulator only: whether the emulated mini-program is verified (微信认证, default true); phone numbers need a verified organisation.',
  EMULATOR_IP_WHITELIST: 'Built-in emulator only: comma-separated API IP whitelist; WeChat calls from any other address get 40164. Default: none (no check).',
  EMULATOR_RELEASED_PAGES: 'Built-in emulator only: comma-separated pages of the released version (`none`: never released); a code for another page with `check_path` gets 41030. Default: the pages of `miniprogram/app.json`.',
  EMULATOR_CODE_FORMAT: 'Built-in emulator only: `jpeg` (default, as WeChat) or `png` code images; both labelled `image/jpeg`, as WeChat labels them.',
  EMULATOR_QUOTAS: 'Built-in emulator only: apply WeChat\'s rate limits (45009 at 5,000 codes a minute, 45011 at 100 jscode2session a user a minute, forced token refreshes, the URL Link daily cap). Default false.',
  TICKET_TTL_SECONDS: 'Lifetime of one login code (never beyond the interaction).',
  INTERACTION_TTL_SECONDS: 'Lifetime of a login page (the OIDC interaction).',
  STATUS_WAIT_SECONDS: 'How long a status long-poll waits before answering unchanged.',
  STATUS_POLLS_PER_IP: 'Most status long-polls one client address may hold waiting in one process (one per login page: a newer poll of the same page answers the older at once); one more is answered 429 `rate_limited`. `0`: no cap.',
  CODE_LIMIT_PER_IP: 'Login codes (each a `getwxacodeunlimit` call) one browser address may draw per minute; more answer 429 `rate_limited` with Retry-After and the page says "try again in N seconds". `0`: no limit.',
  CODE_LIMIT_PER_CLIENT: 'Login codes one client (website) may draw per minute, over all addresses. `0`: no limit.',
  CODE_LIMIT_TOTAL: 'Login codes the whole deployment may draw per minute (counted in the store, over every process); keep it below WeChat\'s 5,000 a minute, which answers 45009 beyond. `0`: no limit.',
  CODE_LIMIT_STORE_DOWN: 'When the store cannot count codes: `open` draws the code anyway (the limits lapse while the store is down), `closed` answers 503 `unavailable` with Retry-After. Never a 500.',
  MP_RATE_LIMIT_PER_IP: 'Mini-program API (`/mp/*`) requests one address may make per minute; raise it where carrier NAT puts many phones behind one address.',
  PHONE_MONTHLY_CAP: 'Phone numbers (billed `getuserphonenumber` calls) the deployment fetches per calendar month (China time); once reached, the mini-program does not offer the phone button and logins complete without a phone number. `0`: no cap.',
  ACCESS_TOKEN_TTL_SECONDS: 'Access token lifetime.',
  ID_TOKEN_TTL_SECONDS: 'ID token lifetime.',
  REFRESH_TOKEN_TTL_SECONDS: 'Refresh token lifetime.',
  SESSION_TTL_SECONDS: 'Browser session lifetime at the provider.',
  GRANT_TTL_SECONDS: 'Grant lifetime; raised to at least the refresh token lifetime.',
  ID_TOKEN_PROFILE_CLAIMS: 'Put the granted profile and phone claims (`nickname`, `picture`, `phone_number`, `phone_number_verified`) in the ID token as well as at userinfo. `false`: the ID token carries only `sub` (and the protocol claims). A client\'s `id_token_profile_claims` metadata overrides it.',
  ACCOUNT_RETENTION_DAYS: 'Delete accounts unused for this many days (no sign-in and no website using their tokens), by the same path as `saoma accounts delete`: the account, its WeChat links, phone number, avatar, sessions, grants and tokens go, and the person signing in again starts as a new account with a new `sub`. `0`: never (the default). See docs/privacy.md.',
  ACCOUNT_RETENTION_SWEEP_SECONDS: 'How often one process of the deployment looks for accounts past ACCOUNT_RETENTION_DAYS (the processes share the work through the store: one sweeps per period).',
  DEMO: 'Serve the demo client and relying party at `/demo` (default on outside production).',
  ADMIN_TOKEN: 'Bearer token of the admin API (at least 32 characters). Without it the admin API is not served at all.',
  ADMIN_PORT: 'Serve the admin API on this port of its own (bound to ADMIN_HOST) instead of under ADMIN_PATH on PORT.',
  ADMIN_HOST: 'Address the admin port binds (with ADMIN_PORT).',
  ADMIN_PATH: 'Path prefix of the admin API, on PORT or on ADMIN_PORT.',
  REGISTRATION_ENABLED: 'Dynamic Client Registration (RFC 7591/7592) at `/reg`, for holders of an initial access token made with the admin API or `saoma registration token`.',
  METRICS_ON_MAIN_PORT: 'Also serve `/metrics` on PORT (still behind the admin token), for a scraper that cannot reach the admin listener. Without it the metrics are only at `ADMIN_PATH/metrics` on the admin listener.',
  WECHAT_PHONE_PRICE_YUAN: 'What WeChat charges per phone number fetched, in yuan (0.03 for the quick check since 2023-08-28); the metrics price phone numbers with it.',
  KEY_ACTIVATION_DELAY_SECONDS: 'After `saoma keys rotate`, how long a new signing key is only published before it signs (so relying parties\' JWKS caches pick it up).',
  KEY_RETENTION_SECONDS: 'How long a replaced signing key stays published after it stops signing (default: the ID token lifetime plus 5 minutes).',
  KEY_REFRESH_SECONDS: 'How often each process re-reads the signing keys, in case it missed the news of a rotation (and puts back the keys it holds if the store lost them).',
};
