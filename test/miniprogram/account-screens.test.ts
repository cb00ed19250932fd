import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { FakeWx } from './fake-wx.ts';
import { LoginPage, loadPage, settle, wx } from './login-page.ts';
import { screenHtml } from './screen-html.ts';
import { Screens } from './screens.ts';

// Dates are shown in the phone's zone; fix it so the screens read the same everywhere.
process.env.TZ = 'Asia/Shanghai';

const UPDATE = 'UPDATE_SCREENS=1 node --test test/miniprogram/account-screens.test.ts';
const accountPage = loadPage('account');
const screens = new Screens('account-screens.json');
const svg = (body: string) => `data:image/svg+xml;base64,${Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">${body}</svg>`).toString('base64')}`;
const PICTURES = {
  'https://shop.example/logo.png': svg('<rect width="64" height="64" rx="14" fill="#ff6a3d"/><path d="M18 26h28l-3 22H21z" fill="#fff"/>'),
  'https://news.example/logo.png': svg('<rect width="64" height="64" rx="14" fill="#3d7bff"/><path d="M16 20h32v6H16zm0 12h32v4H16zm0 10h20v4H16z" fill="#fff"/>'),
};
const ACCOUNT = {
  account: { nickname: '小林', picture: null, created_at: 1_772_000_000, phone_number_held: true, last_sign_in_at: 1_773_450_000 },
  websites: [
    { client_id: 'shop', name: 'Example Shop', logo_uri: 'https://shop.example/logo.png', scopes: ['openid', 'profile', 'phone'], granted_at: 1_773_000_000, last_used_at: 1_773_450_000 },
    { client_id: 'news', name: 'Daily News', logo_uri: 'https://news.example/logo.png', scopes: ['openid'], granted_at: 1_772_100_000, last_used_at: 1_772_900_000 },
  ],
};
const EXPORT = { exported_at: '2026-03-14T01:26:53.000Z', account: { sub: 'q3Jc0x8Vd2mZ1aW7yT5rB9kE', created_at: 1_772_000_000, nickname: '小林', phone_number: '+8613800138000', phone_number_verified: true }, last_sign_in_at: 1_773_450_000, websites: ACCOUNT.websites.slice(0, 1), sessions: [], avatars_uploaded: 0 };

/** Pictures of the account page's screens for docs/miniprogram.md, from a scripted WeChat. */
describe('the account page\'s screens (docs/miniprogram.md)', () => {
  for (const language of ['en', 'zh_CN']) {
    it(`draws the list, the export, the delete confirmation and the end (${language})`, async () => {
      const fake = new FakeWx();
      fake.language = language;
      fake.install(wx);
      wx.setClipboardData = () => {};
      fake.reply('/mp/account/session', { status: 200, data: { token: 't', expires_at: 1_773_450_600 } });
      fake.reply('/mp/account', { status: 200, data: ACCOUNT }, { status: 200, data: ACCOUNT }, { status: 200, data: { deleted: true } });
      fake.reply('/mp/account/export', { status: 200, data: EXPORT });
      const page = LoginPage.open({}, accountPage);
      const suffix = language === 'en' ? '' : '-zh';
      const capture = (name: string) => screens.add(`account-${name}${suffix}`, screenHtml(page.tree(), fake.title, PICTURES, 'account'));
      try {
        await settle(fake);
        assert.equal(page.data.screen, 'list');
        capture('websites');
        page.tap('.export');
        await settle(fake);
        assert.equal(page.data.screen, 'export');
        capture('export');
        page.tap('.back');
        await settle(fake);
        page.tap('.delete');
        await settle(fake);
        assert.equal(page.data.screen, 'delete');
        capture('delete');
        page.tap('.confirm-delete');
        await settle(fake);
        assert.equal(page.data.screen, 'deleted');
        capture('deleted');
        assert.equal(fake.requests('/mp/account').at(-1)?.data?.confirm, true, 'the delete says it was confirmed');
      } finally {
        page.close();
      }
    });
  }

  after(async () => {
    await screens.draw(process.env.UPDATE_SCREENS === '1');
  });
});

describe('the account pictures in docs/miniprogram.md', () => {
  it(`show every account screen as the page renders it now (if not: ${UPDATE}, and commit docs/miniprogram/)`, () => {
    assert.deepEqual(screens.documented(), screens.fingerprints());
    const text = readFileSync(new URL('../../docs/miniprogram.md', import.meta.url), 'utf8');
    for (const name of Object.keys(screens.fingerprints())) assert.match(text, new RegExp(`src="miniprogram/${name}\\.png"`), `docs/miniprogram.md shows ${name}`);
  });
});
