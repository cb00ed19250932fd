import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { ADMIN_TOKEN } from '../admin/helpers.ts';
import { launchChromium, snap, SCREENSHOTS } from '../helpers/chromium.ts';
import { complete, fetchScene, mp, scan, signIn, startLogin } from '../helpers/login.ts';
import { scrapeMetrics } from '../helpers/metrics.ts';
import { freePort, startSaoma, type RunningSaoma } from '../helpers/saoma.ts';
import { watch } from './pages.ts';

describe('the admin status page', () => {
  let saoma: RunningSaoma;
  let chromium: Browser;
  let statusUrl: string;
  let adminBase: string;

  before(async () => {
    const adminPort = await freePort();
    saoma = await startSaoma({ ADMIN_TOKEN, ADMIN_PORT: String(adminPort) });
    adminBase = `http://127.0.0.1:${adminPort}`;
    statusUrl = `${adminBase}/admin/status`;
    chromium = await launchChromium();
    // Something to show: two completed logins (one sharing a phone number) and one cancelled in WeChat.
    await signIn(saoma, 'alice');
    const withPhone = await startLogin(saoma, { scope: 'openid profile phone' });
    const phoneScene = await fetchScene(saoma, withPhone);
    const bob = await scan(saoma, phoneScene, 'bob');
    const phoneCode = (await saoma.emulator('/emulator/phone_code', { user: 'bob' })).code;
    assert.equal((await mp(saoma, 'confirm', { scene: phoneScene, token: bob.json.token, phone_code: phoneCode })).status, 200);
    await complete(saoma, withPhone);
    const login = await startLogin(saoma);
    const scene = await fetchScene(saoma, login);
    const scanned = await scan(saoma, scene, 'carol');
    assert.equal((await mp(saoma, 'cancel', { scene, token: scanned.json.token })).status, 200);
  });
  after(async () => {
    await chromium?.close();
    await saoma?.close();
  });

  it('asks a browser for the admin token, then shows the same funnel and quota use as the metrics, as charts drawn by the server', async () => {
    const context = await chromium.newContext({ viewport: { width: 900, height: 900 } });
    const page = await context.newPage();
    const watched = watch(page);

    const first = await page.goto(statusUrl);
    assert.equal(first!.status(), 401, 'no token, no figures');
    assert.equal(await page.getByTestId('funnel').count(), 0);

    await page.fill('#token', 'not-the-admin-token-at-all-0123456789');
    await page.getByTestId('sign-in').click();
    await page.getByTestId('refused').waitFor();

    await page.fill('#token', ADMIN_TOKEN);
    await page.getByTestId('sign-in').click();
    await page.getByTestId('funnel').waitFor();
    assert.equal(new URL(page.url()).pathname, '/admin/status', 'back on the page after signing in');

    // The same figures Prometheus gets.
    const scrape = await scrapeMetrics(`${adminBase}/admin/metrics`);
    for (const step of ['issued', 'scanned', 'confirmed', 'completed', 'cancelled', 'expired']) {
      const shown = await page.locator(`[data-testid=funnel] [data-step=${step}]`).getAttribute('data-count');
      assert.equal(Number(shown), scrape.value('saoma_login_tickets_total', { step }), `${step} on the page and in the scrape`);
    }
    assert.equal(Number(await page.locator('[data-step=completed]').getAttribute('data-count')), 2);
    assert.equal(Number(await page.locator('[data-step=cancelled]').getAttribute('data-count')), 1);
    const drawn = scrape.value('saoma_wechat_codes_drawn_total');
    assert.equal(drawn, 3);
    assert.equal(await page.getByTestId('phone-count').textContent(), String(scrape.value('saoma_wechat_phone_numbers_total')));
    assert.equal(await page.getByTestId('phone-count').textContent(), '1');
    assert.match((await page.getByTestId('phone-cost').textContent())!, /^¥0\.03 /);
    assert.match((await page.getByTestId('quota-text').textContent())!, /codes this minute of 5,000 a minute/);
    const columns = await page.locator('[data-testid=codes-per-minute] rect title').allTextContents();
    assert.equal(columns.length, 60, 'one column a minute for the last hour');
    assert.equal(columns.reduce((n, c) => n + Number(c), 0), drawn, 'the last hour\'s columns add up to the codes drawn');

    // The cookie is signed, HttpOnly, SameSite=Strict, and only for this page; it is not the token.
    const cookies = await context.cookies(statusUrl);
    const session = cookies.find((c) => c.name === 'saoma_admin_status');
    assert.ok(session, 'a session cookie');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    assert.equal(session.path, '/admin/status');
    assert.ok(!session.value.includes(ADMIN_TOKEN));
    assert.ok(cookies.some((c) => c.name === 'saoma_admin_status.sig'), 'signed with the cookie keys');
    // The cookie opens the status page only: the admin API still wants the bearer token.
    const cookieHeader = cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    assert.equal((await fetch(`${adminBase}/admin/clients`, { headers: { cookie: cookieHeader } })).status, 401);
    // A forged cookie (the right shape, no valid signature) opens nothing.
    const forged = `saoma_admin_status=${session.value}; saoma_admin_status.sig=AAAAAAAAAAAAAAAAAAAAAAAAAAA`;
    assert.equal((await fetch(statusUrl, { headers: { cookie: forged } })).status, 401);

    await page.getByTestId('funnel').scrollIntoViewIfNeeded();
    await snap(page, 'admin-status');
    // The screenshot in docs/operations.md is refreshed on request, so a test run leaves the tree clean.
    if (process.env.UPDATE_DOC_SCREENSHOTS) copyFileSync(new URL('admin-status.png', SCREENSHOTS), new URL('../../docs/images/admin-status.png', import.meta.url));

    // Nothing from outside saoma, no script, no CSP violation (inline SVG attributes only).
    assert.deepEqual(watched.requests.map((r) => new URL(r.url()).origin).filter((o) => o !== adminBase && o !== 'null'), []);
    assert.deepEqual(watched.problems.filter((p) => !/status of 401/.test(p)), [], 'no script errors and no CSP violations');

    await page.getByTestId('sign-out').click();
    await page.locator('#token').waitFor();
    assert.equal((await context.cookies(statusUrl)).filter((c) => c.name === 'saoma_admin_status').length, 0, 'signed out');
    await context.close();
  });

  it('a script can read the page with the bearer token, and gets 401 without it', async () => {
    const res = await fetch(statusUrl, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    assert.equal(res.status, 200);
    assert.match(await res.text(), /data-testid="funnel"/);
    assert.equal((await fetch(statusUrl, { headers: { authorization: 'Bearer wrong-token-wrong-token-wrong-token' } })).status, 401);
    assert.equal((await fetch(`${statusUrl}/sign-in`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=nope' })).status, 401);
  });
});
