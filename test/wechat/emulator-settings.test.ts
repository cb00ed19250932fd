import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createEmulator } from '../../src/emulator/emulator.ts';
import { appJsonPages } from '../../src/emulator/settings.ts';
import { APPID, SECRET, silent, startEmulator, type RunningEmulator } from './harness.ts';

const credentials = { grant_type: 'client_credential', appid: APPID, secret: SECRET };
const DEFAULTS = { account_type: 'organization', verified: true, ip_whitelist: [], released_pages: appJsonPages(), code_format: 'jpeg', quotas: false };

/** The emulated mini-program's console settings, and what WeChat does differently under each. */
describe('the emulator, set up like a real mini-program', () => {
  let emulator: RunningEmulator;
  let token: string;
  before(async () => {
    emulator = await startEmulator();
  });
  beforeEach(async () => {
    const reset = await emulator.post('/emulator/settings', { ...DEFAULTS, quota_limits: { getwxacodeunlimit_per_minute: 5000, jscode2session_per_user_per_minute: 100, force_refresh_per_day: 20, force_refresh_interval_seconds: 30, url_links_per_day: 500_000 } });
    assert.equal(reset.status, 200);
    token = (await emulator.post('/cgi-bin/stable_token', credentials)).body.access_token;
  });
  after(() => emulator.close());

  const answer = async (res: Promise<{ status: number; type: string; body: any }>) => {
    const { status, type, body } = await res;
    assert.equal(status, 200, 'WeChat answers its errors with HTTP 200');
    if (body.errcode) assert.equal(type, 'application/json; charset=UTF-8', 'labelled as WeChat labels its errors');
    return body as { errcode?: number; errmsg?: string };
  };
  const draw = (body: unknown) => emulator.post(`/wxa/getwxacodeunlimit?access_token=${token}`, body);
  const urlLink = () => emulator.post(`/wxa/generate_urllink?access_token=${token}`, { path: 'pages/login/login', query: 'scene=abc' });
  const phoneNumber = async (user = 'alice') => {
    const { code } = (await emulator.post('/emulator/phone_code', { user })).body;
    return emulator.post(`/wxa/business/getuserphonenumber?access_token=${token}`, { code });
  };

  describe('GET and POST /emulator/settings', () => {
    test('answer the whole settings: WeChat\'s kindest defaults, the released pages those of miniprogram/app.json', async () => {
      const { status, body } = await emulator.get('/emulator/settings');
      assert.equal(status, 200);
      assert.deepEqual({ ...body, quota_limits: undefined }, { ...DEFAULTS, quota_limits: undefined });
      // Read here from the file itself, not through the emulator's own reader: every page the
      // mini-program declares (the login page and the account centre) counts as released.
      const declared = (JSON.parse(readFileSync(new URL('../../miniprogram/app.json', import.meta.url), 'utf8')) as { pages: string[] }).pages;
      assert.ok(declared.includes('pages/login/login'));
      assert.deepEqual(body.released_pages, declared);
      assert.deepEqual(body.quota_limits, { getwxacodeunlimit_per_minute: 5000, jscode2session_per_user_per_minute: 100, force_refresh_per_day: 20, force_refresh_interval_seconds: 30, url_links_per_day: 500_000 });
    });

    test('a partial update changes only what it names, and answers the whole settings', async () => {
      const { status, body } = await emulator.post('/emulator/settings', { account_type: 'individual', quota_limits: { force_refresh_per_day: 2 } });
      assert.equal(status, 200);
      assert.equal(body.account_type, 'individual');
      assert.equal(body.verified, true);
      assert.equal(body.quota_limits.force_refresh_per_day, 2);
      assert.equal(body.quota_limits.getwxacodeunlimit_per_minute, 5000);
      assert.deepEqual((await emulator.get('/emulator/settings')).body, body);
    });

    test('bad values are a 400 naming each field, and change nothing', async () => {
      const before = (await emulator.get('/emulator/settings')).body;
      for (const [body, field] of [
        [{ account_type: 'company' }, 'account_type'],
        [{ verified: 'yes' }, 'verified'],
        [{ ip_whitelist: ['not-an-ip'] }, 'ip_whitelist'],
        [{ ip_whitelist: '1.2.3.4' }, 'ip_whitelist'],
        [{ released_pages: ['/pages/login/login'] }, 'released_pages'],
        [{ released_pages: ['pages/login/login?x=1'] }, 'released_pages'],
        [{ code_format: 'gif' }, 'code_format'],
        [{ quotas: 1 }, 'quotas'],
        [{ quota_limits: { getwxacodeunlimit_per_minute: -1 } }, 'quota_limits.getwxacodeunlimit_per_minute'],
        [{ quota_limits: { url_links: 5 } }, 'quota_limits'],
        [{ colour: 'blue' }, 'settings'],
      ] as const) {
        const res = await emulator.post('/emulator/settings', body);
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.match(res.body.errmsg, new RegExp(field.replace('.', '\\.')), `${JSON.stringify(body)}: ${res.body.errmsg}`);
      }
      for (const raw of ['{"account_type":', '[]', '']) assert.equal((await emulator.post('/emulator/settings', raw)).status, 400, raw);
      assert.deepEqual((await emulator.get('/emulator/settings')).body, before);
    });

    test('createEmulator takes the same settings, and refuses bad ones', () => {
      const { state } = createEmulator({ appid: APPID, secret: SECRET, log: silent, settings: { account_type: 'individual', verified: false, code_format: 'png' } });
      assert.deepEqual([state.settings.account_type, state.settings.verified, state.settings.code_format], ['individual', false, 'png']);
      assert.throws(() => createEmulator({ appid: APPID, secret: SECRET, log: silent, settings: { code_format: 'gif' as 'png' } }), /code_format/);
    });
  });

  describe('account type', () => {
    test('an individual account gets 40002 invalid grant_type from generate_urllink, and 48001 from getuserphonenumber', async () => {
      await emulator.post('/emulator/settings', { account_type: 'individual' });
      const link = await answer(urlLink());
      assert.equal(link.errcode, 40002);
      assert.match(link.errmsg!, /^invalid grant_type rid: /);
      const phone = await answer(phoneNumber());
      assert.equal(phone.errcode, 48001);
      assert.match(phone.errmsg!, /^api unauthorized/);
      // Codes and logins work for individual accounts.
      assert.equal((await draw({ scene: 'individual' })).status, 200);
    });

    test('an unverified organisation makes URL Links but gets no phone numbers (48001)', async () => {
      await emulator.post('/emulator/settings', { verified: false });
      assert.equal((await answer(urlLink())).errcode, 0);
      assert.equal((await answer(phoneNumber())).errcode, 48001);
    });

    test('a verified organisation gets both', async () => {
      assert.equal((await answer(urlLink())).errcode, 0);
      assert.equal((await answer(phoneNumber())).errcode, 0);
    });
  });

  describe('the API IP whitelist', () => {
    test('a caller not on it gets 40164 naming its address, from stable_token and every API with an access token', async () => {
      await emulator.post('/emulator/settings', { ip_whitelist: ['10.0.0.7'] });
      const expected = /^invalid ip 127\.0\.0\.1 ipv6 ::ffff:127\.0\.0\.1, not in whitelist rid: /;
      for (const call of [
        () => emulator.post('/cgi-bin/stable_token', credentials),
        () => draw({ scene: 'walled' }),
        () => urlLink(),
        () => phoneNumber(),
      ]) {
        const body = await answer(call());
        assert.equal(body.errcode, 40164);
        assert.match(body.errmsg!, expected);
      }
    });

    test('a caller on it is served', async () => {
      await emulator.post('/emulator/settings', { ip_whitelist: ['10.0.0.7', '127.0.0.1'] });
      assert.ok((await emulator.post('/cgi-bin/stable_token', credentials)).body.access_token);
      assert.equal((await draw({ scene: 'inside' })).status, 200);
    });

    test('a wrong secret is still reported as such, whatever the caller\'s address', async () => {
      await emulator.post('/emulator/settings', { ip_whitelist: ['10.0.0.7'] });
      assert.equal((await answer(emulator.post('/cgi-bin/stable_token', { ...credentials, secret: 'wrong' }))).errcode, 40125);
    });
  });

  describe('released pages and check_path', () => {
    test('with check_path (the default) only a released page gets a code; without it any page does', async () => {
      assert.equal((await draw({ scene: 'ok', page: 'pages/login/login' })).status, 200);
      assert.equal((await answer(draw({ scene: 'ok', page: 'pages/unreleased/index' }))).errcode, 41030);
      assert.equal((await answer(draw({ scene: 'ok', page: 'pages/unreleased/index', check_path: true, env_version: 'trial' }))).errcode, 41030, 'check_path looks at the released version, whatever env_version says');
      assert.equal((await draw({ scene: 'ok', page: 'pages/unreleased/index', check_path: false, env_version: 'trial' })).type, 'image/jpeg');
    });

    test('a mini-program never released has no page at all, not even the home page, unless check_path is false', async () => {
      await emulator.post('/emulator/settings', { released_pages: [] });
      assert.equal((await answer(draw({ scene: 'ok' }))).errcode, 41030);
      assert.equal((await answer(draw({ scene: 'ok', page: 'pages/login/login' }))).errcode, 41030);
      assert.equal((await draw({ scene: 'ok', page: 'pages/login/login', check_path: false })).type, 'image/jpeg');
    });
  });

  test('code_format png draws PNG codes, still labelled image/jpeg', async () => {
    await emulator.post('/emulator/settings', { code_format: 'png' });
    const res = await fetch(`${emulator.base}/wxa/getwxacodeunlimit?access_token=${token}`, { method: 'POST', body: JSON.stringify({ scene: 'png' }) });
    assert.equal(res.headers.get('content-type'), 'image/jpeg');
    assert.deepEqual([...new Uint8Array(await res.arrayBuffer()).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  });

  describe('quotas (off by default, small limits here)', () => {
    test('off: no limit applies', async () => {
      await emulator.post('/emulator/settings', { quota_limits: { getwxacodeunlimit_per_minute: 1 } });
      assert.equal((await draw({ scene: 'a' })).status, 200);
      assert.equal((await draw({ scene: 'b' })).type, 'image/jpeg');
    });

    test('getwxacodeunlimit: 45009 past the codes a minute', async () => {
      await emulator.post('/emulator/settings', { quotas: true, quota_limits: { getwxacodeunlimit_per_minute: 2 } });
      assert.equal((await draw({ scene: 'a' })).type, 'image/jpeg');
      assert.equal((await draw({ scene: 'b' })).type, 'image/jpeg');
      assert.equal((await answer(draw({ scene: 'c' }))).errcode, 45009);
    });

    test('jscode2session: 45011 past the calls a minute of one user; other users go on, and the refused code stays usable', async () => {
      await emulator.post('/emulator/settings', { quotas: true, quota_limits: { jscode2session_per_user_per_minute: 1 } });
      const exchange = async (code: string) => (await emulator.get(`/sns/jscode2session?${new URLSearchParams({ appid: APPID, secret: SECRET, js_code: code, grant_type: 'authorization_code' })}`)).body;
      assert.ok((await exchange(await emulator.login('busy'))).openid);
      const refused = await emulator.login('busy');
      assert.equal((await exchange(refused)).errcode, 45011);
      assert.ok((await exchange(await emulator.login('calm'))).openid, 'another user is not limited');
      await emulator.post('/emulator/settings', { quotas: false });
      assert.ok((await exchange(refused)).openid, 'the refused code was not used up');
    });

    test('stable_token force_refresh: not again within the interval (the current token comes back), and 45009 past the forced refreshes a day', async () => {
      await emulator.post('/emulator/settings', { quotas: true, quota_limits: { force_refresh_per_day: 2, force_refresh_interval_seconds: 3600 } });
      const force = async () => answer(emulator.post('/cgi-bin/stable_token', { ...credentials, force_refresh: true })) as Promise<{ access_token?: string; errcode?: number }>;
      const first = await force();
      assert.notEqual(first.access_token, token);
      assert.equal((await force()).access_token, first.access_token, 'too soon: no refresh');
      await emulator.post('/emulator/settings', { quota_limits: { force_refresh_interval_seconds: 0 } });
      const a = await force();
      const b = await force();
      assert.ok(a.access_token && a.access_token !== b.access_token);
      assert.equal((await force()).errcode, 45009, 'the third of the day (counters restart with a settings change)');
      assert.ok((await emulator.post('/cgi-bin/stable_token', credentials)).body.access_token, 'normal mode is not limited');
    });

    test('generate_urllink: 45009 past the links a day', async () => {
      await emulator.post('/emulator/settings', { quotas: true, quota_limits: { url_links_per_day: 1 } });
      assert.equal((await answer(urlLink())).errcode, 0);
      assert.equal((await answer(urlLink())).errcode, 45009);
    });
  });
});
