import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { FakeWx, error, scanAnswer } from './fake-wx.ts';
import { LoginPage, Throws, attr, settle, wx, type Node } from './login-page.ts';
import { screenHtml } from './screen-html.ts';
import { Screens, UPDATE_COMMAND } from './screens.ts';

// The requester's time is shown in the phone's zone; fix it so the screens read the same everywhere.
process.env.TZ = 'Asia/Shanghai';

const svg = (body: string) => `data:image/svg+xml;base64,${Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">${body}</svg>`).toString('base64')}`;
/** What the pictures the page names look like in the screenshots (no network there). */
const PICTURES = {
  'https://shop.example/logo.png': svg('<rect width="64" height="64" rx="14" fill="#ff6a3d"/><path d="M18 26h28l-3 22H21z" fill="#fff"/><path d="M25 26c0-9 14-9 14 0" fill="none" stroke="#fff" stroke-width="4"/>'),
  'wxfile://tmp/avatar.jpg': svg('<rect width="64" height="64" fill="#8fd3ff"/><circle cx="32" cy="27" r="13" fill="#ffd8b0"/><path d="M8 64c3-14 13-20 24-20s21 6 24 20z" fill="#3d7bff"/><circle cx="27" cy="26" r="2"/><circle cx="37" cy="26" r="2"/>'),
};
const AVATAR = 'wxfile://tmp/avatar.jpg';
const SCENE = 'Kq7:Zz/9mP';

const screens = new Screens();

describe('the login page (miniprogram-simulate, scripted WeChat)', () => {
  let fake: FakeWx;
  let page: LoginPage | undefined;
  const throws = new Throws();

  beforeEach(() => {
    fake = new FakeWx();
    fake.install(wx);
    throws.start();
  });
  afterEach(() => {
    const thrown = throws.stop();
    page?.close();
    page = undefined;
    assert.deepEqual(thrown, [], 'the page threw');
  });

  /** WeChat opens the page for a scanned code (the scene arrives URL-encoded) and it settles. */
  async function open(query: Record<string, string> = { scene: encodeURIComponent(SCENE) }) {
    page = LoginPage.open(query);
    await settle(fake);
    return page;
  }

  const capture = (name: string) => screens.add(name, screenHtml(page!.tree(), fake.title, PICTURES));

  describe('scan → confirm screen', () => {
    it('reads the URL-encoded scene, calls wx.login, posts {scene, code} to /mp/scan, and shows who asks and from where', async () => {
      fake.reply('/mp/scan', { status: 200, data: scanAnswer() });
      const page = await open();
      assert.deepEqual(fake.calls.map((c) => c.api), ['login', 'request', 'getPrivacySetting'], 'then whether the privacy agreement is still needed (the website asked for the profile)');
      const [scanCall] = fake.requests('/mp/scan');
      assert.deepEqual(scanCall!.data, { scene: SCENE, code: 'wx-login-code' });
      assert.equal(scanCall!.header!['Accept-Language'], 'en');

      assert.equal(page.screen(), 'confirm');
      assert.equal(fake.title, 'Sign in');
      assert.equal(page.text('.site-title'), 'Sign in to Test Shop?');
      assert.equal(page.text('.site-host'), 'shop.example');
      assert.equal(page.attr('.site-logo', 'src'), 'https://shop.example/logo.png');
      assert.equal(page.text('.card-title'), 'Test Shop will receive');
      assert.deepEqual(page.texts('.scope'), ['Your account identifier', 'Your WeChat nickname and picture']);
      assert.equal(page.text('.requester-browser'), 'Chrome 126.0');
      assert.equal(page.text('.requester-os'), 'macOS Sonoma');
      assert.equal(page.text('.requester-ip'), '203.0.113.7');
      assert.equal(page.text('.requester-region'), '浙江省 杭州市');
      assert.equal(page.text('.requester-network'), '电信');
      assert.equal(page.text('.requester-time'), '2026-03-14 09:26:53', 'in the phone\'s own time zone');
      assert.equal(page.has('.other-network'), false, 'no network warning when saoma gives none');
      assert.equal(page.text('.warning-title'), 'Only if you are signing in right now');
      assert.match(page.text('.warning-text'), /only if you are signing in on your own screen at this moment.*sent you this code.*tap Cancel/);
      assert.equal(page.attr('.nickname', 'type'), 'nickname');
      assert.equal(page.attr('.avatar-button', 'open-type'), 'chooseAvatar');
      assert.equal(page.has('.phone-button'), false, 'the website did not ask for the phone');
      assert.equal(page.attr('.confirm-button', 'form-type'), 'submit');
      assert.equal(page.attr('.confirm-button', 'disabled'), false);
      capture('confirm');
    });

    it('shows a waiting screen until /mp/scan answers', async () => {
      fake.reply('/mp/scan', { status: 200, data: scanAnswer() });
      fake.hold();
      const page = await open();
      assert.equal(page.screen(), 'loading');
      assert.equal(page.text('.state-title'), 'Checking the sign-in request…');
      capture('loading');
      fake.release();
      await settle(fake);
      assert.equal(page.screen(), 'confirm');
    });

    it('asks for nickname and avatar only when the website asked for the profile; a website without a logo gets the neutral one', async () => {
      fake.reply('/mp/scan', { status: 200, data: scanAnswer({ scopes: ['openid'], client: { logo_uri: null, client_uri: null } }) });
      const page = await open();
      assert.equal(page.has('.profile'), false);
      assert.equal(page.has('.site-host'), false);
      assert.equal(page.attr('.site-logo', 'src'), '../../images/website.svg');
    });

    it('a logo that fails to load is replaced by the neutral one', async () => {
      fake.reply('/mp/scan', { status: 200, data: scanAnswer() });
      const page = await open();
      page.fire('.site-logo', 'error');
      await settle(fake);
      assert.equal(page.attr('.site-logo', 'src'), '../../images/website.svg');
    });

    it('speaks Chinese in a Chinese WeChat, and asks saoma for Chinese scope words', async () => {
      fake.language = 'zh_CN';
      fake.reply('/mp/scan', { status: 200, data: scanAnswer() });
      const page = await open();
      assert.equal(fake.requests('/mp/scan')[0]!.header!['Accept-Language'], 'zh-CN');
      assert.equal(fake.title, '登录确认');
      assert.equal(page.text('.site-title'), '登录 Test Shop？');
      assert.equal(page.text('.warning-title'), '仅在你本人正在登录时确认');
      assert.equal(page.text('.confirm-button'), '确认登录');
    });
  });

  describe('a sign-in started on another network than the phone', () => {
    const OTHER_NETWORK = { code: 'different_network', message: 'This sign-in was started on another network than your phone. Confirm only if that is you.' };

    /** The node whose class list has `name`, depth first. */
    function find(node: Node, name: string): Node | undefined {
      if (String(attr(node, 'class') ?? '').split(/\s+/).includes(name)) return node;
      for (const child of node.children) {
        const found = typeof child === 'string' ? undefined : find(child, name);
        if (found) return found;
      }
      return undefined;
    }
    const elements = (node: Node | undefined) => (node?.children ?? []).filter((child): child is Node => typeof child !== 'string');

    for (const language of ['en', 'zh_CN'] as const) {
      it(`${language}: the warning is the first thing on the confirm screen, and Cancel is the first and primary button`, async () => {
        fake.language = language;
        const chinese = language === 'zh_CN';
        const warning = chinese ? { code: 'different_network', message: '这次登录是在与你手机不同的网络上发起的。只有确定是你本人时才确认。' } : OTHER_NETWORK;
        fake.reply('/mp/scan', { status: 200, data: scanAnswer({ language: chinese ? 'zh-CN' : 'en', requester: { region: '广东省 广州市', network: '电信', same_network: 'different' }, warning }) });
        const page = await open();
        assert.equal(page.screen(), 'confirm');
        const form = find(page.tree(), 'confirm');
        assert.equal(attr(elements(form)[0]!, 'class'), 'other-network', 'the warning comes before the website and everything else');
        if (language === 'en') {
          assert.equal(page.text('.other-network-title'), 'Started on another network');
          assert.match(page.text('.other-network-text'), /^The sign-in was started on another network than your phone: confirm only if that is you\./);
        } else {
          assert.equal(page.text('.other-network-title'), '登录请求来自另一个网络');
          assert.match(page.text('.other-network-text'), /^这次登录是在与你手机不同的网络上发起的：只有确定是你本人时才确认。/);
        }
        assert.equal(page.text('.requester-region'), '广东省 广州市');
        assert.equal(page.text('.requester-network'), '电信');

        const buttons = elements(find(page.tree(), 'actions')).map((button) => ({ class: String(attr(button, 'class')).trim(), type: attr(button, 'type') }));
        assert.deepEqual(buttons.map((b) => b.class.split(/\s+/)[0]), ['cancel-button', 'confirm-button'], 'Cancel first');
        assert.deepEqual(buttons.map((b) => b.type), ['primary', 'default'], 'Cancel is the primary button, Confirm a plain one');
        capture(language === 'en' ? 'confirm-other-network' : 'confirm-other-network-zh');
      });
    }

    it('Cancel, the first button, cancels; Confirm still confirms for a person who is signing in from another network on purpose', async () => {
      fake.reply('/mp/scan', { status: 200, data: scanAnswer({ warning: OTHER_NETWORK }) });
      fake.reply('/mp/cancel', { status: 200, data: { state: 'cancelled' } });
      const cancelling = await open();
      cancelling.tap('.cancel-button');
      await settle(fake);
      assert.equal(fake.requests('/mp/cancel').length, 1);
      assert.equal(cancelling.screen(), 'cancelled');
      cancelling.close();

      fake.reply('/mp/scan', { status: 200, data: scanAnswer({ warning: OTHER_NETWORK }) });
      fake.reply('/mp/confirm', { status: 200, data: { state: 'confirmed' } });
      page = await open();
      page.submit();
      await settle(fake);
      assert.equal(fake.requests('/mp/confirm').length, 1);
      assert.equal(page.screen(), 'done');
    });

    it('another warning code, or none, shows no network warning; an older saoma without region and network shows them as unknown', async () => {
      fake.reply('/mp/scan', { status: 200, data: { ...scanAnswer({ warning: { code: 'something_else', message: 'x' } }), requester: { ip: '203.0.113.7', browser: 'Chrome 126.0', os: 'macOS Sonoma', time: '2026-03-14T01:26:53.000Z' } } });
      const page = await open();
      assert.equal(page.screen(), 'confirm');
      assert.equal(page.has('.other-network'), false);
      assert.equal(page.text('.requester-region'), 'unknown');
      assert.equal(page.text('.requester-network'), 'unknown');
      assert.equal(page.attr('.confirm-button', 'type'), 'primary');
    });
  });

  describe('confirm and cancel', () => {
    it('Confirm sends the nickname from the form and the uploaded avatar, once, and shows the result', async () => {
      fake.reply('/mp/scan', { status: 200, data: scanAnswer() });
      fake.reply('/mp/avatar', { status: 200, data: { avatar_url: 'https://login.example.com/mp/avatar/AbCdEfGhIjKlMnOpQrStUvWx' } });
      fake.reply('/mp/confirm', { status: 200, data: { state: 'confirmed' } });
      const page = await open();

      fake.hold();
      page.fire('.avatar-button', 'chooseavatar', { avatarUrl: AVATAR });
      await settle(fake);
      assert.equal(page.attr('.avatar', 'src'), AVATAR, 'the chosen picture shows at once');
      assert.equal(page.text('.avatar-note'), 'Uploading the avatar…');
      assert.equal(page.attr('.confirm-button', 'disabled'), true, 'no confirm before the avatar is up');
      page.submit({ nickname: 'Ava' });
      await settle(fake);
      assert.equal(fake.requests('/mp/confirm').length, 0);
      fake.release();
      await settle(fake);

      const [upload] = fake.requests('/mp/avatar');
      assert.deepEqual(upload, { api: 'uploadFile', path: '/mp/avatar', filePath: 'wxfile://tmp/avatar-small.jpg', name: 'avatar', formData: { scene: SCENE, token: 'scan-token-1' } });
      assert.equal(page.has('.avatar-note'), false);
      assert.equal(page.attr('.confirm-button', 'disabled'), false);
      capture('confirm-profile');

      page.submit({ nickname: '  Ava  ' });
      await settle(fake);
      assert.deepEqual(fake.requests('/mp/confirm').map((c) => c.data), [{ scene: SCENE, token: 'scan-token-1', nickname: 'Ava', avatar_url: 'https://login.example.com/mp/avatar/AbCdEfGhIjKlMnOpQrStUvWx' }]);
      assert.equal(page.screen(), 'done');
      assert.equal(page.text('.state-title'), 'You are signed in');
      assert.equal(page.text('.state-text'), 'Go back to your screen: Test Shop continues there. You can close WeChat now.');
      assert.equal(page.has('.retry-button'), false);
      capture('done');
    });

    it('double taps on Confirm send one request; Cancel is ignored while it is on its way', async () => {
      fake.reply('/mp/scan', { status: 200, data: scanAnswer() });
      fake.reply('/mp/confirm', { status: 200, data: { state: 'confirmed' } });
      fake.reply('/mp/cancel', { status: 200, data: { state: 'cancelled' } });
      const page = await open();
      fake.hold();
      page.submit();
      page.submit();
      await settle(fake);
      page.submit();
      page.tap('.cancel-button');
      await settle(fake);
      assert.equal(page.attr('.confirm-button', 'disabled'), true);
      assert.equal(page.attr('.confirm-button', 'loading'), true);
      capture('confirm-sending');
      fake.release();
      await settle(fake);
      assert.equal(fake.requests('/mp/confirm').length, 1);
      assert.equal(fake.requests('/mp/cancel').length, 0);
      assert.equal(page.screen(), 'done');
    });

    it('Cancel posts /mp/cancel with the scan token, once, and says the website will not sign the person in', async () => {
      fake.reply('/mp/scan', { status: 200, data: scanAnswer() });
      fake.reply('/mp/cancel', { status: 200, data: { state: 'cancelled' } });
      const page = await open();
      fake.hold();
      page.tap('.cancel-button');
      page.tap('.cancel-button');
      page.submit();
      await settle(fake);
      assert.deepEqual([page.attr('.cancel-button', 'loading'), page.attr('.confirm-button', 'loading')], [true, false], 'the button tapped is the one that spins');
      assert.equal(page.attr('.confirm-button', 'disabled'), true);
      fake.release();
      await settle(fake);
      assert.deepEqual(fake.requests('/mp/cancel').map((c) => c.data), [{ scene: SCENE, token: 'scan-token-1' }]);
      assert.equal(fake.requests('/mp/confirm').length, 0);
      assert.equal(page.screen(), 'cancelled');
      assert.equal(page.text('.state-title'), 'Sign-in cancelled');
      assert.match(page.text('.state-text'), /^Test Shop will not sign you in\./);
      capture('cancelled');
    });

    it('an avatar that cannot be uploaded is said so, and the login goes on without it', async () => {
      fake.reply('/mp/scan', { status: 200, data: scanAnswer() });
      fake.reply('/mp/avatar', error(413, 'payload_too_large'));
      fake.reply('/mp/confirm', { status: 200, data: { state: 'confirmed' } });
      const page = await open();
      page.fire('.avatar-button', 'chooseavatar', { avatarUrl: AVATAR });
      await settle(fake);
      assert.equal(page.text('.avatar-note'), 'The avatar could not be uploaded. You can confirm without it.');
      page.submit({ nickname: '' });
      await settle(fake);
      assert.deepEqual(fake.requests('/mp/confirm')[0]!.data, { scene: SCENE, token: 'scan-token-1' });
      assert.equal(page.screen(), 'done');
    });
  });

  describe('the privacy agreement (用户隐私保护指引): nickname, avatar and phone only after a yes', () => {
    const withProfileAndPhone = () => fake.reply('/mp/scan', { status: 200, data: scanAnswer({ scopes: ['openid', 'profile', 'phone'] }) });
    /** The person taps the page's agree button: WeChat records the agreement, then fires the button's event. */
    const agree = (page: LoginPage) => {
      fake.tapAgreePrivacy(String(page.attr('.privacy-agree', 'id')));
      page.fire('.privacy-agree', 'agreeprivacyauthorization');
    };

    it('someone who has not agreed is asked first, through WeChat\'s listener; after Agree WeChat hears "agree" with the tapped button, and the abilities appear', async () => {
      fake.privacyAgreed = false;
      fake.privacyGuide = '《Saoma 小程序隐私保护指引》';
      withProfileAndPhone();
      fake.reply('/mp/confirm', { status: 200, data: { state: 'confirmed' } });
      const page = await open();
      assert.equal(page.screen(), 'confirm');
      assert.deepEqual(fake.calls.slice(2).map((c) => c.api), ['getPrivacySetting', 'requirePrivacyAuthorize']);
      assert.deepEqual(fake.privacyAnswers, [{ event: 'exposureAuthorization' }], 'WeChat is told the prompt is on screen');
      assert.equal(fake.privacyWaiting, 1);
      assert.equal(page.text('.privacy .card-title'), 'Privacy guide');
      assert.equal(page.text('.privacy-text'), 'To give Test Shop your nickname, avatar and phone number, first agree to this mini-program\'s privacy guide. You can also confirm without them.');
      assert.equal(page.text('.privacy-guide'), '《Saoma 小程序隐私保护指引》');
      assert.equal(page.attr('.privacy-agree', 'open-type'), 'agreePrivacyAuthorization');
      assert.equal(page.text('.privacy-decline'), 'Decline');
      for (const ability of ['.profile', '.nickname', '.avatar-button', '.phone', '.phone-button']) assert.equal(page.has(ability), false, `${ability} before the agreement`);
      assert.equal(page.attr('.confirm-button', 'disabled'), false, 'Confirm does not wait for the agreement');
      capture('privacy');

      agree(page);
      await settle(fake);
      assert.deepEqual(fake.privacyAnswers, [{ event: 'exposureAuthorization' }, { event: 'agree', buttonId: 'agree-privacy' }]);
      assert.equal(fake.privacyWaiting, 0);
      assert.equal(page.has('.privacy'), false);
      assert.equal(page.attr('.nickname', 'type'), 'nickname');
      assert.equal(page.attr('.avatar-button', 'open-type'), 'chooseAvatar');
      assert.equal(page.attr('.phone-button', 'open-type'), 'getPhoneNumber');
      page.fire('.phone-button', 'getphonenumber', { code: 'phone-code-1', errMsg: 'getPhoneNumber:ok' });
      await settle(fake);
      page.submit({ nickname: 'Ava' });
      await settle(fake);
      assert.deepEqual(fake.requests('/mp/confirm').map((c) => c.data), [{ scene: SCENE, token: 'scan-token-1', nickname: 'Ava', phone_code: 'phone-code-1' }]);
      assert.equal(page.screen(), 'done');
    });

    it('asks in Chinese in a Chinese WeChat, naming only what the website asked for, and says so in Chinese when declined', async () => {
      fake.language = 'zh_CN';
      fake.privacyAgreed = false;
      fake.reply('/mp/scan', { status: 200, data: scanAnswer({ scopes: ['openid', 'profile'], language: 'zh-CN' }) });
      const page = await open();
      assert.equal(page.text('.privacy .card-title'), '隐私保护指引');
      assert.equal(page.text('.privacy-text'), '向 Test Shop 提供你的昵称和头像之前，需要你同意本小程序的隐私保护指引。不同意也可以直接确认登录。');
      assert.equal(page.text('.privacy-guide'), '查看隐私保护指引', 'the page\'s own words when WeChat gives no name');
      assert.deepEqual([page.text('.privacy-decline'), page.text('.privacy-agree')], ['拒绝', '同意']);
      capture('privacy-zh');
      page.tap('.privacy-decline');
      await settle(fake);
      assert.equal(page.text('.privacy-text'), '未同意。你仍可确认登录，Test Shop 不会获得你的昵称和头像。');
      capture('privacy-declined-zh');
    });

    it('declining: WeChat hears "disagree", no nickname, avatar or phone is offered, and the login still completes without them', async () => {
      fake.privacyAgreed = false;
      withProfileAndPhone();
      fake.reply('/mp/confirm', { status: 200, data: { state: 'confirmed' } });
      const page = await open();
      page.tap('.privacy-decline');
      await settle(fake);
      assert.deepEqual(fake.privacyAnswers, [{ event: 'exposureAuthorization' }, { event: 'disagree' }]);
      assert.equal(fake.privacyWaiting, 0);
      assert.equal(page.text('.privacy-text'), 'Not agreed. You can still confirm; Test Shop will not receive your nickname, avatar and phone number.');
      assert.equal(page.has('.privacy-decline'), false);
      assert.equal(page.has('.privacy-agree'), true, 'the person may still change their mind');
      for (const ability of ['.profile', '.phone']) assert.equal(page.has(ability), false);
      capture('privacy-declined');
      page.submit({});
      await settle(fake);
      assert.deepEqual(fake.requests('/mp/confirm').map((c) => c.data), [{ scene: SCENE, token: 'scan-token-1' }]);
      assert.equal(page.screen(), 'done');
    });

    it('after declining, Agree still works: the abilities appear', async () => {
      fake.privacyAgreed = false;
      withProfileAndPhone();
      const page = await open();
      page.tap('.privacy-decline');
      await settle(fake);
      agree(page);
      await settle(fake);
      assert.equal(page.has('.privacy'), false);
      assert.equal(page.has('.profile'), true);
      assert.equal(page.has('.phone-button'), true);
    });

    it('Confirm while the prompt is open answers WeChat "disagree" (a waiting request is never left hanging) and sends no profile', async () => {
      fake.privacyAgreed = false;
      withProfileAndPhone();
      fake.reply('/mp/confirm', { status: 200, data: { state: 'confirmed' } });
      const page = await open();
      page.submit({});
      await settle(fake);
      assert.deepEqual(fake.privacyAnswers, [{ event: 'exposureAuthorization' }, { event: 'disagree' }]);
      assert.equal(fake.privacyWaiting, 0);
      assert.deepEqual(fake.requests('/mp/confirm').map((c) => c.data), [{ scene: SCENE, token: 'scan-token-1' }]);
      assert.equal(page.screen(), 'done');
    });

    it('Cancel while the prompt is open answers WeChat "disagree" too', async () => {
      fake.privacyAgreed = false;
      withProfileAndPhone();
      fake.reply('/mp/cancel', { status: 200, data: { state: 'cancelled' } });
      const page = await open();
      page.tap('.cancel-button');
      await settle(fake);
      assert.equal(fake.privacyWaiting, 0);
      assert.equal(page.screen(), 'cancelled');
    });

    it('someone who agreed before sees no prompt: the abilities show at once', async () => {
      withProfileAndPhone();
      const page = await open();
      assert.equal(page.has('.privacy'), false);
      assert.equal(page.has('.profile'), true);
      assert.equal(page.has('.phone-button'), true);
      assert.deepEqual(fake.calls.map((c) => c.api), ['login', 'request', 'getPrivacySetting'], 'not asked again');
      assert.deepEqual(fake.privacyAnswers, []);
    });

    it('an ability WeChat holds back on its own (the guide gained a new item since) gets the same prompt, and goes on after Agree', async () => {
      withProfileAndPhone();
      const page = await open();
      fake.privacyAgreed = false;
      let wentOn: boolean | undefined;
      fake.needPrivacy('button.getPhoneNumber', (agreed) => void (wentOn = agreed));
      await settle(fake);
      assert.equal(page.has('.privacy-agree'), true);
      assert.equal(page.has('.phone-button'), false);
      agree(page);
      await settle(fake);
      assert.equal(wentOn, true);
      assert.equal(page.has('.phone-button'), true);
    });

    it('a tap on the guide\'s name opens WeChat\'s page of the guide', async () => {
      fake.privacyAgreed = false;
      withProfileAndPhone();
      const page = await open();
      page.tap('.privacy-guide');
      await settle(fake);
      assert.equal(fake.calls.filter((c) => c.api === 'openPrivacyContract').length, 1);
    });

    it('a website that asks for neither profile nor phone: no privacy question at all', async () => {
      fake.privacyAgreed = false;
      fake.reply('/mp/scan', { status: 200, data: scanAnswer({ scopes: ['openid'] }) });
      const page = await open();
      assert.equal(page.has('.privacy'), false);
      assert.deepEqual(fake.calls.map((c) => c.api), ['login', 'request']);
    });

    it('a base library without the privacy agreement (before 2.32.3): the abilities show as before', async () => {
      fake.withoutPrivacyApis();
      withProfileAndPhone();
      const page = await open();
      assert.equal(page.has('.privacy'), false);
      assert.equal(page.has('.profile'), true);
      assert.equal(page.has('.phone-button'), true);
    });
  });

  describe('the phone number', () => {
    const withPhone = () => fake.reply('/mp/scan', { status: 200, data: scanAnswer({ scopes: ['openid', 'phone'] }) });

    it('when the website asked for the phone: WeChat\'s phone button; its code goes to /mp/confirm as phone_code', async () => {
      withPhone();
      fake.reply('/mp/confirm', { status: 200, data: { state: 'confirmed' } });
      const page = await open();
      assert.equal(page.attr('.phone-button', 'open-type'), 'getPhoneNumber');
      assert.equal(page.attr('.phone-button', 'phone-number-no-quota-toast'), false, 'WeChat\'s own quota notice is off: the page says it once');
      assert.equal(page.text('.phone-button'), 'Share my phone number');
      capture('confirm-phone');
      page.fire('.phone-button', 'getphonenumber', { code: 'phone-code-1', errMsg: 'getPhoneNumber:ok' });
      await settle(fake);
      assert.equal(page.has('.phone-button'), false);
      assert.equal(page.text('.phone-note'), 'Test Shop will receive your phone number.');
      capture('confirm-phone-shared');
      page.submit();
      await settle(fake);
      assert.deepEqual(fake.requests('/mp/confirm')[0]!.data, { scene: SCENE, token: 'scan-token-1', phone_code: 'phone-code-1' });
    });

    it('when the person declines: a note, the button stays (they may change their mind), and Confirm goes on without phone_code', async () => {
      withPhone();
      fake.reply('/mp/confirm', { status: 200, data: { state: 'confirmed' } });
      const page = await open();
      page.fire('.phone-button', 'getphonenumber', { errMsg: 'getPhoneNumber:fail user deny' });
      await settle(fake);
      assert.equal(page.text('.phone-note'), 'Not shared. You can still confirm; Test Shop will not receive your phone number.');
      assert.equal(page.has('.phone-button'), true);
      page.submit();
      await settle(fake);
      assert.deepEqual(fake.requests('/mp/confirm')[0]!.data, { scene: SCENE, token: 'scan-token-1' });
      assert.equal(page.screen(), 'done');
    });

    for (const language of ['en', 'zh_CN']) {
      it(`when the quota of phone numbers is used up (errno 1400001, on the phone: no server call) the person sees one message, the page's own (${language})`, async () => {
        fake.language = language;
        fake.reply('/mp/scan', { status: 200, data: scanAnswer({ scopes: ['openid', 'phone'], language: language === 'en' ? 'en' : 'zh-CN' }) });
        fake.reply('/mp/confirm', { status: 200, data: { state: 'confirmed' } });
        const page = await open();
        page.fire('.phone-button', 'getphonenumber', { errMsg: 'getPhoneNumber:fail no quota', errno: 1400001 });
        await settle(fake);
        assert.deepEqual(page.texts('.phone .note'), [language === 'en' ? 'Phone numbers cannot be shared right now. You can still confirm without one.' : '暂时无法提供手机号，你仍可不带手机号确认登录。']);
        assert.equal(page.has('.phone-button'), false, 'tapping again would only give the same errno');
        assert.deepEqual(fake.calls.filter((c) => c.api === 'showToast' || c.api === 'showModal'), [], 'no toast or dialog of the page\'s own on top');
        capture(language === 'en' ? 'confirm-phone-unavailable' : 'confirm-phone-unavailable-zh');
        page.submit();
        await settle(fake);
        assert.deepEqual(fake.requests('/mp/confirm')[0]!.data, { scene: SCENE, token: 'scan-token-1' }, 'nothing to exchange, nothing spent');
        assert.equal(page.screen(), 'done');
      });
    }
  });

  describe('opened without a code (as reviewers, the recent list and a search open it)', () => {
    const welcome = {
      en: { title: 'Scan the code on a website to sign in', text: /^This mini-program confirms sign-ins to websites\./, steps: ['On a website, choose to sign in with WeChat.', 'Scan the code the website shows, with WeChat.', 'See which website asks, and confirm here.'], nav: 'Sign in' },
      zh_CN: { title: '扫描网站上的码来登录', text: /^这个小程序用于确认网站登录。/, steps: ['在网站上选择微信登录。', '用微信扫描网站上显示的码。', '核对请求登录的网站，在这里确认。'], nav: '登录确认' },
    };
    for (const [language, words] of Object.entries(welcome)) {
      it(`a neutral page that explains how to sign in, not an error, without calling WeChat or saoma (${language})`, async () => {
        fake.language = language;
        const page = await open({});
        assert.equal(page.screen(), 'welcome');
        assert.equal(fake.title, words.nav);
        assert.equal(page.text('.state-title'), words.title);
        assert.match(page.text('.state-text'), words.text);
        assert.deepEqual(page.texts('.step-text'), words.steps);
        assert.equal(page.has('.retry-button'), false);
        assert.equal(page.has('.state-detail'), false);
        assert.deepEqual(fake.calls, []);
        capture(language === 'en' ? 'welcome' : 'welcome-zh');
      });
    }

    it('an empty scene is the same as none', async () => {
      const page = await open({ scene: '' });
      assert.equal(page.screen(), 'welcome');
      assert.deepEqual(fake.calls, []);
    });
  });

  describe('a code that cannot be used', () => {
    const badScenes: Array<[string, Record<string, string>]> = [
      ['a garbled escape', { scene: '%E0%A4%A' }],
      ['characters WeChat never puts in a scene', { scene: encodeURIComponent('abc def<>') }],
      ['a scene longer than 32 characters', { scene: 'A'.repeat(33) }],
    ];
    for (const [name, query] of badScenes) {
      it(`${name}: the expired screen, without calling WeChat or saoma`, async () => {
        const page = await open(query);
        assert.equal(page.screen(), 'expired');
        assert.equal(page.text('.state-title'), 'This code is no longer valid');
        assert.equal(page.text('.state-text'), 'It has expired or was already used. On your screen, get a new code and scan it again.');
        assert.deepEqual(fake.calls, []);
      });
    }

    for (const code of ['ticket_expired', 'ticket_not_found', 'ticket_consumed', 'ticket_cancelled']) {
      it(`/mp/scan answers ${code}: the expired screen, with no button that cannot help`, async () => {
        fake.reply('/mp/scan', error(code === 'ticket_not_found' ? 404 : 410, code));
        const page = await open();
        assert.equal(page.screen(), 'expired');
        assert.equal(page.has('.retry-button'), false);
        if (code === 'ticket_expired') capture('expired');
      });
    }

    it('a confirm after the code expired: the expired screen', async () => {
      fake.reply('/mp/scan', { status: 200, data: scanAnswer() });
      fake.reply('/mp/confirm', error(410, 'ticket_expired'));
      const page = await open();
      page.submit();
      await settle(fake);
      assert.equal(page.screen(), 'expired');
    });

    it('already scanned by someone else: says so, and what to do', async () => {
      fake.reply('/mp/scan', error(409, 'ticket_already_scanned'));
      const page = await open();
      assert.equal(page.screen(), 'taken');
      assert.equal(page.text('.state-title'), 'Someone else scanned this code');
      assert.match(page.text('.state-text'), /get a new code there and scan it.*confirm nothing/);
      assert.equal(page.has('.retry-button'), false);
      capture('taken');
    });
  });

  describe('no network, server trouble', () => {
    it('no network at the scan: says so; Try again logs in and scans again', async () => {
      fake.reply('/mp/scan', { offline: 'timeout' }, { status: 200, data: scanAnswer({ token: 'scan-token-2' }) });
      const page = await open();
      assert.equal(page.screen(), 'offline');
      assert.equal(page.text('.state-title'), 'No connection');
      assert.equal(page.text('.state-text'), 'Your phone could not reach the sign-in server. Check your network, then try again.');
      capture('offline');
      page.tap('.retry-button');
      await settle(fake);
      assert.deepEqual(fake.calls.filter((c) => c.api === 'login' || c.api === 'request').map((c) => c.api), ['login', 'request', 'login', 'request'], 'a wx.login code is single-use: a fresh one');
      assert.equal(page.screen(), 'confirm');
      assert.equal(page.data.session.token, 'scan-token-2');
    });

    it('wx.login failing is no network too', async () => {
      fake.login = { fail: 'network' };
      const page = await open();
      assert.equal(page.screen(), 'offline');
      assert.equal(fake.requests('/mp/scan').length, 0);
    });

    it('no network at the confirm: Try again goes back to the confirm screen; a confirm that had got through counts as done', async () => {
      fake.reply('/mp/scan', { status: 200, data: scanAnswer() });
      fake.reply('/mp/confirm', { offline: 'timeout' }, error(409, 'ticket_already_confirmed'));
      const page = await open();
      page.submit({ nickname: 'Ava' });
      await settle(fake);
      assert.equal(page.screen(), 'offline');
      page.tap('.retry-button');
      await settle(fake);
      assert.equal(page.screen(), 'confirm');
      assert.equal(page.attr('.nickname', 'value'), 'Ava', 'what was typed is still there');
      page.submit({ nickname: 'Ava' });
      await settle(fake);
      assert.equal(fake.requests('/mp/confirm').length, 2);
      assert.equal(page.screen(), 'done');
    });

    const serverErrors = [
      { name: 'WeChat failing behind saoma (502 wechat_error)', reply: error(502, 'wechat_error'), text: /could not answer properly/, detail: 'wechat_error (502)' },
      { name: 'a proxy\'s HTML error page (500)', reply: { status: 500, data: '<html><body>Internal Server Error</body></html>' }, text: /could not answer properly/, detail: 'HTTP 500' },
      { name: 'saoma unavailable (503)', reply: error(503, 'unavailable'), text: /could not answer properly/, detail: 'unavailable (503)' },
      { name: 'too many attempts (429)', reply: error(429, 'rate_limited'), text: /^Too many attempts\. Wait a minute/, detail: 'rate_limited (429)' },
      { name: 'WeChat blocking the account (403, with WeChat\'s errcode)', reply: { status: 403, data: { error: 'login_blocked', error_description: 'WeChat blocked this login', errcode: 40226 } }, text: /^WeChat stopped this sign-in/, detail: 'login_blocked (403)' },
      { name: 'the operator blocked the account (403, no errcode)', reply: error(403, 'login_blocked'), text: /^This account is blocked: it cannot sign in/, detail: 'login_blocked (403)' },
    ];
    for (const c of serverErrors) {
      it(`${c.name}: the error screen, with Try again`, async () => {
        fake.reply('/mp/scan', c.reply);
        const page = await open();
        assert.equal(page.screen(), 'error');
        assert.equal(page.text('.state-title'), 'Something went wrong');
        assert.match(page.text('.state-text'), c.text);
        assert.equal(page.text('.state-detail'), c.detail);
        assert.equal(page.has('.retry-button'), true);
        if (c.detail === 'wechat_error (502)') capture('error');
      });
    }

    const oddAnswers: Array<[string, unknown]> = [
      ['an empty object', {}],
      ['text', 'OK'],
      ['null', null],
      ['no token', { ...scanAnswer(), token: '' }],
      ['scopes that are not a list', { ...scanAnswer(), scopes: 'openid profile' }],
      ['a scope of the wrong kind', { ...scanAnswer(), scopes: [42] }],
      ['no client', { ...scanAnswer(), client: undefined }],
      ['no requester', { ...scanAnswer(), requester: 'somewhere' }],
      ['another state', { ...scanAnswer(), state: 'pending' }],
    ];
    for (const [name, data] of oddAnswers) {
      it(`a /mp/scan answer of an unexpected shape (${name}) is an error screen, not a crash`, async () => {
        fake.reply('/mp/scan', { status: 200, data });
        const page = await open();
        assert.equal(page.screen(), 'error');
        assert.equal(page.text('.state-detail'), 'unexpected answer from /mp/scan');
      });
    }

    it('a /mp/confirm answer of an unexpected shape is an error screen; Try again goes back to confirm', async () => {
      fake.reply('/mp/scan', { status: 200, data: scanAnswer() });
      fake.reply('/mp/confirm', { status: 200, data: { state: 'maybe' } });
      const page = await open();
      page.submit();
      await settle(fake);
      assert.equal(page.screen(), 'error');
      assert.equal(page.text('.state-detail'), 'unexpected answer from /mp/confirm');
      page.tap('.retry-button');
      await settle(fake);
      assert.equal(page.screen(), 'confirm');
    });
  });

  after(async () => {
    await screens.draw(process.env.UPDATE_SCREENS === '1');
  });
});

describe('the pictures in docs/miniprogram.md and docs/go-live.md', () => {
  it(`show every screen as the page renders it now (if not: ${UPDATE_COMMAND}, and commit docs/miniprogram/)`, () => {
    assert.deepEqual(screens.documented(), screens.fingerprints());
  });

  for (const doc of ['miniprogram.md', 'go-live.md']) {
    it(`${doc} shows only pictures the tests draw`, () => {
      const text = readFileSync(new URL(`../../docs/${doc}`, import.meta.url), 'utf8');
      const shown = [...text.matchAll(/src="miniprogram\/([\w-]+)\.png"/g)].map((m) => m[1]!);
      assert.ok(shown.length > 0);
      // The account page's pictures are drawn (and checked) by account-screens.test.ts.
      const accountScreens = new Screens('account-screens.json').documented();
      for (const name of shown) assert.ok(name in screens.fingerprints() || name in accountScreens, `${doc} shows miniprogram/${name}.png, which no test draws`);
    });
  }
});
