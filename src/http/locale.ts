import { readdirSync, readFileSync } from 'node:fs';
import type { Context } from 'koa';

/**
 * Page languages: one file each in `locales/` (`<tag>.json`), found at start, so adding a language
 * is adding its file. zh-CN is the default, and the fallback for anything unknown. A language is
 * chosen by the request's `ui_locales`, then `Accept-Language`: a tag matches a file of the same
 * name, then any tag its `meta.matches` lists (lower-case prefixes, e.g. `zh-hk`, `zh-hant`), then
 * the file whose primary subtag it shares (`en-GB` → en). Every string shown to a person lives in
 * the locale files; templates and code only name keys.
 */
export type Lang = string;
const LOCALES = new URL('../../locales/', import.meta.url);
export const DEFAULT_LANG = 'zh-CN';
export const LANGS: readonly Lang[] = readdirSync(LOCALES).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5))
  .sort((a, b) => (a === DEFAULT_LANG ? -1 : b === DEFAULT_LANG ? 1 : a.localeCompare(b)));
export type Translate = (key: string, vars?: Record<string, string | number>) => string;

export const catalogs: Record<Lang, Record<string, string>> = Object.fromEntries(
  LANGS.map((lang) => [lang, JSON.parse(readFileSync(new URL(`${lang}.json`, LOCALES), 'utf8')) as Record<string, string>]),
);

/** Every key one locale file has and another lacks, as start-up problems (see branding/load.ts). */
export function missingLocaleKeys(all: Record<Lang, Record<string, unknown>> = catalogs): string[] {
  const keys = new Set(Object.values(all).flatMap((catalog) => Object.keys(catalog)));
  return Object.entries(all).flatMap(([lang, catalog]) => [...keys].filter((key) => !(key in catalog)).map((key) => `locales/${lang}.json: missing key "${key}"`));
}

export function translator(lang: Lang): Translate {
  const catalog = catalogs[lang] ?? catalogs[DEFAULT_LANG]!;
  return (key, vars) => {
    const text = catalog[key] ?? catalogs[DEFAULT_LANG]![key] ?? key;
    return vars ? text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in vars ? String(vars[name]) : whole)) : text;
  };
}

/**
 * The first of the `ui_locales` saoma speaks, else the first of the accepted languages (Koa's
 * `ctx.acceptsLanguages()`: the Accept-Language tags by preference, q=0 left out), else zh-CN.
 */
export function chooseLang(uiLocales: string | undefined, accepted: readonly string[]): Lang {
  for (const tag of [...(uiLocales ?? '').split(/\s+/).filter(Boolean), ...accepted]) {
    const lang = match(tag);
    if (lang) return lang;
  }
  return DEFAULT_LANG;
}

/** `meta.matches`: the tags (lower case, each also a prefix of longer tags) a file answers for. */
function matches(lang: Lang): string[] {
  return (catalogs[lang]?.['meta.matches'] ?? '').split(',').map((t) => t.trim().toLowerCase()).filter(Boolean);
}

function match(tag: string): Lang | undefined {
  const lower = tag.toLowerCase();
  const exact = LANGS.find((lang) => lang.toLowerCase() === lower);
  if (exact) return exact;
  const listed = LANGS.find((lang) => matches(lang).some((m) => lower === m || lower.startsWith(`${m}-`)));
  if (listed) return listed;
  const primary = lower.split('-')[0];
  // A primary subtag alone picks the default of its family first (zh → zh-CN), then any file of it.
  return LANGS.find((lang) => lang.toLowerCase().split('-')[0] === primary);
}

/**
 * The cookie that remembers, for one login page's path only, the language that page was shown
 * in: the page's later answers (an error after the interaction ended, the back button) no longer
 * know the request's `ui_locales`, and should not switch language.
 */
export const LANG_COOKIE = 'saoma_lang';

export function pageLocale(ctx: Context, uiLocales?: string): { lang: Lang; t: Translate } {
  const fromOidc = (ctx as Context & { oidc?: { params?: { ui_locales?: unknown } } }).oidc?.params?.ui_locales;
  const remembered = ctx.cookies.get(LANG_COOKIE);
  const asked = uiLocales ?? (typeof fromOidc === 'string' ? fromOidc : undefined) ?? ctx.query.ui_locales?.toString() ?? (LANGS.includes(remembered as Lang) ? remembered : undefined);
  const lang = chooseLang(asked, ctx.acceptsLanguages());
  return { lang, t: translator(lang) };
}

/** Remembers the page's language for the rest of this login page's life (see LANG_COOKIE). */
export function rememberLang(ctx: Context, lang: Lang, path: string, maxAgeMs: number): void {
  ctx.cookies.set(LANG_COOKIE, lang, { path, maxAge: maxAgeMs, httpOnly: true, sameSite: 'lax', secure: ctx.secure, signed: false, overwrite: true });
}
