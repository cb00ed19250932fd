import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { RunningSaoma } from '../helpers/saoma.ts';
import {
  SIZES, assertContrast, assertNoSidewaysScroll, assertOnlySaoma, codeDrawn, contextOptions, phoneConfirms, phoneScans,
  sceneOnScreen, shot, signInFromDemo, strings, watch, withBrowser,
} from './pages.ts';

// 100 characters: the longest client_name the clients file accepts, hostile and without a space to wrap at.
const HOSTILE_NAME = `<script>alert(1)</script><img src=x onerror=alert(2)>${'Ｗ'.repeat(47)}`;
const HOSTILE_LOGO = 'https://logo.invalid/logo.png?"><script>alert(3)</script><img src=x onerror=alert(4)>';

/** A website's registration is not trusted to be polite: its name and logo cannot break the page. */
describe('hostile or overlong website details', () => {
  let saoma: RunningSaoma;
  let chromium: Browser;
  withBrowser(() => {
    const file = join(mkdtempSync(join(tmpdir(), 'saoma-hostile-')), 'clients.json');
    writeFileSync(file, JSON.stringify([
      { client_id: 'hostile', token_endpoint_auth_method: 'none', redirect_uris: ['http://127.0.0.1:9/cb'], client_name: HOSTILE_NAME, logo_uri: HOSTILE_LOGO, client_uri: 'https://hostile.invalid/' },
      { client_id: 'plain-http-logo', token_endpoint_auth_method: 'none', redirect_uris: ['http://127.0.0.1:9/cb'], client_name: 'Plain Shop', logo_uri: 'http://127.0.0.1:9/logo.png' },
    ]));
    return { CLIENTS_FILE: file };
  }, (rig) => ({ saoma, chromium } = rig));

  async function openLogin(page: Page, clientId: string): Promise<void> {
    const query = new URLSearchParams({
      client_id: clientId, response_type: 'code', scope: 'openid', redirect_uri: 'http://127.0.0.1:9/cb', state: 'st',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256', ui_locales: 'en',
    });
    await page.goto(`${saoma.issuer}/auth?${query}`);
    await page.waitForURL(/\/interaction\/[^/]+$/);
    await codeDrawn(page);
  }

  for (const size of SIZES) {
    for (const width of size === 'phone' ? [320, 390] : [1280]) {
      it(`${size} ${width} px: the name is shown as text, the logo loads nothing but itself, a failed logo leaves the initial, nothing overflows`, async () => {
        const context = await chromium.newContext(contextOptions(size, { viewport: { width, height: 800 } }));
        const page = await context.newPage();
        const watched = watch(page);
        const logo = page.getByTestId('client-logo');
        const logoFailed = page.waitForEvent('requestfailed', (request) => request.url() === new URL(HOSTILE_LOGO).href);
        await openLogin(page, 'hostile');
        await logoFailed;
        await logo.waitFor({ state: 'hidden' });

        assert.equal(await page.getByTestId('title').textContent(), strings.en['login.title']!.replace('{client}', HOSTILE_NAME));
        assert.equal(await page.title(), strings.en['login.title']!.replace('{client}', HOSTILE_NAME));
        assert.equal(await page.locator('script').count(), 1, 'only the page\'s own script');
        assert.equal(await page.locator('img[src="x"]').count(), 0);
        assert.equal(await logo.getAttribute('src'), HOSTILE_LOGO, 'the logo address is an attribute, not markup');
        assert.equal(await logo.getAttribute('referrerpolicy'), 'no-referrer');
        assert.equal(await page.locator('.client-initial').textContent(), 'S', 'the first letter of the name stands in for the logo');
        assert.equal(await page.locator('.client-initial').isVisible(), true);
        const title = await page.getByTestId('title').evaluate((h1) => ({ scroll: h1.scrollWidth, client: h1.clientWidth }));
        assert.ok(title.scroll <= title.client, `the name wraps inside the card (${title.scroll} > ${title.client})`);
        await assertNoSidewaysScroll(page, `${width} px`);
        await assertContrast(page, 'hostile client');
        // The only outside request is the logo itself (it fails here: no network); the page loads nothing else.
        assertOnlySaoma(watched, saoma, [new URL(HOSTILE_LOGO).href]);
        assert.deepEqual(watched.problems.filter((p) => !p.includes('logo.invalid')), []);
        await shot(page, `login-en-${size}${width === 320 ? '320' : ''}-hostile-client`);
        await context.close();
      });
    }
  }

  it('a logo that is not https is not loaded at all', async () => {
    const context = await chromium.newContext(contextOptions('desktop'));
    const page = await context.newPage();
    const watched = watch(page);
    await openLogin(page, 'plain-http-logo');
    assert.equal(await page.getByTestId('client-logo').count(), 0);
    assert.equal(await page.locator('.client-initial').textContent(), 'P');
    assertOnlySaoma(watched, saoma);
    await context.close();
  });
});

