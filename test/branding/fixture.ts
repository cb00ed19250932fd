import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RP } from '../helpers/saoma.ts';

/** What a branded deployment in the tests looks like: the operator's settings and one website with its own look. */
export const LIGHT_LOGO = '<svg xmlns="http://www.w3.org/2000/svg" width="96" height="28" viewBox="0 0 96 28"><rect width="28" height="28" rx="7" fill="#1d4ed8"/><path d="M8 20l6-12 6 12" stroke="#fff" stroke-width="2.5" fill="none"/><text x="34" y="20" font-family="sans-serif" font-size="15" font-weight="700" fill="#1e3a8a">ACME</text></svg>';
export const DARK_LOGO = LIGHT_LOGO.replace('fill="#1e3a8a"', 'fill="#dbeafe"');

export const OPERATOR = {
  name: { 'zh-CN': '安可通行证', 'zh-TW': '安可通行證', en: 'Acme Pass' },
  logo: { light: 'logo-light.svg', dark: 'logo-dark.svg' },
  favicon: 'logo-light.svg',
  primary_color: '#1d4ed8',
  primary_color_dark: '#2563eb',
  stylesheet: 'extra.css',
  footer: { 'zh-CN': '安可科技 © 2026', 'zh-TW': '安可科技 © 2026', en: 'Acme Ltd © 2026' },
  icp_number: '京ICP备12345678号-1',
  public_security_number: '京公网安备11010502030143号',
  privacy_policy_uri: 'https://acme.example/privacy',
  terms_uri: 'https://acme.example/terms',
};

export const WEBSITE = {
  client_id: 'acme-shop',
  client_secret: 'acme-shop-secret-that-is-long-enough-0123',
  client_name: 'Acme Shop',
  client_uri: 'https://shop.acme.example',
  logo_uri: 'https://shop.acme.example/logo.png',
  policy_uri: 'https://shop.acme.example/privacy',
  tos_uri: 'https://shop.acme.example/terms',
  saoma_primary_color: '#b42318',
  redirect_uris: ['http://127.0.0.1:9/acme-shop'],
};

/** BRANDING_FILE and CLIENTS_FILE of a branded deployment (the test RP and the website above). */
export function brandedEnv(overrides: Record<string, unknown> = {}): Record<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'saoma-branded-'));
  writeFileSync(join(dir, 'logo-light.svg'), LIGHT_LOGO);
  writeFileSync(join(dir, 'logo-dark.svg'), DARK_LOGO);
  writeFileSync(join(dir, 'extra.css'), '.brand-name { letter-spacing: .02em; }\n');
  writeFileSync(join(dir, 'branding.json'), JSON.stringify({ ...OPERATOR, ...overrides }));
  writeFileSync(join(dir, 'clients.json'), JSON.stringify([
    { client_id: RP.client_id, client_secret: RP.client_secret, client_name: 'Test Shop', redirect_uris: [RP.redirect_uri], post_logout_redirect_uris: [RP.post_logout_redirect_uri] },
    WEBSITE,
  ]));
  return { BRANDING_FILE: join(dir, 'branding.json'), CLIENTS_FILE: join(dir, 'clients.json') };
}

/** The authorization request of the website above (PKCE), as its browser would send it. */
export function websiteAuthUrl(issuer: string, uiLocales?: string): string {
  const url = new URL('/auth', issuer);
  url.search = new URLSearchParams({
    client_id: WEBSITE.client_id, redirect_uri: WEBSITE.redirect_uris[0]!, response_type: 'code', scope: 'openid', state: 'st-1234567890',
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256', ...(uiLocales ? { ui_locales: uiLocales } : {}),
  }).toString();
  return url.href;
}
