import { AsyncLocalStorage } from 'node:async_hooks';
import type { Context, Middleware } from 'koa';
import type { Translate } from '../http/locale.ts';
import { ICP_SITE, type Branding } from './branding.ts';
import { websiteLook } from './website.ts';

/**
 * Every page saoma renders carries the operator's brand and legal footer. Rather than each route
 * passing them on, this middleware keeps the deployment's branding (and the request, whose
 * `state.client` names the website of a login page) for the request's whole async life, and the
 * one render helper (http/views.ts) asks `pageBrand` for the page's brand.
 */
const current = new AsyncLocalStorage<{ branding: Branding; ctx: Context }>();

export function brandPages(branding: Branding): Middleware {
  return (ctx, next) => current.run({ branding, ctx }, next);
}

export interface Link { href: string; text: string; testid: string }

/** What the layout and the login page show of the brand; every text is escaped by the templates. */
export interface PageBrand {
  name: string | undefined;
  logo: { light: string; dark: string | undefined } | undefined;
  favicon: string;
  stylesheets: string[];
  footer: string;
  /** ICP and public-security filing numbers, privacy policy and terms, in the footer. */
  legal: Link[];
  /** Links the person agrees to by signing in, said on the login page before the scan. */
  agreement: Link[];
}

/** The brand of the page being rendered, in its language (`t`). Outside a request: saoma's own. */
export function pageBrand(data: { t?: Translate; client?: { name?: string } }): PageBrand | undefined {
  const store = current.getStore();
  const t = data.t;
  if (!t) return undefined;
  const b = store?.branding;
  const lang = t('meta.lang');
  const name = b?.name?.[lang];
  const legal: Link[] = [];
  if (b?.icp) legal.push({ href: ICP_SITE, text: b.icp, testid: 'icp' });
  if (b?.publicSecurity) legal.push({ href: b.publicSecurity.href, text: b.publicSecurity.number, testid: 'public-security' });
  const policies: Link[] = [];
  if (b?.privacyPolicy) policies.push({ href: b.privacyPolicy, text: t('legal.privacy'), testid: 'privacy' });
  if (b?.terms) policies.push({ href: b.terms, text: t('legal.terms'), testid: 'terms' });
  const website = websiteLook(store?.ctx.state.client);
  const websiteName = data.client?.name ?? '';
  const websitePolicies: Link[] = [];
  if (website?.privacyPolicy) websitePolicies.push({ href: website.privacyPolicy, text: t('legal.website_privacy', { client: websiteName }), testid: 'website-privacy' });
  if (website?.terms) websitePolicies.push({ href: website.terms, text: t('legal.website_terms', { client: websiteName }), testid: 'website-terms' });
  const stylesheets = ['/assets/saoma.css'];
  if (b?.paletteSheet) stylesheets.push(b.paletteSheet);
  if (website?.colour && (b?.clientBranding ?? true)) stylesheets.push(`/assets/brand/website/${encodeURIComponent(website.id)}.css?c=${website.colour.slice(1)}`);
  if (b?.stylesheet) stylesheets.push(b.stylesheet);
  return {
    name,
    logo: b?.logo,
    favicon: b?.favicon ?? '/assets/favicon.svg',
    stylesheets,
    footer: b?.footer?.[lang] ?? t('footer', { name: name ?? 'saoma' }),
    legal: [...legal, ...policies],
    agreement: [...policies, ...websitePolicies],
  };
}
