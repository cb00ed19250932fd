import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { fetchScene, mp, scan, startLogin } from './helpers/login.ts';
import { startSaoma, type RunningSaoma } from './helpers/saoma.ts';

/** Each WeChat failure during a login gives a defined answer, and the code stays usable after. */
describe('when WeChat fails', () => {
  let saoma: RunningSaoma;
  before(async () => {
    // Short enough for the timeout case, long enough for the emulator to draw a JPEG on a busy machine.
    saoma = await startSaoma({ WECHAT_TIMEOUT_MS: '1000' });
  });
  beforeEach(() => saoma.emulator('/emulator/faults/reset', {}));
  after(() => saoma.close());

  const cases = [
    { name: '40029 invalid code', errcode: 40029, status: 400, error: 'invalid_code' },
    { name: '45011 rate limit', errcode: 45011, status: 429, error: 'rate_limited' },
    { name: '40226 high-risk user', errcode: 40226, status: 403, error: 'login_blocked' },
    { name: '-1 system busy', errcode: -1, status: 502, error: 'wechat_error' },
  ];
  for (const c of cases) {
    it(`jscode2session ${c.name} → ${c.status} ${c.error}, and the code can still be scanned`, async () => {
      const login = await startLogin(saoma);
      const scene = await fetchScene(saoma, login);
      await saoma.emulator('/emulator/faults', { api: 'jscode2session', errcode: c.errcode });
      const failed = await scan(saoma, scene, 'alice');
      assert.equal(failed.status, c.status);
      assert.equal(failed.json.error, c.error);
      assert.equal(failed.json.errcode, c.errcode);
      assert.equal(typeof failed.json.error_description, 'string');
      const status = await login.browser.request(`${saoma.issuer}/interaction/${login.uid}/status`);
      assert.equal(status.json.state, 'pending');
      assert.equal((await scan(saoma, scene, 'alice')).status, 200);
    });
  }

  it('a wx.login code used twice (40163) is refused as invalid_code', async () => {
    const login = await startLogin(saoma);
    const scene = await fetchScene(saoma, login);
    const code = await saoma.wxLogin('alice');
    assert.equal((await mp(saoma, 'scan', { scene, code })).status, 200);
    const second = await startLogin(saoma);
    const reused = await mp(saoma, 'scan', { scene: await fetchScene(saoma, second), code });
    assert.equal(reused.status, 400);
    assert.equal(reused.json.error, 'invalid_code');
    assert.equal(reused.json.errcode, 40163);
  });

  it('a WeChat timeout is 503 unavailable, not a hang', async () => {
    const login = await startLogin(saoma);
    const scene = await fetchScene(saoma, login);
    await saoma.emulator('/emulator/faults', { api: 'jscode2session', delay_ms: 5000 });
    const started = Date.now();
    const failed = await scan(saoma, scene, 'alice');
    assert.equal(failed.status, 503);
    assert.equal(failed.json.error, 'unavailable');
    assert.equal(failed.json.errcode, 'timeout');
    assert.ok(Date.now() - started < 3500);
  });

  it('an access token WeChat no longer accepts (40001) is renewed once and the code still comes', async () => {
    const login = await startLogin(saoma);
    await fetchScene(saoma, login); // a token is cached now
    const tokensBefore = (await saoma.calls()).stable_token;
    await saoma.emulator('/emulator/invalidate_token', {});
    const other = await startLogin(saoma);
    const scene = await fetchScene(saoma, other);
    assert.match(scene, /^[A-Za-z0-9]+$/);
    assert.equal((await saoma.calls()).stable_token, tokensBefore + 1, 'exactly one new token was fetched');
  });

  it('the code image failing (-1) answers 502 wechat_error, and a retry gets the image', async () => {
    const login = await startLogin(saoma);
    await saoma.emulator('/emulator/faults', { api: 'getwxacodeunlimit', errcode: -1 });
    const failed = await login.browser.request(`${saoma.issuer}/interaction/${login.uid}/qrcode`);
    assert.equal(failed.status, 502);
    assert.equal(failed.json.error, 'wechat_error');
    assert.equal(failed.json.errcode, -1);
    assert.match(await fetchScene(saoma, login), /^[A-Za-z0-9]+$/);
  });
});
