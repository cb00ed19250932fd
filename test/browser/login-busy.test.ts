import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { RunningSaoma } from '../helpers/saoma.ts';
import { LANGS, assertContrast, contextOptions, shot, statusText, strings, withBrowser } from './pages.ts';

/** Waits until the page shows its code, or the "too many sign-ins" state; says which. */
async function codeOrBusy(page: Page): Promise<'code' | 'busy'> {
  const handle = await page.waitForFunction(() => {
    const login = document.getElementById('login')!;
    const img = document.getElementById('code') as HTMLImageElement;
    if (login.dataset.view === 'busy') return 'busy';
    return login.dataset.view === 'pending' && img.complete && img.naturalWidth > 0 ? 'code' : false;
  }, undefined, { timeout: 30_000 });
  return (await handle.jsonValue()) as 'code' | 'busy';
}

/**
 * The WeChat budget guard on the login page, in real Chromium: from an address that has drawn its
 * minute's codes (CODE_LIMIT_PER_IP=1), a new login page says "Too many sign-ins right now. Try
 * again in N seconds." in its language, counts down, and shows its code on its own once the
 * minute's window has passed. Screenshots: login-<lang>-desktop-busy.png.
 */
describe('the login page when the deployment holds new codes', () => {
  let saoma: RunningSaoma;
  let chromium: Browser;
  withBrowser({ TRUST_PROXY: 'true', CODE_LIMIT_PER_IP: '1' }, (rig) => ({ saoma, chromium } = rig));

  for (const lang of LANGS) {
    it(`${lang}: "too many sign-ins, try again in N seconds", counting down${lang === 'en' ? ', then the code on its own' : ''}`, { timeout: 120_000 }, async () => {
      const t = strings[lang];
      // Every request of this browser reaches saoma through the proxy from one address of its own.
      const context = await chromium.newContext(contextOptions('desktop', { locale: lang, extraHTTPHeaders: { 'x-forwarded-for': lang === 'en' ? '198.51.100.21' : '198.51.100.22' } }));
      let page: Page | undefined;
      // The first page draws the address's one code; a later one is held (a third, should the
      // minute's window have turned between the first two).
      for (let i = 0; i < 3; i++) {
        const next = await context.newPage();
        await next.goto(`${saoma.issuer}/demo/login?ui_locales=${encodeURIComponent(lang)}`);
        await next.waitForURL(/\/interaction\/[^/]+$/);
        if ((await codeOrBusy(next)) === 'busy') {
          page = next;
          break;
        }
      }
      assert.ok(page, 'no page was held');
      const status = await statusText(page);
      const template = t['login.status.busy']!;
      const [before, after] = template.split('{seconds}') as [string, string];
      assert.ok(status.startsWith(before) && status.endsWith(after), `status: ${status}`);
      const seconds = Number(status.slice(before.length, status.length - after.length));
      assert.ok(Number.isInteger(seconds) && seconds >= 1 && seconds <= 60, `N = ${seconds}`);
      assert.equal(await page.locator('#overlay-title').textContent(), t['login.overlay.busy']);
      assert.match((await page.getByTestId('scanner').textContent())!, /\d/, 'the overlay counts down');
      assert.equal(await page.getByTestId('qrcode').isVisible(), false, 'no broken image');
      assert.equal(await page.getByTestId('retry').isVisible(), false, 'nothing to click: the page tries again itself');
      await assertContrast(page, 'busy');
      await shot(page, `login-${lang}-desktop-busy`);

      if (lang === 'en') {
        // The window ends: the page draws the code by itself, without a reload.
        await page.waitForFunction(() => {
          const img = document.getElementById('code') as HTMLImageElement;
          return document.getElementById('login')!.dataset.view === 'pending' && img.complete && img.naturalWidth > 0;
        }, undefined, { timeout: 75_000 });
        assert.equal(await statusText(page), t['login.status.pending']);
      }
      await context.close();
    });
  }
});