/** The code on one screen is not a way into someone else's login. */
describe('a second browser', () => {
  let saoma: RunningSaoma;
  let chromium: Browser;
  let phone: Page;
  withBrowser({}, (rig) => ({ saoma, chromium, phone } = rig));

  it('cannot see, refresh or complete someone else\'s login, before or after the phone confirms', async () => {
    const owner = await chromium.newContext(contextOptions('desktop', { locale: 'en-US' }));
    const mine = await owner.newPage();
    const loginUrl = await signInFromDemo(mine, saoma);
    const scene = await sceneOnScreen(mine);

    const other = await chromium.newContext(contextOptions('desktop', { locale: 'en-US' }));
    const theirs = await other.newPage();
    const answer = await theirs.goto(loginUrl);
    assert.equal(answer!.status(), 404);
    assert.equal(await theirs.getByTestId('error').getAttribute('data-code'), 'interaction_not_found');
    assert.equal(await theirs.getByTestId('qrcode').count(), 0, 'no code on their screen');
    await shot(theirs, 'login-en-desktop-other-browser');
    const tryAll = async () => [
      (await other.request.get(`${loginUrl}/status?state=pending`)).status(),
      (await other.request.get(`${loginUrl}/qrcode`)).status(),
      (await other.request.post(`${loginUrl}/refresh`)).status(),
      (await other.request.post(`${loginUrl}/complete`, { maxRedirects: 0 })).status(),
    ];
    assert.deepEqual(await tryAll(), [404, 404, 404, 404]);

    // The owner's phone confirms; the other browser still gets nothing, and the owner signs in.
    const held = await import('./pages.ts').then((p) => p.holdCompletion(mine));
    await phoneScans(phone, saoma, scene);
    await phoneConfirms(phone);
    await held.submitted();
    assert.deepEqual(await tryAll(), [404, 404, 404, 404]);
    await held.release();
    await mine.waitForURL(`${saoma.issuer}/demo`);
    await mine.getByTestId('signed-in').waitFor();
    await theirs.goto(`${saoma.issuer}/demo`);
    assert.equal(await theirs.getByTestId('signed-in').count(), 0, 'the other browser is not signed in');
    await owner.close();
    await other.close();
  });
});

/** Without JavaScript the page still signs people in, through "I have confirmed — continue". */
describe('the login page without JavaScript', () => {
  let saoma: RunningSaoma;
  let chromium: Browser;
  let phone: Page;
  withBrowser({}, (rig) => ({ saoma, chromium, phone } = rig));

  it('shows the code and the continue button; too early says so and leads back; after confirming it signs in', async () => {
    const context = await chromium.newContext(contextOptions('desktop', { javaScriptEnabled: false, locale: 'en-US' }));
    const page = await context.newPage();
    await signInFromDemo(page, saoma);
    const t = strings.en;
    const proceed = page.getByTestId('continue');
    assert.equal((await proceed.textContent())!.trim(), t['login.continue_no_js']);
    assert.equal(await page.getByTestId('overlay').isVisible(), false);
    await assertNoSidewaysScroll(page, 'no JavaScript');
    await shot(page, 'login-en-desktop-nojs-pending');

    await proceed.click();
    assert.equal(await page.getByTestId('error').getAttribute('data-code'), 'ticket_not_confirmed');
    assert.equal(await page.getByTestId('error').textContent(), t['error.ticket_not_confirmed']);
    await shot(page, 'login-en-desktop-nojs-not-confirmed');
    await page.getByTestId('again').click();
    await codeDrawn(page);

    await phoneScans(phone, saoma, await sceneOnScreen(page));
    await phoneConfirms(phone, 'Erin');
    await page.getByTestId('continue').click();
    await page.waitForURL(`${saoma.issuer}/demo`);
    await page.getByTestId('signed-in').waitFor();
    await context.close();
  });
});
