import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { RunningSaoma } from '../helpers/saoma.ts';
import { contextOptions, phoneConfirms, phoneScans, sceneOnScreen, signInFromDemo, strings, watch, withBrowser } from './pages.ts';

/**
 * Defect 5 of issue 10, in a real Chromium: a page on another site that posts a form to the
 * person's open login page is refused with saoma's page, while saoma's own pages (the login page's
 * script finishing the login, the sign-out confirmation) still work — with the headers Chromium
 * really sends (`Origin: null` for our no-referrer form posts, `Sec-Fetch-Site`).
 */
describe('other sites cannot post to the login; our own pages still can', () => {
  let saoma: RunningSaoma;
  let chromium: Browser;
  withBrowser({}, (rig) => ({ saoma, chromium } = rig));

  // The attacker's site: `localhost` is another site than saoma's 127.0.0.1.
  let attacker: Server;
  let attackerUrl = '';
  before(async () => {
    attacker = createServer((req, res) => {
      const target = new URL(req.url!, 'http://x').searchParams.get('target') ?? '';
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(`<!doctype html><form method="post" action="${target.replace(/"/g, '')}"><input name="x" value="1"></form><script>document.forms[0].submit()</script>`);
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    attackerUrl = `http://localhost:${(attacker.address() as { port: number }).port}/`;
  });
  after(() => new Promise<void>((resolve) => attacker.close(() => resolve())));

  it('another site\'s form post to /abort gets the refusal page and cancels nothing; the person then signs in and out from our pages', async () => {
    const context = await chromium.newContext(contextOptions('desktop', { locale: 'en-US' }));
    const page = await context.newPage();
    const watched = watch(page);
    const loginUrl = await signInFromDemo(page, saoma, 'en');

    const evil = await context.newPage();
    const answer = evil.waitForResponse((res) => res.url() === `${loginUrl}/abort`);
    await evil.goto(`${attackerUrl}?target=${encodeURIComponent(`${loginUrl}/abort`)}`);
    assert.equal((await answer).status(), 403);
    await evil.getByTestId('error').waitFor();
    assert.equal(await evil.getByTestId('error').getAttribute('data-code'), 'cross_site_request');
    assert.equal(await evil.getByTestId('error').textContent(), strings.en['error.cross_site_request']);
    await evil.close();

    // The login was not cancelled: the person scans, confirms, and the page's script finishes it.
    const phone = await (await chromium.newContext(contextOptions('phone'))).newPage();
    await phoneScans(phone, saoma, await sceneOnScreen(page), 'xena');
    await phoneConfirms(phone, 'Xena');
    await page.waitForURL(`${saoma.issuer}/demo`);
    await page.getByTestId('signed-in').waitFor();
    // The sign-out confirmation is oidc-provider's form, posted from our page.
    await page.getByTestId('signout').click();
    await page.getByTestId('logout-yes').click();
    await page.waitForURL(`${saoma.issuer}/demo`);
    await page.getByTestId('signin').waitFor();
    assert.deepEqual(watched.problems, []);
    await context.close();
  });
});
