import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { RunningSaoma } from '../helpers/saoma.ts';
import {
  LANGS, SIZES, assertContrast, assertNoSidewaysScroll, assertOnlySaoma, codeDrawn, contextOptions, holdCompletion, phoneCancels, phoneConfirms, phoneScans, sceneOnScreen, shot, signInFromDemo, statusText, strings, view, watch, withBrowser,
} from './pages.ts';

/**
 * The login page from the demo website to signed in, in both languages, on a desktop and on a
 * phone's browser, with the simulated phone in another browser context: every state it passes
 * through is checked and photographed (test-artifacts/screenshots/login-<lang>-<size>-<state>.png).
 */
describe('the login page, state by state, in both languages and sizes', () => {
  let saoma: RunningSaoma;
  let chromium: Browser;
  let phone: Page;
  withBrowser({}, (rig) => ({ saoma, chromium, phone } = rig));

  for (const lang of LANGS) {
    for (const size of SIZES) {
      const name = (state: string) => `login-${lang}-${size}-${state}`;

      it(`${lang}, ${size}: waiting, scanned, cancelled, a new code, scanned again, confirmed with a nickname, signed in; back button: a friendly page`, async () => {
        const t = strings[lang];
        // en is asked for by the website (ui_locales) over a Chinese browser; zh-CN comes from the browser itself.
        const context = await chromium.newContext(contextOptions(size, { locale: 'zh-CN' }));
        const desk = await context.newPage();
        const watched = watch(desk);

        await signInFromDemo(desk, saoma, lang === 'en' ? 'en' : undefined);
        assert.equal(await desk.getAttribute('html', 'lang'), lang);
        assert.equal(await desk.getByTestId('title').textContent(), t['login.title']!.replace('{client}', 'saoma demo'));
        assert.equal(await statusText(desk), t['login.status.pending']);
        // Screen readers hear each state change from the status line, and only from it.
        assert.equal(await desk.getByTestId('status').getAttribute('role'), 'status');
        assert.equal(await desk.getByTestId('status').getAttribute('aria-live'), 'polite');
        assert.equal(await desk.locator('[aria-live]').count(), 1);
        assert.match((await desk.getByTestId('countdown').textContent())!, /\d:\d\d/);
        assert.equal(await desk.getByTestId('open-wechat').isVisible(), size === 'phone', 'only a phone is offered "Open WeChat"');
        if (size === 'phone') assert.equal((await desk.getByTestId('open-wechat').textContent())!.trim(), t['login.open_wechat']);
        assert.equal(await desk.getByTestId('instruction').textContent(), t[`login.instruction.${size}`]);
        await assertNoSidewaysScroll(desk, 'pending');
        await assertContrast(desk, 'pending');
        await shot(desk, name('pending'));

        const first = await sceneOnScreen(desk);
        await phoneScans(phone, saoma, first);
        await view(desk, 'scanned');
        assert.equal(await statusText(desk), t['login.status.scanned']);
        await assertContrast(desk, 'scanned');
        await shot(desk, name('scanned'));

        await phoneCancels(phone);
        await view(desk, 'cancelled');
        assert.equal(await statusText(desk), t['login.status.cancelled']);
        assert.equal(await desk.getByTestId('countdown').isVisible(), false, 'a cancelled code has no countdown');
        // Keyboard: the one thing to do now has the focus, and Enter does it.
        assert.equal(await desk.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'refresh');
        await assertContrast(desk, 'cancelled');
        await shot(desk, name('cancelled'));
        await desk.keyboard.press('Enter');
        await codeDrawn(desk);
        const second = await sceneOnScreen(desk);
        assert.notEqual(second, first, 'a new code, not the cancelled one');

        await phoneScans(phone, saoma, second, `user-${lang}-${size}`);
        await view(desk, 'scanned');
        const held = await holdCompletion(desk);
        await phoneConfirms(phone, lang === 'en' ? 'Alice' : '小明');
        await view(desk, 'confirmed');
        await held.submitted();
        assert.equal(await statusText(desk), t['login.status.confirmed']);
        assert.equal(await desk.getByTestId('scanner').textContent(), t['login.as']!.replace('{nickname}', lang === 'en' ? 'Alice' : '小明'));
        await assertContrast(desk, 'confirmed');
        await shot(desk, name('confirmed'));
        await held.release();

        await desk.waitForURL(`${saoma.issuer}/demo`);
        await desk.getByTestId('signed-in').waitFor();
        const userinfo = JSON.parse((await desk.getByTestId('userinfo').textContent())!);
        assert.equal(userinfo.nickname, lang === 'en' ? 'Alice' : '小明');
        assertOnlySaoma(watched, saoma);
        assert.deepEqual(watched.problems, []);

        // The back button lands on the finished login page: a friendly page with the way back.
        await desk.goBack();
        const error = desk.getByTestId('error');
        assert.equal(await error.getAttribute('data-code'), 'interaction_not_found');
        assert.equal(await error.textContent(), t['error.interaction_not_found']);
        assert.equal(await desk.locator('h1').textContent(), t['error.title.interaction_not_found']);
        await assertNoSidewaysScroll(desk, 'page expired');
        await assertContrast(desk, 'page expired');
        await shot(desk, name('back-button'));
        await desk.getByTestId('back').click();
        await desk.waitForURL(`${saoma.issuer}/demo`);
        await context.close();
      });

      it(`${lang}, ${size}: WeChat cannot draw the code, the page says so, and Try again brings it`, async () => {
        const t = strings[lang];
        const context = await chromium.newContext(contextOptions(size, { locale: lang }));
        const desk = await context.newPage();
        await saoma.emulator('/emulator/faults', { api: 'getwxacodeunlimit', errcode: -1, times: 1 });
        await desk.goto(`${saoma.issuer}/demo`);
        await desk.getByTestId('signin').click();
        await view(desk, 'unavailable');
        assert.equal(await statusText(desk), t['login.status.unavailable']);
        assert.equal(await desk.getByTestId('countdown').isVisible(), false);
        await assertNoSidewaysScroll(desk, 'unavailable');
        await assertContrast(desk, 'unavailable');
        await shot(desk, name('unavailable'));
        await desk.getByTestId('retry').click();
        await codeDrawn(desk);
        assert.equal(await statusText(desk), t['login.status.pending']);
        assert.match(await sceneOnScreen(desk), /^[A-Za-z0-9]{20}$/);
        await context.close();
      });
    }
  }

  it('an unknown language falls back to zh-CN', async () => {
    const context = await chromium.newContext(contextOptions('desktop', { locale: 'de-DE' }));
    const desk = await context.newPage();
    await signInFromDemo(desk, saoma, 'fr');
    assert.equal(await desk.getAttribute('html', 'lang'), 'zh-CN');
    assert.equal(await statusText(desk), strings['zh-CN']['login.status.pending']);
    await context.close();
  });

  it('at 320 px wide every state fits the screen', async () => {
    const context = await chromium.newContext(contextOptions('phone', { viewport: { width: 320, height: 640 }, locale: 'en-US' }));
    const desk = await context.newPage();
    await signInFromDemo(desk, saoma);
    await assertNoSidewaysScroll(desk, '320 px, pending');
    await shot(desk, 'login-en-phone320-pending');
    await phoneScans(phone, saoma, await sceneOnScreen(desk));
    await view(desk, 'scanned');
    await assertNoSidewaysScroll(desk, '320 px, scanned');
    await phoneCancels(phone);
    await view(desk, 'cancelled');
    await assertNoSidewaysScroll(desk, '320 px, cancelled');
    await shot(desk, 'login-en-phone320-cancelled');
    await context.close();
  });

  it('dark mode follows prefers-color-scheme, with AA contrast', async () => {
    for (const lang of LANGS) {
      const context = await chromium.newContext(contextOptions('desktop', { colorScheme: 'dark', locale: lang }));
      const desk = await context.newPage();
      await signInFromDemo(desk, saoma);
      const background = await desk.evaluate(() => getComputedStyle(document.body).backgroundColor);
      assert.notEqual(background, 'rgb(243, 245, 247)', 'the dark scheme is in use');
      await assertContrast(desk, 'dark, pending');
      await shot(desk, `login-${lang}-desktop-dark-pending`);
      await phoneScans(phone, saoma, await sceneOnScreen(desk));
      await view(desk, 'scanned');
      await assertContrast(desk, 'dark, scanned');
      await shot(desk, `login-${lang}-desktop-dark-scanned`);
      await context.close();
    }
  });
});

/** A dropped connection: the page keeps its code, says so, and carries on when it is back. */
describe('the login page offline', () => {
  let saoma: RunningSaoma;
  let chromium: Browser;
  let phone: Page;
  // Going offline does not cut a long-poll already waiting; a short wait makes the next one come soon.
  withBrowser({ STATUS_WAIT_SECONDS: '1' }, (rig) => ({ saoma, chromium, phone } = rig));

  it('when the connection drops the page says so, and carries on once it is back', async () => {
    const context = await chromium.newContext(contextOptions('desktop', { locale: 'en-US' }));
    const desk = await context.newPage();
    await signInFromDemo(desk, saoma);
    const scene = await sceneOnScreen(desk);
    await context.setOffline(true);
    await desk.getByTestId('status').filter({ hasText: strings.en['login.status.offline']! }).waitFor();
    assert.equal(await desk.locator('#login').getAttribute('data-view'), 'pending', 'the code stays: it is still valid');
    await assertContrast(desk, 'offline');
    await shot(desk, 'login-en-desktop-offline');
    await context.setOffline(false);
    await phoneScans(phone, saoma, scene);
    await view(desk, 'scanned');
    await context.close();
  });
});
