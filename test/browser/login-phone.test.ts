import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.ts';
import { startSaoma, type RunningSaoma } from '../helpers/saoma.ts';
import {
  LANGS, WECHAT_UA, allowHiding, assertNoSidewaysScroll, contextOptions, sceneOnScreen, setHidden, shot, signInFromDemo, statusText,
  strings, watch, withBrowser,
} from './pages.ts';

/** A phone cannot scan its own screen: from a phone's browser the page opens WeChat instead. */
describe('the login page on a phone', () => {
  let saoma: RunningSaoma;
  let chromium: Browser;
  withBrowser({}, (rig) => ({ saoma, chromium } = rig));

  it('"Open WeChat to sign in" opens the mini-program on this code (a URL Link); the page waits and finishes when the person comes back', async () => {
    const context = await chromium.newContext(contextOptions('phone', { locale: 'zh-CN' }));
    await allowHiding(context);
    const page = await context.newPage();
    const watched = watch(page);
    const loginUrl = await signInFromDemo(page, saoma);
    const scene = await sceneOnScreen(page);
    const before = (await saoma.calls()).generate_urllink ?? 0;

    // WeChat takes over the screen: the browser tab is hidden until the person comes back.
    const opened = context.waitForEvent('page');
    await page.getByTestId('open-wechat').click();
    const wechat = await opened;
    await wechat.waitForLoadState();
    await setHidden(page, true);
    const link = new URL(wechat.url());
    assert.equal(link.pathname, '/emulator', 'the emulator\'s URL Link opens its simulated phone');
    assert.equal(link.searchParams.get('scene'), scene, 'the link carries the scene of the code on the page');
    assert.equal((await saoma.calls()).generate_urllink, before + 1);

    await wechat.getByTestId('user').fill('dave');
    await wechat.getByTestId('scan').click();
    await wechat.getByTestId('confirm-screen').waitFor();
    await shot(wechat, 'phone-opened-by-url-link');
    await wechat.getByTestId('nickname').fill('Dave');
    await wechat.getByTestId('confirm').click();
    await wechat.getByTestId('result').waitFor();
    assert.equal(page.url(), loginUrl, 'a hidden page does not move on by itself');

    await wechat.close();
    await setHidden(page, false);
    await page.waitForURL(`${saoma.issuer}/demo`);
    await page.getByTestId('signed-in').waitFor();
    assert.equal(JSON.parse((await page.getByTestId('userinfo').textContent())!).nickname, 'Dave');
    assert.deepEqual(watched.problems, []);
    await context.close();
  });

  it('the URL Link is made once per code, however often it is tapped', async () => {
    const context = await chromium.newContext(contextOptions('phone', { locale: 'en-US' }));
    const page = await context.newPage();
    await signInFromDemo(page, saoma);
    const href = await page.getByTestId('open-wechat').getAttribute('href');
    assert.equal(await page.getByTestId('open-wechat').getAttribute('target'), '_blank', 'an https link opens beside the waiting page');
    const before = (await saoma.calls()).generate_urllink ?? 0;
    const taps = await Promise.all([1, 2, 3].map(() => context.request.get(saoma.issuer + href, { maxRedirects: 0 })));
    assert.deepEqual(taps.map((tap) => tap.status()), [303, 303, 303]);
    assert.equal(new Set(taps.map((tap) => tap.headers().location)).size, 1);
    const again = await context.request.get(saoma.issuer + href, { maxRedirects: 0 });
    assert.equal(again.headers().location, taps[0]!.headers().location);
    assert.equal((await saoma.calls()).generate_urllink, before + 1);
    await context.close();
  });

  it('another browser cannot open WeChat on someone else\'s code', async () => {
    const owner = await chromium.newContext(contextOptions('phone'));
    const page = await owner.newPage();
    const loginUrl = await signInFromDemo(page, saoma);
    const stranger = await chromium.newContext(contextOptions('phone'));
    const tap = await stranger.request.get(`${loginUrl}/open-wechat`, { maxRedirects: 0 });
    assert.equal(tap.status(), 404);
    assert.equal(tap.headers().location, undefined);
    await owner.close();
    await stranger.close();
  });

  for (const lang of LANGS) {
    it(`${lang}: inside WeChat's own browser the code is a plain image to long-press, with a hint saying so`, async () => {
      const t = strings[lang];
      const context = await chromium.newContext(contextOptions('phone', { userAgent: WECHAT_UA, locale: lang }));
      const page = await context.newPage();
      await signInFromDemo(page, saoma);
      assert.equal(await page.getByTestId('open-wechat').count(), 0, 'no "Open WeChat" inside WeChat');
      assert.equal(await page.getByTestId('instruction').textContent(), t['login.instruction.wechat']);
      const code = page.getByTestId('qrcode');
      assert.equal(await code.evaluate((el) => el.tagName), 'IMG');
      assert.match((await code.getAttribute('src'))!, /^\/interaction\/[^/]+\/qrcode\?/);
      // Long-press must reach the image: nothing lies over it while it waits for a scan.
      assert.equal(await page.getByTestId('overlay').isVisible(), false);
      assert.equal(await code.evaluate((el) => getComputedStyle(el).pointerEvents), 'auto');
      assert.equal(await statusText(page), t['login.status.pending']);
      await assertNoSidewaysScroll(page, 'inside WeChat');
      await shot(page, `login-${lang}-wechat-pending`);
      await context.close();
    });
  }
});

