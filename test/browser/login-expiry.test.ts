import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { RunningSaoma } from '../helpers/saoma.ts';
import {
  LANGS, SIZES, allowHiding, assertContrast, assertNoSidewaysScroll, codeDrawn, contextOptions, sceneOnScreen, setHidden, shot,
  signInFromDemo, statusText, strings, view, withBrowser,
} from './pages.ts';

/** Codes that run out: a new one at a click, or on its own while the tab is visible. */
describe('an expiring code on the login page', () => {
  let saoma: RunningSaoma;
  let chromium: Browser;
  // Short enough to wait for, long enough that a busy machine still photographs the code before it ends.
  withBrowser({ TICKET_TTL_SECONDS: '4' }, (rig) => ({ saoma, chromium } = rig));

  for (const lang of LANGS) {
    for (const size of SIZES) {
      it(`${lang}, ${size}: in a hidden tab nothing polls; the code expires; a click shows a new one`, async () => {
        const t = strings[lang];
        const context = await chromium.newContext(contextOptions(size, { locale: lang }));
        await allowHiding(context);
        const desk = await context.newPage();
        await signInFromDemo(desk, saoma);
        const first = await sceneOnScreen(desk);

        const calls: string[] = [];
        desk.on('request', (request) => calls.push(new URL(request.url()).pathname.split('/').pop()!));
        // The long-poll waiting when the tab is hidden is dropped, not left to run out.
        const dropped = desk.waitForEvent('requestfailed', (request) => request.url().includes('/status?'));
        await setHidden(desk, true);
        await dropped;
        // The page's own clock ends the code; no request is needed (or made) to know it.
        await view(desk, 'expired');
        assert.deepEqual(calls.filter((call) => call === 'status' || call === 'refresh'), [], 'a hidden tab neither polls nor fetches new codes');
        assert.equal(await statusText(desk), t['login.status.expired']);
        assert.equal(await desk.getByTestId('countdown').isVisible(), false);
        assert.equal(await desk.getByTestId('refresh').isVisible(), true);
        await assertNoSidewaysScroll(desk, 'expired');
        await assertContrast(desk, 'expired');
        await shot(desk, `login-${lang}-${size}-expired`);

        await desk.getByTestId('refresh').click();
        await codeDrawn(desk);
        assert.notEqual(await sceneOnScreen(desk), first, 'a new code');
        assert.equal(await statusText(desk), t['login.status.pending']);
        await context.close();
      });
    }
  }

  it('while the tab is visible an expired code is replaced on its own', async () => {
    const context = await chromium.newContext(contextOptions('desktop', { locale: 'en' }));
    const desk = await context.newPage();
    await signInFromDemo(desk, saoma);
    const first = await sceneOnScreen(desk);
    const renewed = desk.waitForRequest((request) => request.method() === 'POST' && request.url().endsWith('/refresh'));
    await renewed;
    await codeDrawn(desk);
    const second = await sceneOnScreen(desk);
    assert.notEqual(second, first);
    await context.close();
  });

  it('a tab shown again after its code expired gets a new code at once', async () => {
    const context = await chromium.newContext(contextOptions('phone', { locale: 'zh-CN' }));
    await allowHiding(context);
    const desk = await context.newPage();
    await signInFromDemo(desk, saoma);
    const first = await sceneOnScreen(desk);
    await setHidden(desk, true);
    await view(desk, 'expired');
    await setHidden(desk, false);
    await codeDrawn(desk);
    assert.notEqual(await sceneOnScreen(desk), first);
    await context.close();
  });
});

/** The login page itself (the OIDC interaction) ends: the page says so and leads back to the website. */
describe('a login page that outlives its interaction', () => {
  let saoma: RunningSaoma;
  let chromium: Browser;
  // A code never outlives its page: with a 12-second page it expires with the page itself.
  withBrowser({ INTERACTION_TTL_SECONDS: '12' }, (rig) => ({ saoma, chromium } = rig));

  it('says the page has expired, in its language, with a button back to the website (every language and size at once)', async () => {
    await Promise.all(LANGS.flatMap((lang) => SIZES.map(async (size) => {
      const t = strings[lang];
      const context = await chromium.newContext(contextOptions(size, { locale: lang === 'en' ? 'zh-CN' : 'en-US' }));
      const desk = await context.newPage();
      await signInFromDemo(desk, saoma, lang);
      await view(desk, 'gone');
      assert.equal(await statusText(desk), t['login.status.gone']);
      const back = desk.getByTestId('back');
      assert.equal((await back.textContent())!.trim(), t['login.back']!.replace('{client}', 'saoma demo'));
      assert.equal(await desk.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'back');
      await assertNoSidewaysScroll(desk, 'gone');
      await assertContrast(desk, 'gone');
      await shot(desk, `login-${lang}-${size}-gone`);
      await back.click();
      await desk.waitForURL(`${saoma.issuer}/demo`);
      await context.close();
    })));
  });
});
