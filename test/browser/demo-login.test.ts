import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { snap } from '../helpers/chromium.ts';
import type { RunningSaoma } from '../helpers/saoma.ts';
import { strings, withBrowser } from './pages.ts';

describe('the demo, clicked through in a real browser', () => {
  let saoma: RunningSaoma;
  let chromium: Browser;
  withBrowser({}, (rig) => ({ saoma, chromium } = rig));

  it('Sign in with WeChat on the demo website, scan and confirm on the simulated phone, land back signed in', async () => {
    const desk = await (await chromium.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' })).newPage();
    const phone = await (await chromium.newContext({ viewport: { width: 390, height: 844 }, isMobile: true })).newPage();
    const problems: string[] = [];
    for (const page of [desk, phone]) {
      page.on('pageerror', (err) => problems.push(err.message));
      page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`${msg.text()} ${msg.location().url}`); });
    }

    await desk.goto(`${saoma.issuer}/demo`);
    await snap(desk, 'demo-signed-out');
    await desk.getByTestId('signin').click();
    await desk.waitForURL(/\/interaction\//);
    const code = desk.getByTestId('qrcode');
    await code.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0 || new Promise((resolve) => img.addEventListener('load', resolve, { once: true })));
    assert.equal(await desk.getByTestId('status').textContent(), strings.en['login.status.pending']);
    await snap(desk, 'login-en-desktop-pending');

    await phone.goto(`${saoma.issuer}/emulator`);
    await phone.getByTestId('user').fill('alice');
    await phone.getByTestId('scan-code').first().click();
    await phone.getByTestId('confirm-screen').waitFor();
    assert.equal(await phone.getByTestId('client-name').textContent(), 'saoma demo');
    await desk.getByTestId('status').filter({ hasText: strings.en['login.status.scanned']! }).waitFor();
    await snap(desk, 'login-en-desktop-scanned');
    await snap(phone, 'phone-confirm');

    await phone.getByTestId('nickname').fill('Alice');
    await phone.getByTestId('confirm').click();
    await desk.waitForURL(`${saoma.issuer}/demo`);
    await desk.getByTestId('signed-in').waitFor();
    const claims = JSON.parse((await desk.getByTestId('claims').textContent())!);
    const userinfo = JSON.parse((await desk.getByTestId('userinfo').textContent())!);
    assert.equal(claims.iss, saoma.issuer);
    assert.equal(userinfo.nickname, 'Alice');
    await snap(desk, 'demo-signed-in');

    await desk.getByTestId('signout').click();
    await desk.getByTestId('logout-yes').click();
    await desk.waitForURL(`${saoma.issuer}/demo`);
    await desk.getByTestId('signin').waitFor();
    assert.deepEqual(problems, []);
  });
});
