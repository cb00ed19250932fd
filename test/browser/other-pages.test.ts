import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { mp } from '../helpers/login.ts';
import type { RunningSaoma } from '../helpers/saoma.ts';
import {
  LANGS, SIZES, assertContrast, demoConsentUrl, assertNoSidewaysScroll, contextOptions, holdCompletion, sceneOnScreen, shot, signInFromDemo, strings,
  view, withBrowser,
} from './pages.ts';

/**
 * The pages around the login: the person's picture while signing in, the consent page (already
 * signed in, new scopes), signing out and signed out, and an error from the provider itself.
 */
describe('the pages around the login, in both languages and sizes', () => {
  let saoma: RunningSaoma;
  let chromium: Browser;
  withBrowser({}, (rig) => ({ saoma, chromium } = rig));

  for (const lang of LANGS) {
    for (const size of SIZES) {
      it(`${lang}, ${size}: the avatar while signing in; consent for new scopes; sign out; signed out; a provider error`, async () => {
        const t = strings[lang];
        const name = (page: string) => `${page}-${lang}-${size}`;
        const context = await chromium.newContext(contextOptions(size, { locale: lang }));
        const desk = await context.newPage();

        // The mini-program sends a nickname and an avatar with its confirm; the page shows both.
        await signInFromDemo(desk, saoma);
        const scene = await sceneOnScreen(desk);
        const scanned = await mp(saoma, 'scan', { scene, code: await saoma.wxLogin(`pic-${lang}-${size}`) });
        assert.equal(scanned.status, 200);
        const held = await holdCompletion(desk);
        const avatar = `${saoma.issuer}/assets/favicon.svg`;
        assert.equal((await mp(saoma, 'confirm', { scene, token: scanned.json.token, nickname: 'Grace', avatar_url: avatar })).status, 200);
        await view(desk, 'confirmed');
        await held.submitted();
        const picture = desk.locator('#scanner-avatar');
        assert.equal(await picture.isVisible(), true);
        assert.equal(await picture.getAttribute('src'), avatar);
        await shot(desk, `login-${lang}-${size}-confirmed-avatar`);
        await held.release();
        await desk.getByTestId('signed-in').waitFor();

        // Signed in already, the website asks for more: the consent page lists only what is new.
        const consentUrl = demoConsentUrl(saoma);
        await desk.goto(consentUrl.href);
        await desk.getByTestId('allow').waitFor();
        assert.equal(await desk.locator('h1').textContent(), t['consent.title']!.replace('{client}', 'saoma demo'));
        assert.ok((await desk.getByTestId('scopes').textContent())!.includes(t['scope.offline_access']!));
        await assertNoSidewaysScroll(desk, 'consent');
        await assertContrast(desk, 'consent');
        await shot(desk, name('consent'));
        await desk.getByTestId('allow').click();
        await desk.waitForURL(/\/demo/);

        // Signing out asks first, then says it is done.
        await desk.goto(`${saoma.issuer}/session/end`);
        await desk.getByTestId('logout-yes').waitFor();
        assert.equal(await desk.locator('h1').textContent(), t['logout.title']);
        await assertContrast(desk, 'sign out');
        await shot(desk, name('logout'));
        await desk.getByTestId('logout-yes').click();
        await desk.getByTestId('signed-out').waitFor();
        assert.equal(await desk.getByTestId('signed-out').textContent(), t['signed_out.body']);
        await assertContrast(desk, 'signed out');
        await shot(desk, name('signed-out'));

        // An error from the provider itself (an unregistered redirect URI) is the same friendly page.
        const bad = new URL(consentUrl);
        bad.searchParams.set('redirect_uri', 'https://elsewhere.example/cb');
        await desk.goto(bad.href);
        const error = desk.getByTestId('error');
        assert.equal(await error.getAttribute('data-code'), 'invalid_redirect_uri');
        assert.equal(await error.textContent(), t['error.invalid_redirect_uri']);
        await assertNoSidewaysScroll(desk, 'error');
        await assertContrast(desk, 'error');
        await shot(desk, name('error'));
        await context.close();
      });
    }
  }
});
