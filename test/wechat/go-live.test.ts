import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { EMULATOR_APPID, loadConfig } from '../../src/config/load.ts';
import { openidOf } from '../../src/emulator/identity.ts';
import { createLogger } from '../../src/log.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { complete, fetchScene, mp, scan, signIn, startLogin } from '../helpers/login.ts';
import { imageFormatOf } from '../helpers/qr.ts';
import { startSaoma, type RunningSaoma } from '../helpers/saoma.ts';

const WECHAT_DEFAULTS = {
  account_type: 'organization', verified: true, ip_whitelist: [], released_pages: ['pages/login/login'], code_format: 'jpeg', quotas: false,
  quota_limits: { getwxacodeunlimit_per_minute: 5000, jscode2session_per_user_per_minute: 100, force_refresh_per_day: 20, force_refresh_interval_seconds: 30, url_links_per_day: 500_000 },
};

/**
 * saoma against the emulator set up as the WeChat an operator meets when going live: JPEG codes,
 * individual accounts, an IP whitelist, unreleased pages, quotas. Each failure reaches the operator
 * as a defined error with the setting to change, never a 500; the phone number is checked against
 * the scanner and leaves as E.164.
 */
describe('going live: saoma against WeChat as it really is', () => {
  let saoma: RunningSaoma;
  const logLines: Array<Record<string, unknown>> = [];
  before(async () => {
    const log = createLogger('info', { write: (line: string) => void logLines.push(JSON.parse(line)) });
    saoma = await startSaoma({}, new MemoryStore(), log);
  });
  beforeEach(async () => {
    logLines.length = 0;
    await saoma.emulator('/emulator/faults/reset', {});
    await saoma.emulator('/emulator/settings', WECHAT_DEFAULTS);
  });
  after(() => saoma.close());

  /** The login page's code image as the browser gets it. */
  async function codeImage(scope = 'openid') {
    const login = await startLogin(saoma, { scope });
    const image = await login.browser.request(`${saoma.issuer}/interaction/${login.uid}/qrcode`);
    return { login, image };
  }

  /** A login with the phone scope in which `user` scans and confirms with the phone code `phoneCode` gives. */
  async function signInWithPhone(user: string, phoneCode: () => Promise<string>) {
    const login = await startLogin(saoma, { scope: 'openid phone' });
    const scene = await fetchScene(saoma, login);
    const scanned = await scan(saoma, scene, user);
    assert.equal(scanned.status, 200, JSON.stringify(scanned.json));
    const confirmed = await mp(saoma, 'confirm', { scene, token: scanned.json.token, phone_code: await phoneCode() });
    assert.deepEqual(confirmed, { status: 200, json: { state: 'confirmed' } });
    const callback = await complete(saoma, login);
    const tokens = await oidc.authorizationCodeGrant(login.config, callback, { pkceCodeVerifier: login.verifier, expectedState: login.state, idTokenExpected: true });
    const sub = tokens.claims()!.sub;
    return { sub, userinfo: await oidc.fetchUserInfo(login.config, tokens.access_token, sub) };
  }
  const phoneButton = (user: string, phone?: string, country_code?: string) => async () =>
    (await saoma.emulator('/emulator/phone_code', { user, ...(phone ? { phone } : {}), ...(country_code ? { country_code } : {}) })).code as string;
  const phoneFailures = () => logLines.filter((line) => line.event === 'phone.failed');

  describe('code images', () => {
    it('a JPEG from WeChat (the default) reaches the browser as image/jpeg, and the whole login works', async () => {
      const { image } = await codeImage();
      assert.equal(image.type, 'image/jpeg');
      assert.equal(imageFormatOf(image.bytes), 'jpeg');
      const { claims } = await signIn(saoma, 'jpeg-user');
      assert.ok(claims.sub);
    });

    it('a PNG that WeChat labels image/jpeg (as for is_hyaline) reaches the browser as image/png, kept so in the code cache, and the whole login works', async () => {
      await saoma.emulator('/emulator/settings', { code_format: 'png' });
      const { login, image } = await codeImage();
      assert.equal(image.type, 'image/png', 'the type of the bytes, not WeChat\'s label');
      assert.equal(imageFormatOf(image.bytes), 'png');
      const again = await login.browser.request(`${saoma.issuer}/interaction/${login.uid}/qrcode`);
      assert.equal(again.type, 'image/png');
      assert.ok(again.bytes.equals(image.bytes), 'the second fetch is the kept copy');
      const { claims } = await signIn(saoma, 'png-user');
      assert.ok(claims.sub);
    });
  });

  describe('what the operator must change, never a 500', () => {
    const cases = [
      {
        name: 'the server\'s IP missing from the API IP whitelist (40164)',
        setUp: () => saoma.emulator('/emulator/settings', { ip_whitelist: ['10.9.8.7'] }),
        errcode: 40164, says: /IP whitelist/, logs: /invalid ip 127\.0\.0\.1/,
      },
      {
        name: 'WECHAT_PAGE not in the released mini-program (41030)',
        setUp: () => saoma.emulator('/emulator/settings', { released_pages: ['pages/other/other'] }),
        errcode: 41030, says: /WECHAT_PAGE.*WECHAT_CHECK_PATH=false/, logs: /invalid page/,
      },
      { name: 'a bad env_version (40097)', setUp: () => saoma.emulator('/emulator/faults', { api: 'getwxacodeunlimit', errcode: 40097 }), errcode: 40097, says: /WECHAT_ENV_VERSION/, logs: /40097/ },
      { name: 'a body WeChat cannot read (40169)', setUp: () => saoma.emulator('/emulator/faults', { api: 'getwxacodeunlimit', errcode: 40169 }), errcode: 40169, says: /WECHAT_API_BASE/, logs: /40169/ },
      { name: 'a scene WeChat refuses (40129)', setUp: () => saoma.emulator('/emulator/faults', { api: 'getwxacodeunlimit', errcode: 40129 }), errcode: 40129, says: /WECHAT_API_BASE/, logs: /40129/ },
      { name: 'a value of the wrong type (47001)', setUp: () => saoma.emulator('/emulator/faults', { api: 'getwxacodeunlimit', errcode: 47001 }), errcode: 47001, says: /WECHAT_API_BASE/, logs: /47001/ },
      { name: 'WeChat\'s minute quota of codes (45009)', setUp: () => saoma.emulator('/emulator/settings', { quotas: true, quota_limits: { getwxacodeunlimit_per_minute: 0 } }), errcode: 45009, says: /try again in a minute/, logs: /45009/, status: 429, error: 'rate_limited' },
    ];
    for (const c of cases) {
      it(`${c.name}: the code image answers ${c.status ?? 502} ${c.error ?? 'wechat_error'} saying what to change`, async () => {
        await c.setUp();
        const { image } = await codeImage();
        assert.equal(image.status, c.status ?? 502);
        assert.equal(image.json.error, c.error ?? 'wechat_error');
        assert.equal(image.json.errcode, c.errcode);
        assert.match(image.json.error_description, c.says);
        const logged = logLines.find((line) => line.msg === 'request failed' || line.msg === 'request refused');
        assert.ok(logged, JSON.stringify(logLines));
        assert.match(String(logged.detail), c.logs, 'WeChat\'s errmsg is in the log line');
      });
    }

    it('an individual account cannot read phone numbers (48001): the login completes without the claim, and the log says why', async () => {
      await saoma.emulator('/emulator/settings', { account_type: 'individual' });
      const { sub, userinfo } = await signInWithPhone('solo', phoneButton('solo'));
      assert.deepEqual(userinfo, { sub });
      const [failure] = phoneFailures();
      assert.equal(failure?.errcode, 48001);
      assert.match(String(failure?.reason), /verified .*organisation/);
    });

    it('an unverified organisation cannot either (48001)', async () => {
      await saoma.emulator('/emulator/settings', { verified: false });
      const { sub, userinfo } = await signInWithPhone('unverified', phoneButton('unverified'));
      assert.deepEqual(userinfo, { sub });
      assert.equal(phoneFailures()[0]?.errcode, 48001);
    });

    it('WeChat\'s jscode2session quota for one user (45011) answers the scan 429 rate_limited', async () => {
      await saoma.emulator('/emulator/settings', { quotas: true, quota_limits: { jscode2session_per_user_per_minute: 1 } });
      await signIn(saoma, 'hasty');
      const login = await startLogin(saoma);
      const scanned = await scan(saoma, await fetchScene(saoma, login), 'hasty');
      assert.deepEqual([scanned.status, scanned.json.error, scanned.json.errcode], [429, 'rate_limited', 45011]);
    });
  });

  describe('phone numbers', () => {
    it('leave as E.164 with phone_number_verified, read through openid-client\'s userinfo', async () => {
      const { sub, userinfo } = await signInWithPhone('phoebe', phoneButton('phoebe', '13800138000'));
      assert.deepEqual(userinfo, { sub, phone_number: '+8613800138000', phone_number_verified: true });
      const abroad = await signInWithPhone('sam', phoneButton('sam', '2025550123', '1'));
      assert.equal(abroad.userinfo.phone_number, '+12025550123');
      assert.doesNotMatch(JSON.stringify(logLines), /13800138000|2025550123/, 'the number never reaches the log');
    });

    it('the scanner\'s openid is kept in the ticket only between scan and confirm, and never reaches the browser', async () => {
      const login = await startLogin(saoma, { scope: 'openid phone' });
      const scene = await fetchScene(saoma, login);
      const scanned = await scan(saoma, scene, 'olive');
      const openid = openidOf(EMULATOR_APPID, 'olive');
      assert.equal(JSON.parse((await saoma.store.get(`ticket:${scene}`))!).openid, openid, 'kept for the phone exchange');
      const status = await login.browser.request(`${saoma.issuer}/interaction/${login.uid}/status`);
      assert.equal(status.text.includes(openid), false);
      assert.equal(JSON.stringify(scanned.json).includes(openid), false);
      await mp(saoma, 'confirm', { scene, token: scanned.json.token });
      assert.equal(JSON.parse((await saoma.store.get(`ticket:${scene}`))!).openid, undefined, 'dropped at confirm');
    });

    it('are exchanged with the scanner\'s openid: a phone code given to someone else releases nothing', async () => {
      const { sub, userinfo } = await signInWithPhone('mallory', phoneButton('victim', '13900001111'));
      assert.deepEqual(userinfo, { sub }, 'no phone claim from another person\'s code');
      const [failure] = phoneFailures();
      assert.equal(failure?.errcode, 40013);
      assert.match(String(failure?.reason), /phone number code is invalid/);
      for (const user of ['mallory', 'victim']) assert.equal(JSON.stringify(logLines).includes(openidOf(EMULATOR_APPID, user)), false, 'no openid in the log');
    });
  });
});

