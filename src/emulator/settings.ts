import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * How the emulated mini-program is set up in WeChat's console, so development and tests meet what
 * a real deployment meets. The defaults are the kindest WeChat: a verified organisation account,
 * no IP whitelist, the pages of `miniprogram/app.json` released, JPEG codes, no quotas.
 */
export interface EmulatorSettings {
  /** 个人主体 (`individual`) mini-programs cannot make URL Links or schemes, nor read phone numbers. */
  account_type: 'organization' | 'individual';
  /** 微信认证: phone numbers need a verified non-individual account. */
  verified: boolean;
  /** The console's API IP whitelist; empty means no whitelist (every caller is accepted). */
  ip_whitelist: string[];
  /** Pages of the released version: with `check_path` (WeChat's default) a code opens only these. Empty: never released. */
  released_pages: string[];
  /** What getwxacodeunlimit draws. WeChat labels either `image/jpeg`; `is_hyaline` always gives PNG. */
  code_format: 'jpeg' | 'png';
  /** Whether WeChat's rate limits apply (off by default, so tests and benchmarks are not throttled). */
  quotas: boolean;
  /** The limits applied when `quotas` is on: WeChat's by default, smaller in tests. */
  quota_limits: QuotaLimits;
}

export interface QuotaLimits {
  /** getwxacodeunlimit calls a minute per mini-program (45009). */
  getwxacodeunlimit_per_minute: number;
  /** jscode2session calls a minute per WeChat user (45011). */
  jscode2session_per_user_per_minute: number;
  /** stable_token calls with force_refresh a day (45009). */
  force_refresh_per_day: number;
  /** Seconds between two forced refreshes; a forced call sooner returns the current token unchanged. */
  force_refresh_interval_seconds: number;
  /** generate_urllink calls a day (45009). */
  url_links_per_day: number;
}

/** A partial update, as POST /emulator/settings and `createEmulator({ settings })` take it. */
export type EmulatorSettingsUpdate = Partial<Omit<EmulatorSettings, 'quota_limits'>> & { quota_limits?: Partial<QuotaLimits> };

export const WECHAT_QUOTA_LIMITS: QuotaLimits = {
  getwxacodeunlimit_per_minute: 5000,
  jscode2session_per_user_per_minute: 100,
  force_refresh_per_day: 20,
  force_refresh_interval_seconds: 30,
  url_links_per_day: 500_000,
};

/** A page path as WeChat takes it: no leading `/`, no query. */
export const PAGE_PATTERN = /^[A-Za-z0-9_\-]+(\/[A-Za-z0-9_\-]+)*$/;

/** The pages of the companion mini-program, as released by default; saoma's default page if the file is missing. */
export function appJsonPages(): string[] {
  try {
    const app = JSON.parse(readFileSync(new URL('../../miniprogram/app.json', import.meta.url), 'utf8')) as { pages?: unknown };
    if (Array.isArray(app.pages) && app.pages.every((p) => typeof p === 'string')) return app.pages as string[];
  } catch {
    // a deployment without the mini-program's sources
  }
  return ['pages/login/login'];
}

export function defaultSettings(): EmulatorSettings {
  return {
    account_type: 'organization',
    verified: true,
    ip_whitelist: [],
    released_pages: appJsonPages(),
    code_format: 'jpeg',
    quotas: false,
    quota_limits: { ...WECHAT_QUOTA_LIMITS },
  };
}

const count = z.number().int().min(0).max(100_000_000);
const updateSchema = z.strictObject({
  account_type: z.enum(['organization', 'individual']),
  verified: z.boolean(),
  ip_whitelist: z.array(z.string().refine((ip) => isIP(ip) !== 0, 'must be IP addresses')).max(200),
  released_pages: z.array(z.string().regex(PAGE_PATTERN, 'must be page paths without a leading / or a query')).max(1000),
  code_format: z.enum(['jpeg', 'png']),
  quotas: z.boolean(),
  quota_limits: z.strictObject({
    getwxacodeunlimit_per_minute: count,
    jscode2session_per_user_per_minute: count,
    force_refresh_per_day: count,
    force_refresh_interval_seconds: count,
    url_links_per_day: count,
  }).partial(),
}).partial();

/** The settings after `update`, or every problem with it in one message (field: reason; …). */
export function applySettings(current: EmulatorSettings, update: unknown): { ok: true; settings: EmulatorSettings } | { ok: false; message: string } {
  const parsed = updateSchema.safeParse(update);
  if (!parsed.success) {
    return { ok: false, message: parsed.error.issues.map((issue) => `${issue.path.join('.') || 'settings'}: ${issue.message}`).join('; ') };
  }
  const { quota_limits, ...rest } = parsed.data;
  const settings: EmulatorSettings = { ...current, ...stripUndefined(rest), quota_limits: { ...current.quota_limits, ...stripUndefined(quota_limits ?? {}) } };
  return { ok: true, settings };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The EMULATOR_* variables of the built-in emulator, already checked by the config schema. */
export interface EmulatorEnv {
  EMULATOR_ACCOUNT_TYPE?: 'organization' | 'individual' | undefined;
  EMULATOR_VERIFIED?: boolean | undefined;
  EMULATOR_IP_WHITELIST?: string[] | undefined;
  EMULATOR_RELEASED_PAGES?: string[] | undefined;
  EMULATOR_CODE_FORMAT?: 'jpeg' | 'png' | undefined;
  EMULATOR_QUOTAS?: boolean | undefined;
}

export function settingsFromEnv(env: EmulatorEnv): EmulatorSettingsUpdate {
  const update: EmulatorSettingsUpdate = {};
  if (env.EMULATOR_ACCOUNT_TYPE !== undefined) update.account_type = env.EMULATOR_ACCOUNT_TYPE;
  if (env.EMULATOR_VERIFIED !== undefined) update.verified = env.EMULATOR_VERIFIED;
  if (env.EMULATOR_IP_WHITELIST !== undefined) update.ip_whitelist = env.EMULATOR_IP_WHITELIST;
  // `none`: a mini-program that has never been released.
  if (env.EMULATOR_RELEASED_PAGES !== undefined) update.released_pages = env.EMULATOR_RELEASED_PAGES.filter((page) => page !== 'none');
  if (env.EMULATOR_CODE_FORMAT !== undefined) update.code_format = env.EMULATOR_CODE_FORMAT;
  if (env.EMULATOR_QUOTAS !== undefined) update.quotas = env.EMULATOR_QUOTAS;
  return update;
}
