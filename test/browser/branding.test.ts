import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { SCREENSHOTS } from '../helpers/chromium.ts';
import type { RunningSaoma } from '../helpers/saoma.ts';
import { brandedEnv, OPERATOR, WEBSITE, websiteAuthUrl } from '../branding/fixture.ts';
import {
  assertContrast, assertNoSidewaysScroll, contextOptions, demoConsentUrl, holdCompletion, phoneConfirms, phoneScans, sceneOnScreen, shot, signInFromDemo, strings,
  withBrowser, type Lang, type Size,
} from './pages.ts';

/**
 * A branded deployment (test/branding/fixture.ts), in each language: the operator's name, logo,
 * colour, ICP and public-security links and policy links on the login, consent, sign-out,
 * signed-out and error pages, and a website's own logo, colour and policy links on its login
 * page. The branded login page is photographed (desktop and phone, light and dark) for
 * docs/branding.md: `UPDATE_DOC_SCREENSHOTS=1` copies the pictures into docs/images/.
 */
const BLUE = 'rgb(29, 78, 216)';
/**
 * Each language, and how the browser asks for it: the photographed login pages by `locale` (and
 * the website's `ui_locales` over a Chinese browser, for en); the walk through the other pages by
 * `walk` alone, since sign-out pages know no ui_locales.
 */
const WAYS: { lang: Lang; locale: string; uiLocales?: string; walk: string }[] = [
  { lang: 'zh-CN', locale: 'zh-CN', walk: 'zh-CN' },
  { lang: 'zh-TW', locale: 'zh-HK', walk: 'zh-TW' },
  { lang: 'en', locale: 'zh-CN', uiLocales: 'en', walk: 'en-GB' },
];

/**
 * The operator's brand and legal footer on whatever page is showing, in the operator's colour for
 * the colour scheme in use, or in `colour` where a website's own colour replaces it.
 */
async function assertBranded(page: Page, lang: Lang, what: string, colour?: string): Promise<void> {
  const t = strings[lang];
  assert.equal(await page.getAttribute('html', 'lang'), lang, what);
  assert.equal(await page.getByTestId('brand-name').textContent(), OPERATOR.name[lang], `${what}: the product name, as text`);
  assert.ok((await page.title()).endsWith(` · ${OPERATOR.name[lang]}`), `${what}: the title`);
  // A switch of colour scheme loads the other logo: wait for it rather than read a half-loaded image.
  const logo = await page.waitForFunction(() => {
    const img = document.querySelector<HTMLImageElement>('[data-testid="brand-logo"]');
    return img?.complete && img.naturalWidth > 0 ? img.currentSrc : false;
  });
  const logoLoaded = String(await logo.jsonValue());
  assert.match(logoLoaded, /\/assets\/brand\/logo-(light|dark)\.svg\?v=/, `${what}: the logo, from saoma's origin`);
  assert.equal(await page.getByTestId('footer-line').textContent(), OPERATOR.footer[lang]);
  const link = async (id: string) => page.getByTestId(id).evaluate((a: HTMLAnchorElement) => [a.href, a.textContent]);
  assert.deepEqual(await link('icp'), ['https://beian.miit.gov.cn/', OPERATOR.icp_number], `${what}: the ICP number, linked to the filing site`);
  assert.deepEqual(await link('public-security'), ['https://beian.mps.gov.cn/#/query/webSearch?code=11010502030143', OPERATOR.public_security_number]);
  assert.deepEqual(await link('privacy'), [OPERATOR.privacy_policy_uri, t['legal.privacy']]);
  assert.deepEqual(await link('terms'), [OPERATOR.terms_uri, t['legal.terms']]);
  const dark = await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches);
  assert.equal(await accent(page), colour ?? (dark ? OPERATOR.primary_color_dark : OPERATOR.primary_color), `${what}: the brand colour`);
  await assertNoSidewaysScroll(page, what);
  await assertContrast(page, what);
}

/** The brand colour in use: the page's accent custom property. */
async function accent(page: Page): Promise<string> {
  return page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--accent').trim());
}

