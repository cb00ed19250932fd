import { readFileSync } from 'node:fs';
import type { Context } from 'koa';

/**
 * Page languages: zh-CN (the default, and the fallback for anything unknown) and en. Chosen by the
 * request's `ui_locales`, then `Accept-Language`. Every string shown to a person lives in
 * `locales/*.json`; templates and code only name keys.
 */
export type Lang = 'zh-CN' | 'en';
export const LANGS: readonly Lang[] = ['zh-CN', 'en'];
export type Translate = (key: string, vars?: Record<string, string | number>) => string;

const catalogs = Object.fromEntries(
  LANGS.map((lang) => [lang, JSON.parse(readFileSync(new URL(`../../locales/${lang}.json`, import.meta.url), 'utf8')) as Record<string, string>]),
) as Record<Lang, Record<string, string>>;

export function translator(lang: Lang): Translate {
  const catalog = catalogs[lang];
  return (key, vars) => {
    const text = catalog[key] ?? catalogs['zh-CN'][key] ?? key;
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
  return 'zh-CN';
}

function match(tag: string): Lang | undefined {
  const lower = tag.toLowerCase();
  if (lower === 'zh' || lower.startsWith('zh-')) return 'zh-CN';
  if (lower === 'en' || lower.startsWith('en-')) return 'en';
  return undefined;
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
