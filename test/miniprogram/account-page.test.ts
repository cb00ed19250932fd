import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { ADMIN_TOKEN, adminApi, refresh, signInTo, type Website } from '../admin/helpers.ts';
import { inspectableMemory, keysMentioning, signInAs, type InspectableStore } from '../accounts/helpers.ts';
import { LogoutEndpoint } from '../accounts/logout-endpoint.ts';
import { RP, startSaoma, type RunningSaoma } from '../helpers/saoma.ts';
import { LoginPage, Throws, loadPage, pageConfig, settle, wx } from './login-page.ts';
import { WxOverHttp } from './wx-over-http.ts';

const accountPage = loadPage('account');

/**
 * The account centre page (miniprogram/pages/account), rendered by miniprogram-simulate from the
 * files WeChat uploads, with its own request code against a running saoma and its WeChat emulator.
 */
describe('the account centre page against a running saoma', { timeout: 120_000 }, () => {
  let saoma: RunningSaoma;
  let inspectable: InspectableStore;
  let phone: WxOverHttp;
  let page: LoginPage | undefined;
  const configured = pageConfig.server;
  const throws = new Throws();
  let clipboard = '';
  const rp = new LogoutEndpoint();
  let logoutShop: Website;

  before(async () => {
    await rp.start();
    inspectable = inspectableMemory();
    saoma = await startSaoma({ ADMIN_TOKEN }, inspectable.store);
    const created = await adminApi(`${saoma.issuer}/admin`)('POST', '/clients', { client_name: 'Logout Shop', redirect_uris: ['http://127.0.0.1:9/logout-shop/cb'], backchannel_logout_uri: rp.url });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    logoutShop = { client_id: created.json.client.client_id, client_secret: created.json.client_secret, redirect_uri: 'http://127.0.0.1:9/logout-shop/cb' };
  });
  beforeEach(() => {
    pageConfig.server = saoma.issuer;
    phone = new WxOverHttp(saoma.issuer, 'nobody');
    phone.install(wx);
    wx.setClipboardData = (options: { data: string; success?: () => void }) => {
      clipboard = options.data;
      setTimeout(() => options.success?.(), 0);
    };
    throws.start();
  });
  afterEach(() => {
    const thrown = throws.stop();
    page?.close();
    page = undefined;
    pageConfig.server = configured;
    assert.deepEqual(thrown, [], 'the page threw');
  });
  after(async () => {
    await saoma.close();
    rp.close();
  });

  async function openAs(user: string, language = 'en') {
    phone.user = user;
    phone.language = language;
    page = LoginPage.open({}, accountPage);
    await settle(phone);
    return page;
  }

  async function tap(selector: string) {
    page!.tap(selector);
    await settle(phone);
  }

  it('is reachable from the login page opened on its own, and from its done screen (the link is in app.json\'s pages)', async () => {
    phone.language = 'en';
    const login = LoginPage.open({});
    page = login;
    await settle(phone);
    assert.equal(login.screen(), 'welcome');
    assert.equal(login.attr('.account-link', 'url'), '/pages/account/account');
    assert.equal(login.text('.account-link'), 'My account: websites, export, delete');
  });

  it('someone who never signed in is told that nothing is held', async () => {
    const page = await openAs('account-page-stranger');
    assert.equal(page.data.screen, 'none');
    assert.equal(page.text('.state-title'), 'Nothing is held about you');
  });

  it('lists the websites with what was shared; withdrawing one ends its refresh token', async () => {
    const person = await signInAs(saoma, 'account-page-lu', 'Lu');
    const page = await openAs('account-page-lu');
    assert.equal(page.data.screen, 'list');
    assert.deepEqual(page.texts('.website-name'), ['Test Shop']);
    assert.equal(page.text('.website-shared'), 'Shared: account id, nickname and picture, staying signed in');
    assert.match(page.text('.website-used'), /^Last used \d{4}-\d\d-\d\d \d\d:\d\d$/);
    assert.equal(page.attr('.website-logo', 'src'), 'https://shop.example/logo.png');

    await tap('.withdraw');
    assert.equal(page.text('.notice'), 'Test Shop no longer has your sign-in.');
    assert.equal(page.text('.empty'), 'You are not signed in to any website.');
    assert.equal((await refresh(saoma.issuer, RP, person.tokens.refresh_token!)).json.error, 'invalid_grant');
  });

  it('exports (shown and copyable) and deletes after a confirmation that says what goes, in Chinese', async () => {
    const person = await signInAs(saoma, 'account-page-mei', 'Mei-unique');
    const page = await openAs('account-page-mei', 'zh_CN');
    assert.equal(page.text('.section-title'), '你登录过的网站');
    await tap('.export');
    assert.equal(page.data.screen, 'export');
    assert.equal(JSON.parse(page.text('.export-text')).account.nickname, 'Mei-unique');
    await tap('.copy');
    assert.equal(JSON.parse(clipboard).account.sub, person.sub);
    assert.equal(page.text('.notice'), '已复制');
    await tap('.back');

    await tap('.delete');
    assert.equal(page.data.screen, 'delete');
    assert.match(page.text('.delete-goes'), /昵称、头像和手机号/);
    assert.equal(await saoma.saoma.accounts.find(person.sub) !== undefined, true, 'nothing is deleted before the confirmation');
    await tap('.confirm-delete');
    assert.equal(page.data.screen, 'deleted');
    assert.equal(page.text('.state-title'), '账号已删除');
    assert.deepEqual(await keysMentioning(inspectable, [person.sub, 'Mei-unique']), []);
    assert.equal((await refresh(saoma.issuer, RP, person.tokens.refresh_token!)).json.error, 'invalid_grant');
  });

  it('withdrawing a website and deleting the account each send the website a logout token for the person', async () => {
    for (const [user, action] of [['account-page-ou', 'withdraw'], ['account-page-pei', 'delete']] as const) {
      const signedIn = await signInTo(saoma, logoutShop, user);
      const page = await openAs(user);
      assert.deepEqual(page.texts('.website-name'), ['Logout Shop'], action);
      const before = rp.requests;
      if (action === 'withdraw') await tap('.withdraw');
      else {
        await tap('.delete');
        await tap('.confirm-delete');
      }
      assert.equal(page.data.screen, action === 'withdraw' ? 'list' : 'deleted', action);
      await rp.arrived(before + 1);
      assert.equal((await rp.verify(saoma.issuer, logoutShop.client_id, before)).sub, signedIn.claims.sub, action);
    }
  });

  it('signs out everywhere', async () => {
    const person = await signInAs(saoma, 'account-page-nan', 'Nan');
    const page = await openAs('account-page-nan');
    await tap('.sign-out-everywhere');
    assert.equal(page.text('.notice'), 'You are signed out of every website.');
    assert.equal((await refresh(saoma.issuer, RP, person.tokens.refresh_token!)).json.error, 'invalid_grant');
  });
});
