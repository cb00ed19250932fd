import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { createLogger } from '../../src/log.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { complete, fetchScene, mp, scan, startLogin } from '../helpers/login.ts';
import { startSaoma, type RunningSaoma } from '../helpers/saoma.ts';

/**
 * The phone scope end to end: the mini-program's phone button gives a code, /mp/confirm takes it
 * as phone_code, and the website reads phone_number through openid-client's userinfo. When WeChat
 * cannot give the number the login still completes, without the claim, and the errcode is logged.
 */
describe('the phone number, from the phone button to the website', () => {
  let saoma: RunningSaoma;
  const logLines: Array<Record<string, unknown>> = [];
  before(async () => {
    const log = createLogger('info', { write: (line: string) => void logLines.push(JSON.parse(line)) });
    saoma = await startSaoma({ WECHAT_TIMEOUT_MS: '2000' }, new MemoryStore(), log);
  });
  beforeEach(async () => {
    logLines.length = 0;
    await saoma.emulator('/emulator/faults/reset', {});
  });
  after(() => saoma.close());

  /** A whole login in which the person taps the phone button (or not) before confirming. */
  async function signInWithPhone(user: string, scope: string, phoneCode: () => Promise<string | undefined>) {
    const login = await startLogin(saoma, { scope });
    const scene = await fetchScene(saoma, login);
    const scanned = await scan(saoma, scene, user);
    assert.equal(scanned.status, 200, JSON.stringify(scanned.json));
    const code = await phoneCode();
    const confirmed = await mp(saoma, 'confirm', { scene, token: scanned.json.token, ...(code ? { phone_code: code } : {}) });
    assert.deepEqual(confirmed, { status: 200, json: { state: 'confirmed' } }, 'the login goes on whatever happened to the phone number');
    const callback = await complete(saoma, login);
    const tokens = await oidc.authorizationCodeGrant(login.config, callback, { pkceCodeVerifier: login.verifier, expectedState: login.state, idTokenExpected: true });
    const sub = tokens.claims()!.sub;
    return { scanned: scanned.json, userinfo: await oidc.fetchUserInfo(login.config, tokens.access_token, sub), sub };
  }

  const phoneButton = (user: string, phone: string) => async () => (await saoma.emulator('/emulator/phone_code', { user, phone })).code as string;
  const phoneFailures = () => logLines.filter((line) => line.event === 'phone.failed');

  it('with the phone scope and a tap on the button, userinfo has phone_number and phone_number_verified', async () => {
    const { scanned, userinfo, sub } = await signInWithPhone('phoebe', 'openid phone', phoneButton('phoebe', '13912345678'));
    assert.ok(scanned.scopes.some((s: { scope: string }) => s.scope === 'phone'), 'the confirm screen learns that the website asked for the phone');
    assert.deepEqual(userinfo, { sub, phone_number: '+8613912345678', phone_number_verified: true }, 'E.164');
    assert.equal((await saoma.calls()).getuserphonenumber, 1);
    assert.deepEqual(phoneFailures(), []);
    assert.doesNotMatch(JSON.stringify(logLines), /13912345678/, 'the number never reaches the log');
  });

  const failures = [
    // A spent quota of phone numbers is not here: it is the phone button's errno 1400001 on the phone, and no code reaches saoma (login-page.test.ts).
    { name: 'WeChat\'s per-minute limit is reached (45011)', errcode: 45011, setup: () => saoma.emulator('/emulator/faults', { api: 'getuserphonenumber', errcode: 45011 }), code: undefined },
    { name: 'the code is not one WeChat gave (40029)', errcode: 40029, setup: async () => {}, code: async () => 'a-code-wechat-never-gave' },
    { name: 'WeChat does not answer in time', errcode: 'timeout', setup: () => saoma.emulator('/emulator/faults', { api: 'getuserphonenumber', delay_ms: 4000 }), code: undefined },
    { name: 'WeChat is busy (-1)', errcode: -1, setup: () => saoma.emulator('/emulator/faults', { api: 'getuserphonenumber', errcode: -1 }), code: undefined },
  ];
  for (const [i, failure] of failures.entries()) {
    it(`when ${failure.name}, the login completes without a phone claim and the errcode is logged`, async () => {
      const user = `phone-failure-${i}`;
      await failure.setup();
      const { userinfo, sub } = await signInWithPhone(user, 'openid phone', failure.code ?? phoneButton(user, '13700000000'));
      assert.deepEqual(userinfo, { sub }, 'the website sees no phone claim');
      const logged = phoneFailures();
      assert.equal(logged.length, 1, JSON.stringify(logLines));
      assert.equal(logged[0]!.errcode, failure.errcode);
      assert.equal(logged[0]!.level, 'warn');
    });
  }

  it('a number shared once is not released to a later login in which the person did not tap', async () => {
    const first = await signInWithPhone('rosa', 'openid phone', phoneButton('rosa', '13622223333'));
    assert.equal(first.userinfo.phone_number, '+8613622223333');
    const later = await signInWithPhone('rosa', 'openid phone', async () => undefined);
    assert.equal(later.sub, first.sub);
    assert.deepEqual(later.userinfo, { sub: later.sub }, 'no tap this time: no phone claim');
  });

  it('a phone_code without the phone scope is not exchanged (each call costs money) and releases nothing', async () => {
    const before = (await saoma.calls()).getuserphonenumber ?? 0;
    const { userinfo, sub } = await signInWithPhone('quentin', 'openid profile', phoneButton('quentin', '13811112222'));
    assert.deepEqual(userinfo, { sub });
    assert.equal((await saoma.calls()).getuserphonenumber ?? 0, before);
  });
});
