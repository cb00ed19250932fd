import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before } from 'node:test';
import type { Browser, BrowserContext, BrowserContextOptions, Page, Request } from 'playwright-core';
import { launchChromium, snap } from '../helpers/chromium.ts';
import { sceneFromImage } from '../helpers/login.ts';
import { startSaoma, type RunningSaoma } from '../helpers/saoma.ts';

/** What the browser tests drive the login page with, shared by the files in test/browser/. */

export type Lang = 'zh-CN' | 'zh-TW' | 'en';
export type Size = 'desktop' | 'phone';
/** The languages the page-by-page tests walk through (zh-TW is walked by branding.test.ts, CI time matters). */
export const LANGS: Lang[] = ['zh-CN', 'en'];
export const SIZES: Size[] = ['desktop', 'phone'];

/** The strings the page must show, straight from the locale files. */
export const strings: Record<Lang, Record<string, string>> = {
  'zh-CN': JSON.parse(readFileSync(new URL('../../locales/zh-CN.json', import.meta.url), 'utf8')),
  'zh-TW': JSON.parse(readFileSync(new URL('../../locales/zh-TW.json', import.meta.url), 'utf8')),
  en: JSON.parse(readFileSync(new URL('../../locales/en.json', import.meta.url), 'utf8')),
};

export const IPHONE_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
export const WECHAT_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800322d) NetType/WIFI Language/zh_CN';

/** A desktop browser, or a phone's browser (a phone's User-Agent and screen). */
export function contextOptions(size: Size, extra: BrowserContextOptions = {}): BrowserContextOptions {
  return size === 'desktop'
    ? { viewport: { width: 1280, height: 800 }, ...extra }
    : { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, userAgent: IPHONE_UA, ...extra };
}

/**
 * Headless Chromium reports every tab as visible. The page's rule "no long-poll while hidden" is
 * driven by document.visibilityState and visibilitychange, so the tests flip exactly those, as a
 * browser does when the person switches tabs or apps.
 */
export async function allowHiding(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    let hidden = false;
    Object.defineProperty(Document.prototype, 'visibilityState', { configurable: true, get: () => (hidden ? 'hidden' : 'visible') });
    Object.defineProperty(Document.prototype, 'hidden', { configurable: true, get: () => hidden });
    (window as unknown as { setTabHidden: (value: boolean) => void }).setTabHidden = (value: boolean) => {
      hidden = value;
      document.dispatchEvent(new Event('visibilitychange'));
    };
  });
}

export async function setHidden(page: Page, hidden: boolean): Promise<void> {
  await page.evaluate((value) => (window as unknown as { setTabHidden: (v: boolean) => void }).setTabHidden(value), hidden);
}

export interface Watched {
  /** Script errors and console errors, which a clean page has none of. */
  problems: string[];
  requests: Request[];
}

