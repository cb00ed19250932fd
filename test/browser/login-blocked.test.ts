import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { signInAs } from '../accounts/helpers.ts';
import { scan } from '../helpers/login.ts';
import type { RunningSaoma } from '../helpers/saoma.ts';
import { LANGS, assertContrast, contextOptions, sceneOnScreen, signInFromDemo, statusText, strings, view, withBrowser } from './pages.ts';

/** An account an administrator blocked scans a code: the login page says so, in words. */
describe('a blocked account on the login page', () => {
  let saoma: RunningSaoma;
  let chromium: Browser;
  withBrowser({}, (rig) => ({ saoma, chromium } = rig));

  for (const lang of LANGS) {
    it(`${lang}: the code ends and the page says the account is blocked, offering a new code for someone else`, async () => {
      const user = `blocked-in-browser-${lang}`;
      const { sub } = await signInAs(saoma, user, 'Blocked');
      await saoma.saoma.accountService.block(sub, { actor: 'test', ip: 'local' });

      const context = await chromium.newContext(contextOptions('desktop', { locale: lang }));
      try {
        const desk = await context.newPage();
        await signInFromDemo(desk, saoma);
        const scanned = await scan(saoma, await sceneOnScreen(desk), user);
        assert.equal(scanned.json.error, 'login_blocked');
        await view(desk, 'blocked');
        assert.equal(await statusText(desk), strings[lang]['login.status.blocked']);
        assert.equal(await desk.getByTestId('refresh').isVisible(), true);
        await assertContrast(desk, 'blocked');
      } finally {
        await context.close();
      }
    });
  }
});