describe('a branded deployment, in zh-CN, zh-TW and en', () => {
  let saoma: RunningSaoma;
  let chromium: Browser;
  let phone: Page;
  withBrowser(() => brandedEnv(), (rig) => ({ saoma, chromium, phone } = rig));
  const photographed: string[] = [];

  async function photographLogin(lang: Lang, size: Size, locale: string, uiLocales?: string): Promise<void> {
    const context = await chromium.newContext(contextOptions(size, { locale }));
    const page = await context.newPage();
    await signInFromDemo(page, saoma, uiLocales);
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await assertBranded(page, lang, `login, ${size}, ${scheme}`);
      const logo = await page.getByTestId('brand-logo').evaluate((img: HTMLImageElement) => img.currentSrc);
      assert.match(logo, scheme === 'dark' ? /logo-dark/ : /logo-light/, `the ${scheme} logo`);
      const name = `branding-${lang}-${size}-${scheme}`;
      await shot(page, name);
      photographed.push(name);
    }
    await context.close();
  }

  for (const { lang, locale, uiLocales, walk } of WAYS) {
    it(`${lang}: login (photographed on a desktop and a phone, light and dark), consent, sign out, signed out and an error, all branded`, async () => {
      const t = strings[lang];
      await photographLogin(lang, 'phone', locale, uiLocales);
      await photographLogin(lang, 'desktop', locale, uiLocales);

      const context = await chromium.newContext(contextOptions('desktop', { locale: walk }));
      const desk = await context.newPage();
      await signInFromDemo(desk, saoma);
      // Before the scan, the page says what signing in agrees to, with the operator's links.
      const agreement = desk.getByTestId('agreement');
      assert.ok((await agreement.textContent())!.startsWith(t['legal.agree']!));
      assert.equal(await desk.getByTestId('agree-privacy').getAttribute('href'), OPERATOR.privacy_policy_uri);
      assert.equal(await desk.getByTestId('agree-terms').getAttribute('href'), OPERATOR.terms_uri);
      assert.equal(await desk.getByTestId('agree-privacy').evaluate((a) => getComputedStyle(a).color), BLUE, 'links in the brand colour');
      const scene = await sceneOnScreen(desk);
      await phoneScans(phone, saoma, scene, `brand-${lang}`);
      const held = await holdCompletion(desk);
      await phoneConfirms(phone);
      await held.submitted();
      await held.release();
      await desk.getByTestId('signed-in').waitFor();

      const consent = demoConsentUrl(saoma);
      await desk.goto(consent.href);
      await desk.getByTestId('allow').waitFor();
      await assertBranded(desk, lang, 'consent');
      assert.equal(await desk.getByTestId('allow').evaluate((b) => getComputedStyle(b).backgroundColor), BLUE, 'the button in the brand colour');
      await desk.getByTestId('allow').click();
      await desk.waitForURL(/\/demo/);

      await desk.goto(`${saoma.issuer}/session/end`);
      await desk.getByTestId('logout-yes').waitFor();
      await assertBranded(desk, lang, 'sign out');
      await desk.getByTestId('logout-yes').click();
      await desk.getByTestId('signed-out').waitFor();
      await assertBranded(desk, lang, 'signed out');

      const bad = new URL(consent);
      bad.searchParams.set('redirect_uri', 'https://elsewhere.example/cb');
      await desk.goto(bad.href);
      assert.equal(await desk.getByTestId('error').getAttribute('data-code'), 'invalid_redirect_uri');
      await assertBranded(desk, lang, 'error');
      await context.close();
    });
  }

  it('a website\'s own logo, colour and policy links on its login page', async () => {
    const context = await chromium.newContext(contextOptions('desktop', { locale: 'en' }));
    const desk = await context.newPage();
    // The website's logo is on its own host, which this machine cannot reach: only its address is checked.
    await context.route('https://shop.acme.example/**', (route) => route.abort());
    await desk.goto(websiteAuthUrl(saoma.issuer, 'en'));
    await desk.waitForURL(/\/interaction\/[^/]+$/);
    assert.equal(await desk.getByTestId('client-logo').getAttribute('src'), WEBSITE.logo_uri);
    assert.equal(await desk.getByTestId('agree-website-privacy').getAttribute('href'), WEBSITE.policy_uri);
    assert.equal(await desk.getByTestId('agree-website-privacy').textContent(), `${WEBSITE.client_name}'s privacy policy`);
    assert.equal(await desk.getByTestId('agree-website-terms').getAttribute('href'), WEBSITE.tos_uri);
    // The website's colour replaces the operator's; the rest of the brand stays the operator's.
    await assertBranded(desk, 'en', 'the website\'s login page', WEBSITE.saoma_primary_color);
    await shot(desk, 'branding-website-en-desktop-light');
    photographed.push('branding-website-en-desktop-light');
    await context.close();

    if (process.env.UPDATE_DOC_SCREENSHOTS) {
      mkdirSync(new URL('../../docs/images/', import.meta.url), { recursive: true });
      for (const name of photographed) copyFileSync(new URL(`${name}.png`, SCREENSHOTS), new URL(`../../docs/images/${name}.png`, import.meta.url));
    }
  });
});