describe('EMULATOR_* variables', () => {
  it('set the built-in emulator up at start', async () => {
    const saoma = await startSaoma({ EMULATOR_ACCOUNT_TYPE: 'individual', EMULATOR_VERIFIED: 'false', EMULATOR_IP_WHITELIST: '127.0.0.1, 10.0.0.1', EMULATOR_RELEASED_PAGES: 'pages/login/login,pages/other/other', EMULATOR_CODE_FORMAT: 'png', EMULATOR_QUOTAS: 'true' });
    try {
      const settings = await (await fetch(`${saoma.issuer}/emulator/settings`)).json();
      assert.deepEqual({ ...settings, quota_limits: undefined }, { account_type: 'individual', verified: false, ip_whitelist: ['127.0.0.1', '10.0.0.1'], released_pages: ['pages/login/login', 'pages/other/other'], code_format: 'png', quotas: true, quota_limits: undefined });
    } finally {
      await saoma.close();
    }
  });

  it('are refused with a bad value, in production, and without the built-in emulator, each named', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig({ CLIENTS_FILE: '/nonexistent/clients.json', ...env });
        return [];
      } catch (err) {
        return (err as { problems: string[] }).problems;
      }
    };
    assert.ok(problems({ EMULATOR_ACCOUNT_TYPE: 'company' }).some((p) => p.startsWith('EMULATOR_ACCOUNT_TYPE')));
    assert.ok(problems({ EMULATOR_IP_WHITELIST: '1.2.3.4,nope' }).some((p) => p.startsWith('EMULATOR_IP_WHITELIST')));
    assert.ok(problems({ EMULATOR_RELEASED_PAGES: '/pages/login/login' }).some((p) => p.startsWith('EMULATOR_RELEASED_PAGES')));
    assert.ok(problems({ NODE_ENV: 'production', EMULATOR_QUOTAS: 'true' }).some((p) => /^EMULATOR_QUOTAS: .*production/.test(p)));
    assert.ok(problems({ WECHAT_APPID: 'wx0123456789abcdef', WECHAT_SECRET: 's', EMULATOR_CODE_FORMAT: 'png' }).some((p) => /^EMULATOR_CODE_FORMAT: only the built-in/.test(p)));
    assert.deepEqual(problems({ EMULATOR_RELEASED_PAGES: 'none', EMULATOR_QUOTAS: 'false' }).filter((p) => p.startsWith('EMULATOR_')), []);
  });
});