/** Records what a page does: its errors, and every request it makes. */
export function watch(page: Page): Watched {
  const watched: Watched = { problems: [], requests: [] };
  page.on('pageerror', (err) => watched.problems.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') watched.problems.push(`console: ${msg.text()} ${msg.location().url}`);
  });
  page.on('dialog', (dialog) => {
    watched.problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('request', (request) => watched.requests.push(request));
  return watched;
}

/** From the demo website's "Sign in with WeChat" to saoma's login page, with its code drawn. */
export async function signInFromDemo(page: Page, saoma: RunningSaoma, uiLocales?: string): Promise<string> {
  await page.goto(`${saoma.issuer}/demo`);
  if (uiLocales) await page.goto(`${saoma.issuer}/demo/login?ui_locales=${encodeURIComponent(uiLocales)}`);
  else await page.getByTestId('signin').click();
  await page.waitForURL(/\/interaction\/[^/]+$/);
  await codeDrawn(page);
  return page.url();
}

/**
 * The demo website asking a signed-in person for more (`offline_access`, `prompt=consent`): the
 * consent page, listing only what is new.
 */
export function demoConsentUrl(saoma: RunningSaoma): URL {
  const url = new URL(`${saoma.issuer}/auth`);
  url.search = new URLSearchParams({
    client_id: 'saoma-demo', response_type: 'code', redirect_uri: `${saoma.issuer}/demo/callback`, scope: 'openid profile offline_access',
    prompt: 'consent', state: 'more', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
  }).toString();
  return url;
}

/** Resolves once the code image has loaded and nothing covers it. */
export async function codeDrawn(page: Page): Promise<void> {
  await page.locator('#login[data-view="pending"]').waitFor();
  await page.getByTestId('qrcode').evaluate((img: HTMLImageElement) =>
    img.complete && img.naturalWidth > 0 ? true : new Promise((resolve) => img.addEventListener('load', resolve, { once: true })));
}

/** Reads the code on screen as a phone camera would: the scene is in the URL it carries. */
export async function sceneOnScreen(page: Page): Promise<string> {
  return sceneFromImage(await page.getByTestId('qrcode').screenshot());
}

export async function view(page: Page, name: string): Promise<void> {
  await page.locator(`#login[data-view="${name}"]`).waitFor();
}

export async function statusText(page: Page): Promise<string> {
  return (await page.getByTestId('status').textContent())!.trim();
}

/** The simulated phone scans a code by its scene (the URL the code carries) as `user`. */
export async function phoneScans(phone: Page, saoma: RunningSaoma, scene: string, user = 'alice'): Promise<void> {
  await phone.goto(`${saoma.issuer}/emulator?scene=${encodeURIComponent(scene)}`);
  await phone.getByTestId('user').fill(user);
  await phone.getByTestId('scan').click();
  await phone.getByTestId('confirm-screen').waitFor();
}

export async function phoneConfirms(phone: Page, nickname?: string): Promise<void> {
  if (nickname) await phone.getByTestId('nickname').fill(nickname);
  await phone.getByTestId('confirm').click();
  await phone.getByTestId('result').waitFor();
}

export async function phoneCancels(phone: Page): Promise<void> {
  await phone.getByTestId('cancel').click();
  await phone.getByTestId('result').waitFor();
}

/**
 * Holds the page's finishing step (its script submits the /complete form once the phone has
 * confirmed) until `release` is called, so "Signing you in…" can be looked at before the page
 * moves on. Done in the page rather than the network: a pending navigation freezes the page for
 * the test driver. `submitted` resolves when the page's script has asked to submit.
 */
export async function holdCompletion(page: Page): Promise<{ submitted: () => Promise<void>; release: () => Promise<void> }> {
  await page.evaluate(() => {
    const submit = HTMLFormElement.prototype.submit;
    const held = window as unknown as { heldForm?: HTMLFormElement; releaseForm: () => void };
    HTMLFormElement.prototype.submit = function (this: HTMLFormElement) {
      held.heldForm = this;
    };
    held.releaseForm = () => submit.call(held.heldForm!);
  });
  return {
    submitted: async () => {
      const form = await page.waitForFunction(() => (window as unknown as { heldForm?: HTMLFormElement }).heldForm?.action ?? false);
      assert.match(String(await form.jsonValue()), /\/interaction\/[^/]+\/complete$/);
    },
    release: () => page.evaluate(() => (window as unknown as { releaseForm: () => void }).releaseForm()),
  };
}

/** Nothing sticks out sideways: the page is as wide as the screen, whatever it shows. */
export async function assertNoSidewaysScroll(page: Page, what: string): Promise<void> {
  const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  assert.ok(scroll <= client, `${what}: the page is ${scroll}px wide on a ${client}px screen`);
}

/** Every request the page made went to saoma itself (plus `allowed`, exactly). */
export function assertOnlySaoma(watched: Watched, saoma: RunningSaoma, allowed: string[] = []): void {
  const foreign = watched.requests.map((r) => r.url()).filter((url) => !url.startsWith(`${saoma.issuer}/`) && !url.startsWith('data:') && !allowed.includes(url));
  assert.deepEqual(foreign, [], 'the page loaded something from outside saoma');
}

/**
 * WCAG AA: every visible piece of text on the page has a contrast of at least 4.5:1 against what
 * is behind it (3:1 for large text), computed from the browser's own computed colours.
 */
export async function assertContrast(page: Page, what: string): Promise<void> {
  const failures = await page.evaluate(() => {
    const parse = (color: string): number[] => {
      const m = color.match(/[\d.]+/g)?.map(Number) ?? [0, 0, 0, 0];
      return [m[0]!, m[1]!, m[2]!, m.length > 3 ? m[3]! : 1];
    };
    const blend = (top: number[], bottom: number[]): number[] => {
      const a = top[3]!;
      return [0, 1, 2].map((i) => top[i]! * a + bottom[i]! * (1 - a)).concat(1);
    };
    const background = (el: Element | null): number[] => {
      const layers: number[][] = [];
      for (let node = el; node; node = node.parentElement) {
        const bg = parse(getComputedStyle(node).backgroundColor);
        if (bg[3]! > 0) layers.push(bg);
        if (bg[3] === 1) break;
      }
      let color = [255, 255, 255, 1];
      for (const layer of layers.reverse()) color = blend(layer, color);
      return color;
    };
    const luminance = (c: number[]) => {
      const [r, g, b] = [0, 1, 2].map((i) => {
        const v = c[i]! / 255;
        return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
    };
    const out: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement;
      if (!el || !node.textContent!.trim()) continue;
      const box = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      if (box.width === 0 || box.height === 0 || style.visibility === 'hidden' || el.closest('[hidden], noscript, [aria-hidden="true"] svg')) continue;
      const bg = background(el);
      const fg = blend(parse(style.color), bg);
      const [hi, lo] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
      const ratio = (hi! + 0.05) / (lo! + 0.05);
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5)) out.push(`"${node.textContent!.trim().slice(0, 40)}" ${ratio.toFixed(2)}:1 (${style.color} on rgb(${bg.slice(0, 3).map(Math.round).join(',')}))`);
    }
    return out;
  });
  assert.deepEqual(failures, [], `${what}: text below WCAG AA contrast`);
}

export async function shot(page: Page, name: string): Promise<void> {
  // The countdown bar animates; a settled frame makes screenshots comparable by eye.
  await page.waitForTimeout(50);
  await snap(page, name);
}

export async function newPhone(chromium: Browser): Promise<Page> {
  const context = await chromium.newContext({ viewport: { width: 390, height: 844 }, isMobile: true });
  return context.newPage();
}

export interface BrowserRig {
  saoma: RunningSaoma;
  chromium: Browser;
  /** The simulated phone's page, in a phone-sized context of its own. */
  phone: Page;
}

/**
 * The setup every browser test shares: registers before/after hooks in the current describe that
 * start one saoma (with `env`, or what the function returns when the hook runs), Chromium and the
 * simulated phone, hand them to `ready`, and close them all after.
 */
export function withBrowser(env: Record<string, string> | (() => Record<string, string>), ready: (rig: BrowserRig) => void): void {
  const rig: Partial<BrowserRig> = {};
  before(async () => {
    rig.saoma = await startSaoma(typeof env === 'function' ? env() : env);
    rig.chromium = await launchChromium();
    rig.phone = await newPhone(rig.chromium);
    ready(rig as BrowserRig);
  });
  after(async () => {
    await rig.chromium?.close();
    await rig.saoma?.close();
  });
}
