import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { RunningSaoma } from '../helpers/saoma.ts';
import { contextOptions, phoneCancels, phoneScans, sceneOnScreen, signInFromDemo, strings, watch, withBrowser, type Lang } from './pages.ts';

// saoma behind one trusted proxy: the desktop browser and the simulated phone each reach it from
// an address the test chooses (the proxy's X-Forwarded-For).
const BROWSER_IP = '223.5.5.5'; // 浙江省 杭州市, 阿里云
const FAR_PHONE_IP = '202.96.128.86'; // 广东省 广州市, 电信
const NEAR_PHONE_IP = '223.5.5.77';

describe('the simulated phone shows where the sign-in comes from, and puts Cancel first when it is another network', () => {
  let saoma: RunningSaoma;
  let chromium: Browser;
  withBrowser({ TRUST_PROXY: 'true' }, (rig) => ({ saoma, chromium } = rig));

  async function codeOpenedFrom(ip: string): Promise<string> {
    const context = await chromium.newContext(contextOptions('desktop', { extraHTTPHeaders: { 'x-forwarded-for': ip } }));
    const desk = await context.newPage();
    await signInFromDemo(desk, saoma);
    return sceneOnScreen(desk);
  }

  async function phoneAt(ip: string, lang: Lang): Promise<Page> {
    const context = await chromium.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, locale: lang, extraHTTPHeaders: { 'x-forwarded-for': ip } });
    return context.newPage();
  }

  async function requesterRows(phone: Page): Promise<Record<string, string>> {
    return phone.getByTestId('requester').evaluate((dl) => {
      const out: Record<string, string> = {};
      const cells = [...dl.children];
      for (let i = 0; i + 1 < cells.length; i += 2) out[cells[i]!.textContent!] = cells[i + 1]!.textContent!;
      return out;
    });
  }

  for (const lang of ['en', 'zh-CN'] as const) {
    it(`${lang}: a code opened on another network — the warning comes first, Cancel is first and primary, and cancelling works`, async () => {
      const scene = await codeOpenedFrom(BROWSER_IP);
      const phone = await phoneAt(FAR_PHONE_IP, lang);
      const watched = watch(phone);
      await phoneScans(phone, saoma, scene, 'victim');

      const rows = await requesterRows(phone);
      assert.equal(rows.Region, '浙江省 杭州市');
      assert.equal(rows.Network, '阿里云');
      assert.equal(rows['IP address'], BROWSER_IP);

      const warning = phone.getByTestId('network-warning');
      assert.equal(await warning.isVisible(), true);
      assert.equal(await warning.textContent(), strings[lang]['warning.different_network']);
      const firstCard = await phone.getByTestId('confirm-screen').evaluate((screen) => screen.querySelector(':scope > :not([hidden])')?.id);
      assert.equal(firstCard, 'network-warning', 'the warning is the first thing on the confirm screen');

      const order = await phone.evaluate(() => [...document.querySelectorAll('#confirm-form button')].map((b) => ({ id: b.id, primary: b.classList.contains('primary') })));
      assert.deepEqual(order, [{ id: 'cancel', primary: true }, { id: 'confirm', primary: false }], 'Cancel first and primary, Confirm second and plain');

      await phoneCancels(phone);
      assert.match((await phone.getByTestId('result').textContent())!, /Cancelled/);
      assert.deepEqual(watched.problems, []);
      await phone.context().close();
    });
  }

  it('a phone on the browser\'s own network: no warning, and Confirm stays the primary choice', async () => {
    const scene = await codeOpenedFrom(BROWSER_IP);
    const phone = await phoneAt(NEAR_PHONE_IP, 'en');
    await phoneScans(phone, saoma, scene, 'alice');
    assert.equal(await phone.getByTestId('network-warning').isVisible(), false);
    assert.equal((await requesterRows(phone)).Region, '浙江省 杭州市');
    assert.equal(await phone.getByTestId('confirm').evaluate((b) => b.classList.contains('primary')), true);
    assert.equal(await phone.getByTestId('cancel').evaluate((b) => b.classList.contains('primary')), false);
    await phone.context().close();
  });
});
