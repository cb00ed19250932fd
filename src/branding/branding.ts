import type { Lang } from '../http/locale.ts';
import type { Palette } from './colours.ts';

/** A file of the operator's, served by saoma itself under `/assets/brand/<name>`. */
export interface BrandFile { type: string; body: Buffer }

/**
 * The operator's look of every page saoma serves, checked at start (load.ts). Texts are given per
 * language; addresses are https URLs or saoma's own `/assets/brand/…` paths.
 */
export interface Branding {
  /** The product name, per language: in the page title and at the top of every card. */
  name: Record<Lang, string> | undefined;
  /** The footer line, per language (default: "Secure sign-in by <name or saoma>"). */
  footer: Record<Lang, string> | undefined;
  logo: { light: string; dark: string | undefined } | undefined;
  favicon: string | undefined;
  /** The brand colour's palette, served as `/assets/brand/palette.css`. */
  palette: Palette | undefined;
  /** Its stylesheet's address (`/assets/brand/palette.css?v=…`). */
  paletteSheet: string | undefined;
  /** The operator's extra stylesheet's address, when there is one. */
  stylesheet: string | undefined;
  /** ICP filing number (ICP备案号), linked to https://beian.miit.gov.cn/. */
  icp: string | undefined;
  /** Public-security filing number (公安备案号) and its record's page. */
  publicSecurity: { number: string; href: string } | undefined;
  privacyPolicy: string | undefined;
  terms: string | undefined;
  /** Whether a website's own colour (`saoma_primary_color`) replaces the operator's on its pages. */
  clientBranding: boolean;
  files: Map<string, BrandFile>;
}

export const ICP_SITE = 'https://beian.miit.gov.cn/';

/** saoma's own look: nothing configured. */
export function defaultBranding(): Branding {
  return {
    name: undefined, footer: undefined, logo: undefined, favicon: undefined, palette: undefined, paletteSheet: undefined, stylesheet: undefined,
    icp: undefined, publicSecurity: undefined, privacyPolicy: undefined, terms: undefined, clientBranding: true, files: new Map(),
  };
}

/** The record page of a public-security filing number: its digits are the record's code. */
export function publicSecurityHref(number: string): string {
  const code = /\d{6,}/.exec(number)?.[0] ?? '';
  return `https://beian.mps.gov.cn/#/query/webSearch?code=${code}`;
}
