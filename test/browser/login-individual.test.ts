import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createLogger } from '../../src/log.ts';
import { openStore } from '../../src/store/open.ts';
import { REDIS_URL, redisPrefix } from '../admin/fixtures.ts';
import { launchChromium } from '../helpers/chromium.ts';
import { startSaoma, type RunningSaoma } from '../helpers/saoma.ts';
import {
  allowHiding, codeDrawn, contextOptions, newPhone, phoneConfirms, phoneScans, sceneOnScreen, setHidden, shot, signInFromDemo, strings, watch,
} from './pages.ts';

/**
 * An individual (个人主体) mini-program cannot make URL Links: WeChat answers 40002. saoma learns
 * it from the first tap, remembers it for the deployment in the store, and stops showing the
 * button on every process (at once on the one that learned it and on any that asks the store next;
 * within 10 s on one that asked just before, where a tap still costs no WeChat call).
 */
describe('an individual mini-program never shows a dead "Open WeChat" button', () => {
  const redis = redisPrefix('individual');
  const logLines: string[] = [];
  let a: RunningSaoma;
  let b: RunningSaoma;
  let chromium: Browser;
  let phone: Page;

  before(async () => {
    const sink = new Writable({ write(chunk, _encoding, done) { logLines.push(String(chunk)); done(); } });
    const log = createLogger('warn', sink);
    // Two processes of one deployment: one Redis, each with the built-in emulator set up as an individual account.
    const store = () => openStore({ kind: 'redis', url: REDIS_URL }, { keyPrefix: redis.prefix, commandTimeoutMs: 2000, log: createLogger('silent') });
    const env = { EMULATOR_ACCOUNT_TYPE: 'individual', REDIS_URL, REDIS_KEY_PREFIX: redis.prefix };
    a = await startSaoma(env, await store(), log);
    b = await startSaoma(env, await store(), log);
    chromium = await launchChromium();
    phone = await newPhone(chromium);
  });

  after(async () => {
    await chromium?.close();
    await a?.close();
    await b?.close();
    await redis.clean();
  });

  it('the first tap meets 40002 and lands on the code to save and scan, the login completes there, and from then on no page of any process shows the button; one warning names WECHAT_OPEN_LINK=off', async () => {
    const t = strings.en;
    const context = await chromium.newContext(contextOptions('phone', { locale: 'en-US' }));
    await allowHiding(context);
    const page = await context.newPage();
    const watched = watch(page);
    const loginUrl = await signInFromDemo(page, a);
    // Nothing has told this deployment yet that WeChat refuses it links.
    assert.equal(await page.getByTestId('open-wechat').isVisible(), true);

    const opened = context.waitForEvent('page');
    await page.getByTestId('open-wechat').click();
    const fallback = await opened;
    // The login page's tab goes to the background, as when the person switches tabs.
    await setHidden(page, true);
    await fallback.waitForURL(loginUrl);
    await codeDrawn(fallback);
    assert.equal((await a.calls()).generate_urllink, 1, 'WeChat was asked once');
    assert.equal(await fallback.getByTestId('open-wechat').count(), 0, 'no button on the page the tap led to');
    assert.equal(await fallback.getByTestId('instruction').textContent(), t['login.instruction.phone_alone']);
    await shot(fallback, 'login-en-phone-individual-fallback');

    // The person saves the code and scans it in WeChat: the login completes in that tab.
    const scene = await sceneOnScreen(fallback);
    await phoneScans(phone, a, scene, 'ivy');
    await phoneConfirms(phone, 'Ivy');
    await fallback.waitForURL(`${a.issuer}/demo`);
    await fallback.getByTestId('signed-in').waitFor();
    assert.deepEqual(watched.problems, []);
    await context.close();

    for (const [name, saoma] of [['the process that learned it', a], ['another process of the deployment', b]] as const) {
      for (const lang of ['zh-CN', 'en'] as const) {
        const later = await chromium.newContext(contextOptions('phone', { locale: lang }));
        const again = await later.newPage();
        const url = await signInFromDemo(again, saoma);
        assert.equal(await again.getByTestId('open-wechat').count(), 0, `${name} (${lang}) shows no button`);
        assert.equal(await again.getByTestId('instruction').textContent(), strings[lang]['login.instruction.phone_alone']);
        if (saoma === b) await shot(again, `login-${lang}-phone-individual`);
        // An old page's button (or a bookmarked tap) leads to the code too, without asking WeChat.
        const tap = await later.request.get(`${url}/open-wechat`, { maxRedirects: 0 });
        assert.equal(tap.status(), 303);
        assert.equal(tap.headers().location, new URL(url).pathname);
        await later.close();
      }
    }
    assert.equal((await a.calls()).generate_urllink, 1, 'never asked again');
    assert.equal((await b.calls()).generate_urllink, 0, 'the other process never asked');

    const warnings = logLines.map((line) => JSON.parse(line) as { event?: string; msg: string; level: string }).filter((line) => line.event === 'wechat_link.refused');
    assert.equal(warnings.length, 1, 'one warning for the deployment');
    assert.equal(warnings[0]!.level, 'warn');
    assert.match(warnings[0]!.msg, /WECHAT_OPEN_LINK=off/);
  });
});
