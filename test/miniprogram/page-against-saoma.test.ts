import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { complete, fetchScene, scan, startLogin } from '../helpers/login.ts';
import { freePort, startSaoma, type RunningSaoma } from '../helpers/saoma.ts';
import { PNG } from './images.ts';
import { LoginPage, Throws, pageConfig, settle, wx } from './login-page.ts';
import { WxOverHttp } from './wx-over-http.ts';

/**
 * The mini-program's own request code (miniprogram/lib/api.js, unchanged) against a running saoma
 * with its WeChat emulator: if the server's /mp/* API and the page drift apart, this fails.
 */
describe('the login page against a running saoma', () => {
  let saoma: RunningSaoma;
  let phone: WxOverHttp;
  let page: LoginPage | undefined;
  const configured = pageConfig.server;

  before(async () => {
    saoma = await startSaoma();
  });
  const throws = new Throws();

  beforeEach(() => {
    pageConfig.server = saoma.issuer;
    phone = new WxOverHttp(saoma.issuer, 'ava');
    phone.install(wx);
    throws.start();
  });
  afterEach(() => {
    const thrown = throws.stop();
    page?.close();
    page = undefined;
    pageConfig.server = configured;
    assert.deepEqual(thrown, [], 'the page threw');
  });
  after(() => saoma.close());

  async function openFor(scene: string) {
    page = LoginPage.open({ scene: encodeURIComponent(scene) });
    await settle(phone);
    return page;
  }

  it('scan, avatar, nickname, phone number, confirm: the website signs the person in with all of them', async () => {
    const login = await startLogin(saoma, { scope: 'openid profile phone' });
    const scene = await fetchScene(saoma, login);
    const page = await openFor(scene);

    assert.equal(page.screen(), 'confirm');
    assert.equal(page.text('.site-title'), 'Sign in to Test Shop?');
    assert.equal(page.text('.site-host'), 'shop.example');
    assert.deepEqual(page.texts('.scope'), ['Your account identifier', 'Your WeChat nickname and picture', 'Your phone number']);
    assert.match(page.text('.requester-browser'), /^Chrome 126/);
    assert.match(page.text('.requester-os'), /^macOS/);
    assert.equal(page.text('.requester-ip'), '127.0.0.1');
    assert.equal(page.text('.requester-region'), 'This server\'s own computer', 'saoma\'s words for loopback, in the page\'s language');
    assert.equal(page.has('.other-network'), false, 'the browser and the phone are both on this machine');
    assert.match(page.text('.requester-time'), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);

    const picture = join(mkdtempSync(join(tmpdir(), 'saoma-avatar-')), 'tmp_avatar.png');
    writeFileSync(picture, PNG);
    page.fire('.avatar-button', 'chooseavatar', { avatarUrl: picture });
    await settle(phone);
    assert.equal(page.data.avatar.state, 'uploaded', JSON.stringify(page.data.avatar));
    const avatarUrl: string = page.data.avatar.url;
    assert.ok(avatarUrl.startsWith(`${saoma.issuer}/mp/avatar/`));

    const { code: phoneCode } = await saoma.emulator('/emulator/phone_code', { user: 'ava', phone: '13512345678' });
    page.fire('.phone-button', 'getphonenumber', { code: phoneCode, errMsg: 'getPhoneNumber:ok' });
    await settle(phone);
    page.submit({ nickname: 'Ava' });
    await settle(phone);
    assert.equal(page.screen(), 'done');

    const status = await login.browser.request(`${saoma.issuer}/interaction/${login.uid}/status`);
    assert.deepEqual(status.json.scanner, { nickname: 'Ava', avatar_url: avatarUrl });
    const tokens = await oidc.authorizationCodeGrant(login.config, await complete(saoma, login), { pkceCodeVerifier: login.verifier, expectedState: login.state });
    const sub = tokens.claims()!.sub;
    assert.deepEqual(await oidc.fetchUserInfo(login.config, tokens.access_token, sub), { sub, nickname: 'Ava', picture: avatarUrl, phone_number: '+8613512345678', phone_number_verified: true });
    assert.deepEqual(new Uint8Array(await (await fetch(avatarUrl)).arrayBuffer()), PNG);
  });

  it('Cancel on the page cancels the login the browser waits on', async () => {
    const login = await startLogin(saoma);
    const page = await openFor(await fetchScene(saoma, login));
    page.tap('.cancel-button');
    await settle(phone);
    assert.equal(page.screen(), 'cancelled');
    const status = await login.browser.request(`${saoma.issuer}/interaction/${login.uid}/status`);
    assert.equal(status.json.state, 'cancelled');
  });

  it('a code someone else scanned first: the taken screen', async () => {
    const login = await startLogin(saoma);
    const scene = await fetchScene(saoma, login);
    assert.equal((await scan(saoma, scene, 'mallory')).status, 200);
    assert.equal((await openFor(scene)).screen(), 'taken');
  });

  it('a code saoma does not know: the expired screen', async () => {
    assert.equal((await openFor('NoSuchCode0123456789')).screen(), 'expired');
  });

  it('a confirm after the code expired: the expired screen', async () => {
    const ttlSeconds = 3;
    const shortLived = await startSaoma({ TICKET_TTL_SECONDS: String(ttlSeconds) });
    try {
      pageConfig.server = shortLived.issuer;
      phone = new WxOverHttp(shortLived.issuer, 'ava');
      phone.install(wx);
      const login = await startLogin(shortLived);
      const scene = await fetchScene(shortLived, login);
      const created = Date.now(); // the code exists by now: it dies at the latest ttlSeconds from here
      const page = await openFor(scene);
      assert.equal(page.screen(), 'confirm');
      // The code dies ttlSeconds after it was made: wait until then (not a fixed time after the scan,
      // which a busy machine may reach only after the code has already gone).
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, created + ttlSeconds * 1000 + 100 - Date.now())));
      page.submit();
      await settle(phone);
      assert.equal(page.screen(), 'expired');
    } finally {
      await shortLived.close();
    }
  });

  it('saoma out of reach: the no-connection screen', async () => {
    pageConfig.server = `http://127.0.0.1:${await freePort()}`;
    assert.equal((await openFor('AnyScene')).screen(), 'offline');
  });
});