describe('"Open WeChat" by the plaintext URL scheme, or not at all', () => {
  let scheme: RunningSaoma;
  let off: RunningSaoma;
  let chromium: Browser;
  before(async () => {
    // A trial page not in the released version: WeChat draws its code only with check_path off.
    scheme = await startSaoma({ WECHAT_OPEN_LINK: 'scheme', WECHAT_PAGE: 'pages/signin/index', WECHAT_ENV_VERSION: 'trial', WECHAT_CHECK_PATH: 'false' });
    off = await startSaoma({ WECHAT_OPEN_LINK: 'off' });
    chromium = await launchChromium();
  });
  after(async () => {
    await chromium.close();
    await scheme.close();
    await off.close();
  });

  it('WECHAT_OPEN_LINK=scheme: weixin://dl/business/ with the appid, page, version and the scene, and no WeChat call', async () => {
    const context = await chromium.newContext(contextOptions('phone'));
    const page = await context.newPage();
    await signInFromDemo(page, scheme);
    const scene = await sceneOnScreen(page);
    const button = page.getByTestId('open-wechat');
    assert.equal(await button.isVisible(), true);
    assert.equal(await button.getAttribute('target'), null, 'the scheme hands over to WeChat from the page itself');
    const tap = await context.request.get(scheme.issuer + (await button.getAttribute('href')), { maxRedirects: 0 });
    assert.equal(tap.status(), 303);
    const link = new URL(tap.headers().location!);
    assert.equal(`${link.protocol}//${link.host}${link.pathname}`, 'weixin://dl/business/');
    assert.deepEqual(Object.fromEntries(link.searchParams), { appid: 'wx00000000e1e1e1e1', path: 'pages/signin/index', query: `scene=${scene}`, env_version: 'trial' });
    assert.match(tap.headers().location!, /query=scene%3D/, 'the query is url-encoded inside the scheme, as WeChat requires');
    assert.equal((await scheme.calls()).generate_urllink ?? 0, 0);
    await context.close();
  });

  it('WECHAT_OPEN_LINK=off: no button, and the route is not there', async () => {
    const context = await chromium.newContext(contextOptions('phone'));
    const page = await context.newPage();
    const loginUrl = await signInFromDemo(page, off);
    assert.equal(await page.getByTestId('open-wechat').count(), 0);
    assert.equal((await context.request.get(`${loginUrl}/open-wechat`, { maxRedirects: 0 })).status(), 404);
    await context.close();
  });
});
