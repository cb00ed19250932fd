import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { SaomaError } from '../../src/errors.ts';
import { createLogger } from '../../src/log.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { ACCESS_TOKEN_KEY } from '../../src/wechat/access-token.ts';
import { toSaomaError, WeChatApiError } from '../../src/wechat/errors.ts';
import { decodeQr, pixelsOf } from '../helpers/qr.ts';
import { SECRET, clientFor, rejectionOf, startEmulator, type RunningEmulator } from './harness.ts';


describe('the WeChat client against the emulator', () => {
  let emulator: RunningEmulator;
  before(async () => {
    emulator = await startEmulator();
  });
  after(() => emulator.close());

  describe('createCode', () => {
    test('returns a JPEG, as WeChat draws it, whose QR code opens the phone page with the scene', async () => {
      const scene = "aZ9!#$&'()*+,/:;=?@._~-";
      const { image, contentType } = await clientFor(emulator.base, new MemoryStore()).createCode(scene);
      assert.equal(contentType, 'image/jpeg');
      const url = new URL(decodeQr(image) ?? 'http://missing/');
      assert.equal(url.origin, emulator.base);
      assert.equal(url.pathname, '/emulator');
      assert.equal(url.searchParams.get('scene'), scene);
    });

    test('asks for the configured page, version and width, and the emulator lists the code newest first', async () => {
      const wechat = clientFor(emulator.base, new MemoryStore(), { page: 'pages/scan/scan', envVersion: 'trial', width: 280 });
      await wechat.createCode('older');
      const { image } = await wechat.createCode('newer');
      assert.equal(pixelsOf(image).width, 280);
      const { body } = await emulator.get('/emulator/codes');
      assert.deepEqual(body.codes.slice(0, 2).map((c: { scene: string; page: string; env_version: string }) => [c.scene, c.page, c.env_version]), [
        ['newer', 'pages/scan/scan', 'trial'],
        ['older', 'pages/scan/scan', 'trial'],
      ]);
      assert.ok(!Number.isNaN(Date.parse(body.codes[0].created_at)));
    });

    test('refuses a scene WeChat would refuse before calling WeChat at all', async () => {
      const wechat = clientFor(emulator.base, new MemoryStore());
      const before = await emulator.calls();
      for (const scene of ['', 'x'.repeat(33), 'percent%41', 'has space', '中文', 'tab\t']) {
        const err = await rejectionOf(wechat.createCode(scene));
        assert.ok(err instanceof SaomaError && err.code === 'invalid_request', `scene ${JSON.stringify(scene)}`);
      }
      assert.deepEqual(await emulator.calls(), before);
    });
  });

  describe('exchangeCode', () => {
    test('says who the wx.login code belongs to: the same openid for the same user, no unionid unless WeChat gives one', async () => {
      const wechat = clientFor(emulator.base, new MemoryStore());
      const first = await wechat.exchangeCode(await emulator.login('alice'));
      const again = await wechat.exchangeCode(await emulator.login('alice'));
      const bob = await wechat.exchangeCode(await emulator.login('bob'));
      assert.match(first.openid, /^o[A-Za-z0-9_-]{27}$/);
      assert.equal(again.openid, first.openid);
      assert.notEqual(bob.openid, first.openid);
      assert.ok(first.sessionKey.length > 0);
      assert.equal('unionid' in first, false);
    });

    test('carries the unionid when WeChat returns one', async () => {
      const wechat = clientFor(emulator.base, new MemoryStore());
      const session = await wechat.exchangeCode(await emulator.login('carol', true));
      const again = await wechat.exchangeCode(await emulator.login('carol', true));
      assert.ok(session.unionid);
      assert.equal(again.unionid, session.unionid);
      assert.notEqual(session.unionid, session.openid);
    });

    test('needs no access token', async () => {
      const store = new MemoryStore();
      const before = await emulator.calls();
      await clientFor(emulator.base, store).exchangeCode(await emulator.login('dave'));
      assert.equal((await emulator.calls()).stable_token, before.stable_token);
      assert.equal(await store.get(ACCESS_TOKEN_KEY), undefined);
    });

    const errors: { name: string; setUp: (e: RunningEmulator) => Promise<string>; code: string; status: number; errcode: number }[] = [
      { name: 'an unknown code (40029)', setUp: async () => 'not-a-code-wechat-gave', code: 'invalid_code', status: 400, errcode: 40029 },
      {
        name: 'a code used already (40163)',
        setUp: async (e) => {
          const code = await e.login('erin');
          await clientFor(e.base, new MemoryStore()).exchangeCode(code);
          return code;
        },
        code: 'invalid_code', status: 400, errcode: 40163,
      },
      { name: 'a rate limit (45011)', setUp: faulted(45011), code: 'rate_limited', status: 429, errcode: 45011 },
      { name: 'a blocked high-risk user (40226)', setUp: faulted(40226), code: 'login_blocked', status: 403, errcode: 40226 },
      { name: 'WeChat busy (-1)', setUp: faulted(-1), code: 'wechat_error', status: 502, errcode: -1 },
    ];
    for (const { name, setUp, code, status, errcode } of errors) {
      test(`turns ${name} into ${code} (${status})`, async () => {
        const jsCode = await setUp(emulator);
        const thrown = await rejectionOf(clientFor(emulator.base, new MemoryStore()).exchangeCode(jsCode));
        assert.ok(thrown instanceof WeChatApiError);
        assert.equal(thrown.api, 'jscode2session');
        const err = toSaomaError(thrown);
        assert.deepEqual([err.code, err.status, err.errcode], [code, status, errcode]);
        assert.ok(err.description.length > 0);
        if (code === 'rate_limited') assert.equal(err.retryAfter, 60);
      });
    }

    test('turns any other errcode, such as a wrong secret (40125), into wechat_error (502)', async () => {
      const code = await emulator.login('judy');
      const err = toSaomaError(await rejectionOf(clientFor(emulator.base, new MemoryStore(), { secret: 'not-the-secret' }).exchangeCode(code)));
      assert.deepEqual([err.code, err.status, err.errcode], ['wechat_error', 502, 40125]);
      assert.equal(err.description.includes('appsecret'), false, "WeChat's errmsg stays in the log detail");
      assert.match(err.detail ?? '', /invalid appsecret/);
    });

    test('gives up after timeoutMs when WeChat stalls: unavailable (503)', async () => {
      await emulator.fault({ api: 'jscode2session', delay_ms: 5000 });
      const code = await emulator.login('frank');
      const started = Date.now();
      const err = toSaomaError(await rejectionOf(clientFor(emulator.base, new MemoryStore(), { timeoutMs: 150 }).exchangeCode(code)));
      assert.ok(Date.now() - started < 1500);
      assert.deepEqual([err.code, err.status, err.errcode], ['unavailable', 503, 'timeout']);
    });

    test('reports an unreachable WeChat as unavailable (503)', async () => {
      const gone = await startEmulator();
      await gone.close();
      const err = toSaomaError(await rejectionOf(clientFor(gone.base, new MemoryStore()).exchangeCode('some-code')));
      assert.deepEqual([err.code, err.status, err.errcode], ['unavailable', 503, 'network']);
    });

    test('refuses an empty or over-long code before calling WeChat', async () => {
      const wechat = clientFor(emulator.base, new MemoryStore());
      const before = await emulator.calls();
      for (const code of ['', 'c'.repeat(129)]) {
        const err = await rejectionOf(wechat.exchangeCode(code));
        assert.ok(err instanceof SaomaError && err.code === 'invalid_request');
      }
      assert.deepEqual(await emulator.calls(), before);
    });
  });

  describe('phoneNumber', () => {
    test('returns the number behind a phone-button code, checked against the openid', async () => {
      const wechat = clientFor(emulator.base, new MemoryStore());
      const { openid } = await wechat.exchangeCode(await emulator.login('grace'));
      const { body } = await emulator.post('/emulator/phone_code', { user: 'grace', phone: '13912345678' });
      assert.deepEqual(await wechat.phoneNumber(body.code, openid), { phoneNumber: '13912345678', purePhoneNumber: '13912345678', countryCode: '86', e164: '+8613912345678' });
    });

    test('a number from outside the mainland keeps its own country code in E.164', async () => {
      const wechat = clientFor(emulator.base, new MemoryStore());
      const { body } = await emulator.post('/emulator/phone_code', { user: 'grace', phone: '2025550123', country_code: '1' });
      const phone = await wechat.phoneNumber(body.code);
      assert.deepEqual([phone.phoneNumber, phone.e164], ['+12025550123', '+12025550123']);
    });

    test('a phone code of another WeChat user is refused when the scanner\'s openid comes with it: invalid_code', async () => {
      const wechat = clientFor(emulator.base, new MemoryStore());
      const { openid } = await wechat.exchangeCode(await emulator.login('scanner'));
      const { body } = await emulator.post('/emulator/phone_code', { user: 'someone-else' });
      const err = toSaomaError(await rejectionOf(wechat.phoneNumber(body.code, openid)));
      assert.deepEqual([err.code, err.status, err.errcode], ['invalid_code', 400, 40013]);
    });

    test('a used phone code is invalid_code; a WeChat quota (45011) is rate_limited', async () => {
      const wechat = clientFor(emulator.base, new MemoryStore());
      const { body } = await emulator.post('/emulator/phone_code', { user: 'heidi' });
      await wechat.phoneNumber(body.code);
      const reused = toSaomaError(await rejectionOf(wechat.phoneNumber(body.code)));
      assert.deepEqual([reused.code, reused.errcode], ['invalid_code', 40029]);
      await emulator.fault({ api: 'getuserphonenumber', errcode: 45011 });
      const fresh = await emulator.post('/emulator/phone_code', { user: 'heidi' });
      const quota = toSaomaError(await rejectionOf(wechat.phoneNumber(fresh.body.code)));
      assert.deepEqual([quota.code, quota.status, quota.errcode], ['rate_limited', 429, 45011]);
    });
  });

  test('never logs the secret, the access token, a code, an openid, a unionid or a session key', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _encoding, done) { lines.push(String(chunk)); done(); } });
    const store = new MemoryStore();
    const wechat = clientFor(emulator.base, store, { log: createLogger('trace', sink) });
    const jsCode = await emulator.login('ivan', true);
    const session = await wechat.exchangeCode(jsCode);
    await wechat.createCode('logged');
    await emulator.post('/emulator/invalidate_token');
    await wechat.createCode('renewed');
    await emulator.fault({ api: 'jscode2session', errcode: 40226 });
    const blockedCode = await emulator.login('ivan');
    await rejectionOf(wechat.exchangeCode(blockedCode));
    await rejectionOf(wechat.exchangeCode(jsCode));
    const log = lines.join('');
    assert.ok(log.includes('jscode2session') && log.includes('getwxacodeunlimit'), 'calls are logged');
    const token = await store.get(ACCESS_TOKEN_KEY);
    for (const secret of [SECRET, token!, jsCode, blockedCode, session.openid, session.unionid!, session.sessionKey]) {
      assert.equal(log.includes(secret), false, `the log contains ${secret}`);
    }
  });
});

function faulted(errcode: number) {
  return async (e: RunningEmulator) => {
    await e.fault({ api: 'jscode2session', errcode });
    return e.login('mallory');
  };
}
