import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { LANGS, missingLocaleKeys, type Lang } from '../http/locale.ts';
import { defaultBranding, publicSecurityHref, type BrandFile, type Branding } from './branding.ts';
import { contrastProblems, HEX, paletteCss, paletteOf } from './colours.ts';
import { sniffImage } from './images.ts';
import { stylesheetProblems } from './stylesheet.ts';

const MAX_IMAGE_BYTES = 512 * 1024;
const MAX_CSS_BYTES = 128 * 1024;

/** A text for every language, or one text for all of them. */
const text = z.union([z.string().trim().min(1).max(200), z.record(z.string(), z.string().trim().min(1).max(200))]);
/** An https URL, or a file (relative to the branding file) saoma serves itself. */
const source = z.string().min(1).max(2048);
const https = z.url({ protocol: /^https$/, error: 'must be an https URL' }).max(2048);
const colour = z.string().regex(HEX, 'must be a colour written #rrggbb');

export const brandingSchema = z.strictObject({
  name: text.optional(),
  logo: z.union([source, z.strictObject({ light: source, dark: source.optional() })]).optional(),
  favicon: source.optional(),
  primary_color: colour.optional(),
  primary_color_dark: colour.optional(),
  stylesheet: source.optional(),
  footer: text.optional(),
  icp_number: z.string().trim().min(1).max(64).optional(),
  public_security_number: z.string().trim().max(64).regex(/\d{6,}/, 'must contain the record\'s number (e.g. 京公网安备11010502030143号)').optional(),
  privacy_policy_uri: https.optional(),
  terms_uri: https.optional(),
  client_branding: z.boolean().default(true),
});

type Problem = (setting: string, message: string) => void;

/**
 * Reads and checks the branding file (BRANDING_FILE) and the locale files, adding every problem,
 * each naming its setting, to `problems`: saoma then refuses to start rather than serve a
 * broken or unreadable page. No file: saoma's own look.
 */
export function loadBranding(file: string | undefined, problems: string[]): Branding {
  problems.push(...missingLocaleKeys());
  const branding = defaultBranding();
  if (file === undefined) return branding;
  const where = `BRANDING_FILE (${file})`;
  const problem: Problem = (setting, message) => problems.push(`${where} ${setting}: ${message}`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    problems.push(`${where}: ${code ? `cannot read: ${code}` : `not valid JSON: ${(err as Error).message}`}`);
    return branding;
  }
  const parsed = brandingSchema.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problem(issue.path.join('.') || '(file)', issue.message);
    return branding;
  }
  const s = parsed.data;
  const base = dirname(resolve(file));
  branding.name = perLanguage('name', s.name, problem);
  branding.footer = perLanguage('footer', s.footer, problem);
  const logo = typeof s.logo === 'string' ? { light: s.logo, dark: undefined } : s.logo;
  if (logo) {
    const light = served(branding.files, 'logo', logo.light, base, 'image', problem, 'logo-light');
    const dark = logo.dark === undefined ? undefined : served(branding.files, 'logo.dark', logo.dark, base, 'image', problem, 'logo-dark');
    if (light) branding.logo = { light, dark };
  }
  if (s.favicon) branding.favicon = served(branding.files, 'favicon', s.favicon, base, 'image', problem, 'favicon');
  if (s.stylesheet) branding.stylesheet = served(branding.files, 'stylesheet', s.stylesheet, base, 'css', problem, 'extra');
  if (s.primary_color_dark && !s.primary_color) problem('primary_color_dark', 'needs primary_color too');
  if (s.primary_color) {
    const found = contrastProblems(s.primary_color_dark ? 'primary_color, primary_color_dark' : 'primary_color', s.primary_color, s.primary_color_dark);
    problems.push(...found.map((p) => `${where} ${p}`));
    if (!found.length) {
      branding.palette = paletteOf(s.primary_color, s.primary_color_dark);
      branding.paletteSheet = addFile(branding.files, 'palette', 'css', { type: 'text/css; charset=utf-8', body: Buffer.from(paletteCss(branding.palette)) });
    }
  }
  branding.icp = s.icp_number;
  branding.publicSecurity = s.public_security_number ? { number: s.public_security_number, href: publicSecurityHref(s.public_security_number) } : undefined;
  branding.privacyPolicy = s.privacy_policy_uri;
  branding.terms = s.terms_uri;
  branding.clientBranding = s.client_branding;
  return branding;
}

/** One text for every language, or exactly one per language saoma has (none missing, none unknown). */
function perLanguage(setting: string, value: string | Record<string, string> | undefined, problem: Problem): Record<Lang, string> | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return Object.fromEntries(LANGS.map((lang) => [lang, value]));
  for (const lang of LANGS) if (!(lang in value)) problem(`${setting}.${lang}`, `missing; give the text in every language (${LANGS.join(', ')}) or one text for all`);
  for (const key of Object.keys(value)) if (!LANGS.includes(key)) problem(`${setting}.${key}`, `saoma has no such language (${LANGS.join(', ')})`);
  return value;
}

/**
 * An https URL as it is, or a file read now, checked, and served as `/assets/brand/<name>.<ext>`
 * (with its content's hash, so browsers never keep an old logo). Anything else is a problem.
 */
function served(files: Map<string, BrandFile>, setting: string, value: string, base: string, kind: 'image' | 'css', problem: Problem, name: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(value) || value.startsWith('//')) {
    if (kind === 'css') return void problem(setting, 'must be a file saoma serves itself (the pages load styles only from saoma\'s origin)');
    if (!value.startsWith('https://') || !URL.canParse(value)) return void problem(setting, `${value.slice(0, 80)} must be an https URL or a file`);
    return value;
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(resolve(base, value));
  } catch (err) {
    return void problem(setting, `cannot read ${value}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (bytes.length > (kind === 'css' ? MAX_CSS_BYTES : MAX_IMAGE_BYTES)) return void problem(setting, `${value} is larger than ${kind === 'css' ? '128' : '512'} KB`);
  if (kind === 'css') {
    for (const trouble of stylesheetProblems(bytes.toString('utf8'))) problem(setting, `${value} ${trouble}`);
    return addFile(files, name, 'css', { type: 'text/css; charset=utf-8', body: bytes });
  }
  const image = sniffImage(bytes);
  if (typeof image === 'string') return void problem(setting, `${value} ${image}`);
  return addFile(files, name, image.ext, { type: image.type, body: bytes });
}

function addFile(files: Map<string, BrandFile>, name: string, ext: string, file: BrandFile): string {
  files.set(`${name}.${ext}`, file);
  return `/assets/brand/${name}.${ext}?v=${createHash('sha256').update(file.body).digest('hex').slice(0, 10)}`;
}
