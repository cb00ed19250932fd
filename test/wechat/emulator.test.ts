import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeQr, imageFormatOf, pixelsOf } from '../helpers/qr.ts';
import { APPID, SECRET, startEmulator, type RunningEmulator } from './harness.ts';

const credentials = { grant_type: 'client_credential', appid: APPID, secret: SECRET };

describe('the WeChat emulator answers like WeChat', () => {
  let emulator: RunningEmulator;
  let token: string;
  before(async () => {
    emulator = await startEmulator();
    token = (await emulator.post('/cgi-bin/stable_token', credentials)).body.access_token;
  });
  after(() => emulator.close());

  const errcodeOf = async (res: Promise<{ status: number; body: any }>) => {
    const { status, body } = await res;
    assert.equal(status, 200, 'WeChat answers its errors with HTTP 200');
    assert.equal(typeof body.errmsg, 'string');
    return body.errcode;
  };

  describe('POST /cgi-bin/stable_token', () => {
    test('normal mode gives the same token while it is valid', async () => {
      const first = await emulator.post('/cgi-bin/stable_token', credentials);
      const second = await emulator.post('/cgi-bin/stable_token', { ...credentials, force_refresh: false });
      assert.equal(first.body.access_token, token);
      assert.equal(second.body.access_token, token);
      assert.ok(first.body.expires_in > 300 && first.body.expires_in <= 7200);
    });

    test('bad input gets the real errcodes', async () => {
      const form = new URLSearchParams(credentials).toString();
      assert.equal(await errcodeOf(emulator.post('/cgi-bin/stable_token', form, { 'content-type': 'application/x-www-form-urlencoded' })), 41002);
      assert.equal(await errcodeOf(emulator.post('/cgi-bin/stable_token', '{"appid":')), 47001);
      assert.equal(await errcodeOf(emulator.post('/cgi-bin/stable_token', { ...credentials, grant_type: 'authorization_code' })), 40002);
      assert.equal(await errcodeOf(emulator.post('/cgi-bin/stable_token', { ...credentials, appid: 'wx0000000000000000' })), 40013);
      assert.equal(await errcodeOf(emulator.post('/cgi-bin/stable_token', { ...credentials, secret: 'wrong' })), 40125);
      assert.equal(await errcodeOf(emulator.post('/cgi-bin/stable_token', { ...credentials, force_refresh: 'yes' })), 47001, 'a value of the wrong type');
    });

    test('force_refresh issues a new token and the old one stops working', async () => {
      const forced = await emulator.post('/cgi-bin/stable_token', { ...credentials, force_refresh: true });
      assert.notEqual(forced.body.access_token, token);
      assert.equal(await errcodeOf(emulator.post(`/wxa/getwxacodeunlimit?access_token=${token}`, { scene: 'x' })), 40001);
      token = forced.body.access_token;
    });
  });

  describe('POST /wxa/getwxacodeunlimit', () => {
    /** `null` sends no access_token at all. */
    const draw = (body: unknown, accessToken: string | null = token) =>
      emulator.post(`/wxa/getwxacodeunlimit${accessToken === null ? '' : `?access_token=${accessToken}`}`, body);
    /** The answer's bytes, as an image client reads them. */
    const rawDraw = async (body: unknown) => {
      const res = await fetch(`${emulator.base}/wxa/getwxacodeunlimit?access_token=${token}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
    };

    test('draws a JPEG labelled image/jpeg, as WeChat does', async () => {
      const res = await rawDraw({ scene: 'ok', width: 5000 });
      assert.equal(res.status, 200);
      assert.equal(res.type, 'image/jpeg');
      assert.equal(imageFormatOf(res.bytes), 'jpeg');
      assert.equal(pixelsOf(res.bytes).width, 1280, 'a width beyond 1280 is drawn at 1280');
      assert.equal(new URL(decodeQr(res.bytes)!).searchParams.get('scene'), 'ok');
    });

    test('with is_hyaline the bytes are a transparent PNG, still labelled image/jpeg', async () => {
      const res = await rawDraw({ scene: 'clear', is_hyaline: true });
      assert.equal(res.type, 'image/jpeg');
      assert.equal(imageFormatOf(res.bytes), 'png');
      const { data } = pixelsOf(res.bytes);
      assert.equal(data[3], 0, 'the background is transparent');
      assert.equal(new URL(decodeQr(res.bytes)!).searchParams.get('scene'), 'clear');
    });

    test('refuses a missing, unknown or expired access token', async () => {
      assert.equal(await errcodeOf(draw({ scene: 'x' }, null)), 41001);
      assert.equal(await errcodeOf(draw({ scene: 'x' }, 'made-up')), 40001);
      const expiring = (await emulator.post('/cgi-bin/stable_token', credentials)).body.access_token;
      await emulator.post('/emulator/invalidate_token', { reason: 'expired' });
      assert.equal(await errcodeOf(draw({ scene: 'x' }, expiring)), 42001);
      token = (await emulator.post('/cgi-bin/stable_token', credentials)).body.access_token;
    });

    test('refuses bad JSON, bad scenes, bad pages and bad arguments', async () => {
      assert.equal(await errcodeOf(draw('{"scene": ')), 40169, 'a body that is not JSON');
      assert.equal(await errcodeOf(draw('[1]')), 40169);
      assert.equal(await errcodeOf(draw({})), 40169);
      assert.equal(await errcodeOf(draw({ scene: '' })), 40169);
      assert.equal(await errcodeOf(draw({ scene: 'x'.repeat(33) })), 40169);
      assert.equal(await errcodeOf(draw({ scene: 'a%20b' })), 40129);
      assert.equal(await errcodeOf(draw({ scene: 'ok', page: '/pages/login/login' })), 41030);
      assert.equal(await errcodeOf(draw({ scene: 'ok', page: 'pages/login/login?x=1' })), 41030);
      assert.equal(await errcodeOf(draw({ scene: 'ok', env_version: 'beta' })), 40097);
      for (const wrongType of [{ check_path: 'false' }, { width: 'wide' }, { scene: 12345 }, { page: 1 }, { env_version: 2 }, { is_hyaline: 'yes' }, { auto_color: 1 }, { line_color: 'red' }, { line_color: { r: 300, g: 0, b: 0 } }]) {
        assert.equal(await errcodeOf(draw({ scene: 'ok', ...wrongType })), 47001, `data format error for ${JSON.stringify(wrongType)}`);
      }
    });
  });

  describe('GET /sns/jscode2session', () => {
    const exchange = (over: Record<string, string>) =>
      emulator.get(`/sns/jscode2session?${new URLSearchParams({ appid: APPID, secret: SECRET, js_code: 'x', grant_type: 'authorization_code', ...over })}`);

    test('answers JSON as text/plain, as WeChat does', async () => {
      const res = await exchange({ js_code: await emulator.login('alice') });
      assert.match(res.type, /^text\/plain/);
      assert.ok(res.body.openid && res.body.session_key);
    });

    test('bad input gets the real errcodes', async () => {
      assert.equal(await errcodeOf(exchange({ grant_type: 'client_credential', js_code: await emulator.login('alice') })), 40002);
      assert.equal(await errcodeOf(exchange({ appid: 'wx1111111111111111' })), 40013);
      assert.equal(await errcodeOf(exchange({ secret: 'wrong' })), 40125);
      assert.equal(await errcodeOf(exchange({ js_code: 'never-issued' })), 40029);
      const code = await emulator.login('bob');
      await exchange({ js_code: code });
      assert.equal(await errcodeOf(exchange({ js_code: code })), 40163);
    });
  });

  test('POST /wxa/business/getuserphonenumber: the number, then 40029 for a used or unknown code, 40013 for one of another user', async () => {
    const url = `/wxa/business/getuserphonenumber?access_token=${token}`;
    const code = (await emulator.post('/emulator/phone_code', { user: 'alice', phone: '13800001111' })).body.code;
    const ok = await emulator.post(url, { code });
    assert.equal(ok.body.errcode, 0);
    assert.deepEqual({ ...ok.body.phone_info, watermark: undefined }, { phoneNumber: '13800001111', purePhoneNumber: '13800001111', countryCode: '86', watermark: undefined });
    assert.equal(ok.body.phone_info.watermark.appid, APPID);
    assert.equal(await errcodeOf(emulator.post(url, { code })), 40029);
    assert.equal(await errcodeOf(emulator.post(url, { code: 'never-issued' })), 40029);
    const bobs = (await emulator.post('/emulator/phone_code', { user: 'bob' })).body.code;
    assert.equal(await errcodeOf(emulator.post(url, { code: bobs, openid: 'o-somebody-else' })), 40013, 'a code given to another user than the openid');
    assert.equal(await errcodeOf(emulator.post(url, 'nonsense')), 47001);
  });

  test('POST /wxa/generate_urllink links to the phone page with the query', async () => {
    const res = await emulator.post(`/wxa/generate_urllink?access_token=${token}`, { path: 'pages/login/login', query: 'scene=abc' });
    assert.equal(res.body.errcode, 0);
    assert.equal(res.body.url_link, `${emulator.base}/emulator?scene=abc`);
    assert.equal(await errcodeOf(emulator.post(`/wxa/generate_urllink?access_token=${token}`, { path: '/pages/login/login' })), 40165);
  });

  describe('the control API', () => {
    test('faults answer an errcode for the next `times` calls, then calls work again', async () => {
      await emulator.fault({ api: 'stable_token', errcode: -1, times: 2 });
      assert.equal(await errcodeOf(emulator.post('/cgi-bin/stable_token', credentials)), -1);
      assert.equal(await errcodeOf(emulator.post('/cgi-bin/stable_token', credentials)), -1);
      assert.ok((await emulator.post('/cgi-bin/stable_token', credentials)).body.access_token);
    });

    test('faults can be reset', async () => {
      await emulator.fault({ api: 'stable_token', errcode: 45009 });
      await emulator.post('/emulator/faults/reset');
      assert.ok((await emulator.post('/cgi-bin/stable_token', credentials)).body.access_token);
    });

    test('stats count every call, failed ones too', async () => {
      const before = await emulator.calls();
      await emulator.get('/sns/jscode2session');
      await emulator.post('/wxa/getwxacodeunlimit', { scene: 'x' });
      const calls = await emulator.calls();
      assert.equal(calls.jscode2session - before.jscode2session, 1);
      assert.equal(calls.getwxacodeunlimit - before.getwxacodeunlimit, 1);
      assert.deepEqual(Object.keys(calls).sort(), ['generate_urllink', 'getuserphonenumber', 'getwxacodeunlimit', 'jscode2session', 'stable_token']);
    });

    test('bad input to the control API is a 400 with an errcode, never a 500', async () => {
      for (const [path, body] of [
        ['/emulator/login', '{"user":'],
        ['/emulator/login', {}],
        ['/emulator/login', { user: 'x'.repeat(65) }],
        ['/emulator/login', { user: 'alice', unionid: 'yes' }],
        ['/emulator/phone_code', { user: 'alice', phone: '+86 138' }],
        ['/emulator/faults', { api: 'nope', errcode: 1 }],
        ['/emulator/faults', { api: 'jscode2session' }],
        ['/emulator/faults', { api: 'jscode2session', errcode: 1, times: 0 }],
        ['/emulator/invalidate_token', { reason: 'bored' }],
      ] as const) {
        const res = await emulator.post(path, body);
        assert.equal(res.status, 400, `${path} ${JSON.stringify(body)}`);
        assert.equal(typeof res.body.errcode, 'number');
      }
    });

    test('the code list is capped and newest first', async () => {
      for (let i = 0; i < 1005; i += 1) emulator.state.recordCode({ scene: `s${i}`, page: '', env_version: 'release', created_at: new Date().toISOString() });
      const { body } = await emulator.get('/emulator/codes');
      assert.equal(body.codes.length, 1000);
      assert.equal(body.codes[0].scene, 's1004');
    });
  });

  describe('the phone page', () => {
    test('is served with its script and style as files, nothing inline', async () => {
      const page = await emulator.get('/emulator?scene=abc');
      assert.equal(page.status, 200);
      assert.match(page.type, /^text\/html/);
      const html: string = page.body;
      for (const tag of html.match(/<script\b[^>]*>/g) ?? []) assert.match(tag, /\bsrc="\/emulator\/assets\//);
      assert.doesNotMatch(html, /<style\b|\sstyle=|\son[a-z]+=/i);
      for (const id of ['user', 'scene', 'scan', 'code-list', 'confirm', 'cancel', 'nickname', 'result']) assert.match(html, new RegExp(`data-testid="${id}"`));
      const js = await emulator.get('/emulator/assets/phone.js');
      assert.match(js.type, /^text\/javascript/);
      assert.match(js.body, /\/mp\/scan/);
      assert.match((await emulator.get('/emulator/assets/phone.css')).type, /^text\/css/);
      assert.equal((await emulator.get('/emulator/assets/..%2F..%2Fpackage.json')).status, 404);
    });
  });
});
