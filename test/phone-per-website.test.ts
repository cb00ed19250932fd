import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { Browser, type Answer } from './helpers/browser.ts';
import { fetchScene, mp, scan, type StartedLogin } from './helpers/login.ts';
import { RP, startSaoma, type RunningSaoma } from './helpers/saoma.ts';

/**
 * Defect 2 of issue 10: a phone number is released to a website only from a login FOR THAT
 * WEBSITE in which the person tapped WeChat's phone button. Two third-party websites (a shop and a
 * news site) and one first-party website, each asking for `openid phone`; the person is one
 * WeChat user in one browser, so the later logins ride on the browser's session (a web consent
 * page for a third party, nothing at all for the first party).
 */
const SECRET = 'phone-test-secret-that-is-long-enough-0123456789';
const SITES = {
  shop: { client_id: 'shop', client_name: 'Shop' },
  news: { client_id: 'news', client_name: 'News' },
  own: { client_id: 'own', client_name: 'Our own app', first_party: true },
} as const;
type Site = keyof typeof SITES;

describe('a phone number is released only to the website the person tapped for', () => {
  let saoma: RunningSaoma;
  const configs = new Map<Site, oidc.Configuration>();
  before(async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'saoma-phone-')), 'clients.json');
    writeFileSync(file, JSON.stringify(Object.values(SITES).map((site) => ({ ...site, client_secret: SECRET, redirect_uris: [RP.redirect_uri] }))));
    saoma = await startSaoma({ CLIENTS_FILE: file });
    for (const site of Object.keys(SITES) as Site[]) {
      configs.set(site, await oidc.discovery(new URL(saoma.issuer), site, SECRET, oidc.ClientSecretBasic(SECRET), { execute: [oidc.allowInsecureRequests] }));
    }
  });
  after(() => saoma.close());

  interface Visit { browser: Browser; config: oidc.Configuration; verifier: string; state: string; answer: Answer }

  /** The website sends the browser to /auth with `openid phone`. */
  async function visit(browser: Browser, site: Site, extra: Record<string, string> = {}): Promise<Visit> {
    const config = configs.get(site)!;
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: RP.redirect_uri, scope: 'openid phone', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', state, ...extra });
    return { browser, config, verifier, state, answer: await browser.request(url) };
  }

  /** The website redeems its code and reads userinfo, as openid-client does. */
  async function userinfoAt(v: Visit, landed: string): Promise<Record<string, unknown>> {
    assert.ok(landed.startsWith(RP.redirect_uri), `expected to land on the website, got ${landed}`);
    const tokens = await oidc.authorizationCodeGrant(v.config, new URL(landed), { pkceCodeVerifier: v.verifier, expectedState: v.state, idTokenExpected: true });
    return { ...(await oidc.fetchUserInfo(v.config, tokens.access_token, tokens.claims()!.sub)) };
  }

  /** A login with the code: scan, tap the phone button (or not), confirm, complete. */
  async function scanLogin(browser: Browser, site: Site, tap: boolean, extra: Record<string, string> = {}) {
    const v = await visit(browser, site, extra);
    assert.equal(v.answer.status, 303, v.answer.text.slice(0, 200));
    const uid = /\/interaction\/([^/?#]+)$/.exec(new URL(v.answer.location!).pathname)?.[1];
    assert.ok(uid, `expected the login page, went to ${v.answer.location}`);
    const page = await browser.request(v.answer.location!);
    assert.match(page.text, /data-testid="qrcode"|\/qrcode/, 'the login page with the code');
    const login: StartedLogin = { browser, config: v.config, verifier: v.verifier, state: v.state, uid, page };
    const scene = await fetchScene(saoma, login);
    const scanned = await scan(saoma, scene, 'mei');
    assert.equal(scanned.status, 200, JSON.stringify(scanned.json));
    const phoneCode = tap ? (await saoma.emulator('/emulator/phone_code', { user: 'mei', phone: '13566667777' })).code : undefined;
    const confirmed = await mp(saoma, 'confirm', { scene, token: scanned.json.token, ...(phoneCode ? { phone_code: phoneCode } : {}) });
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.json));
    const done = await browser.request(`${saoma.issuer}/interaction/${uid}/complete`, { method: 'POST', form: {} });
    assert.equal(done.status, 303, done.text.slice(0, 300));
    const landed = await browser.follow(done.location!, saoma.issuer, done);
    return userinfoAt(v, landed.url);
  }

  /**
   * A later visit riding on the browser's session: whatever page saoma shows (a consent page for a
   * third party) the person allows; a login page with a code would mean a new scan, which this
   * visit does not expect.
   */
  async function sessionLogin(browser: Browser, site: Site) {
    const v = await visit(browser, site);
    let landed = await browser.follow(v.answer.location!, saoma.issuer, v.answer);
    let consentPage: string | undefined;
    const uid = /\/interaction\/([^/?#]+)$/.exec(new URL(landed.url).pathname)?.[1];
    if (uid) {
      assert.match(landed.text, /data-testid="allow"/, `a page other than consent: ${landed.text.slice(0, 300)}`);
      consentPage = landed.text;
      const allowed = await browser.request(`${saoma.issuer}/interaction/${uid}/consent`, { method: 'POST', form: {} });
      assert.equal(allowed.status, 303, allowed.text.slice(0, 300));
      landed = await browser.follow(allowed.location!, saoma.issuer, allowed);
    }
    return { userinfo: await userinfoAt(v, landed.url), consentPage };
  }

  it('tapped for the shop, then the news site (third party) in the same browser: a consent page that does not offer the number, and no number', async () => {
    const browser = new Browser();
    assert.equal((await scanLogin(browser, 'shop', true)).phone_number, '+8613566667777');
    const news = await sessionLogin(browser, 'news');
    assert.ok(news.consentPage, 'a third-party website gets the consent page');
    assert.doesNotMatch(news.consentPage, /你的手机号码/, 'the consent page does not offer the phone number');
    assert.equal(news.userinfo.phone_number, undefined, 'the news site never got a tap');
    assert.equal(news.userinfo.phone_number_verified, undefined);
    assert.equal((await sessionLogin(browser, 'shop')).userinfo.phone_number, '+8613566667777', 'the shop keeps what it was given');
  });

  it('tapped for the shop, then the first-party website in the same browser: signed in silently, and no number', async () => {
    const browser = new Browser();
    assert.equal((await scanLogin(browser, 'shop', true)).phone_number, '+8613566667777');
    const own = await sessionLogin(browser, 'own');
    assert.equal(own.consentPage, undefined, 'a first-party website needs no consent page');
    assert.equal(own.userinfo.phone_number, undefined, 'first party or not, no tap for it, no number');
  });

  it('the news site and the first-party website signed in without the phone, then a tap for the shop, then both ask for the phone: refused, until a login for them with a tap', async () => {
    const browser = new Browser();
    assert.equal((await scanLogin(browser, 'news', false, { scope: 'openid' })).phone_number, undefined);
    assert.equal((await scanLogin(browser, 'own', false, { scope: 'openid', prompt: 'login' })).phone_number, undefined);
    assert.equal((await scanLogin(browser, 'shop', true, { prompt: 'login' })).phone_number, '+8613566667777');
    const news = await sessionLogin(browser, 'news');
    assert.equal(news.consentPage, undefined, 'the scope is refused at once: a consent page could not give it anyway');
    assert.equal(news.userinfo.phone_number, undefined);
    assert.equal((await sessionLogin(browser, 'own')).userinfo.phone_number, undefined);
    // Refused, not forgotten: each can ask again in a login of its own, and a tap there releases it.
    assert.equal((await scanLogin(browser, 'news', true, { prompt: 'login' })).phone_number, '+8613566667777');
    assert.equal((await scanLogin(browser, 'own', true, { prompt: 'login' })).phone_number, '+8613566667777');
    assert.equal((await sessionLogin(browser, 'news')).userinfo.phone_number, '+8613566667777', 'and keeps it in later logins');
  });

  it('no tap for the news site, then a tap for the shop: the news site\'s own login still releases nothing', async () => {
    const browser = new Browser();
    assert.equal((await scanLogin(browser, 'news', false)).phone_number, undefined);
    assert.equal((await scanLogin(browser, 'shop', true, { prompt: 'login' })).phone_number, '+8613566667777');
    assert.equal((await sessionLogin(browser, 'news')).userinfo.phone_number, undefined);
  });

  it('a tap for the shop in one browser releases nothing to the news site signed in by code in another browser', async () => {
    assert.equal((await scanLogin(new Browser(), 'shop', true)).phone_number, '+8613566667777');
    assert.equal((await scanLogin(new Browser(), 'news', false)).phone_number, undefined);
  });
});
