import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Browser } from '../helpers/browser.ts';
import { startLogin } from '../helpers/login.ts';
import { startSaoma, type RunningSaoma } from '../helpers/saoma.ts';
import { brandedEnv, LIGHT_LOGO, OPERATOR, websiteAuthUrl } from './fixture.ts';

describe('branded pages over HTTP', () => {
  let saoma: RunningSaoma;
  before(async () => {
    saoma = await startSaoma(brandedEnv({ name: { ...OPERATOR.name, en: 'Acme Pass <b>' } }));
  });
  after(() => saoma.close());

  it('the login page carries the brand, escaped, with the legal footer and what signing in agrees to', async () => {
    const { page } = await startLogin(saoma, { extra: { ui_locales: 'en' } });
    const html = page.text;
    assert.match(html, /<title>Sign in to Test Shop with WeChat · Acme Pass &lt;b&gt;<\/title>/);
    assert.match(html, /data-testid="brand-name">Acme Pass &lt;b&gt;</);
    assert.ok(!html.includes('<b>'), 'the product name is text, not markup');
    assert.match(html, /href="https:\/\/beian\.miit\.gov\.cn\/"[^>]*data-testid="icp">京ICP备12345678号-1</);
    assert.match(html, /href="https:\/\/beian\.mps\.gov\.cn\/#\/query\/webSearch\?code=11010502030143"/);
    assert.match(html, /data-testid="agreement">By signing in you agree to:/);
    assert.match(html, /Acme Ltd © 2026/);
    for (const sheet of ['/assets/saoma.css', '/assets/brand/palette.css?v=', '/assets/brand/extra.css?v=']) assert.ok(html.includes(`href="${sheet}`), sheet);
  });

  it('serves the operator files from its own origin; the CSP stays self', async () => {
    const logo = await fetch(`${saoma.issuer}/assets/brand/logo-light.svg`);
    assert.equal(logo.headers.get('content-type'), 'image/svg+xml');
    assert.equal(await logo.text(), LIGHT_LOGO);
    const palette = await (await fetch(`${saoma.issuer}/assets/brand/palette.css`)).text();
    assert.match(palette, /--accent: #1d4ed8;/);
    assert.match(logo.headers.get('content-security-policy')!, /style-src 'self';/);
    assert.equal((await fetch(`${saoma.issuer}/assets/brand/nothing.css`)).status, 404);
    assert.equal(await (await fetch(`${saoma.issuer}/favicon.ico`)).text(), LIGHT_LOGO, 'the operator\'s icon at /favicon.ico too');
  });

  it('a website\'s own colour and policy links on its login page, in zh-TW for zh-HK', async () => {
    const browser = new Browser();
    const redirect = await browser.request(websiteAuthUrl(saoma.issuer), { headers: { 'accept-language': 'zh-HK,en;q=0.5' } });
    const page = await browser.request(redirect.location!, { headers: { 'accept-language': 'zh-HK,en;q=0.5' } });
    assert.match(page.text, /<html lang="zh-TW">/);
    assert.match(page.text, /使用微信登入 Acme Shop/);
    assert.match(page.text, /href="https:\/\/shop\.acme\.example\/privacy"[^>]*>Acme Shop 隱私政策</);
    const sheet = /href="(\/assets\/brand\/website\/acme-shop\.css\?c=b42318)"/.exec(page.text);
    assert.ok(sheet, 'the website\'s palette is linked');
    assert.match(await (await fetch(saoma.issuer + sheet[1])).text(), /--accent: #b42318;/);
  });
});

describe('the operator keeps its brand (client_branding false)', () => {
  let saoma: RunningSaoma;
  before(async () => {
    saoma = await startSaoma(brandedEnv({ client_branding: false }));
  });
  after(() => saoma.close());

  it('no website palette, but the website\'s policy links stay', async () => {
    const browser = new Browser();
    const redirect = await browser.request(websiteAuthUrl(saoma.issuer, 'en'));
    const page = await browser.request(redirect.location!);
    assert.ok(!page.text.includes('/assets/brand/website/'), 'no website palette');
    assert.match(page.text, /Acme Shop&#39;s privacy policy|Acme Shop's privacy policy/);
    assert.equal(await (await fetch(`${saoma.issuer}/assets/brand/website/acme-shop.css`)).text(), '');
  });
});
