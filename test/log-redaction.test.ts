import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { openidOf, unionidOf } from '../src/emulator/identity.ts';
import { SaomaError } from '../src/errors.ts';
import { createLogger } from '../src/log.ts';
import { MemoryStore } from '../src/store/memory.ts';
import { complete, fetchScene, mp, relyingParty, scan, startLogin } from './helpers/login.ts';
import { RP, startSaoma } from './helpers/saoma.ts';

/** A logger whose lines the test can read. */
function capturedLog() {
  const lines: string[] = [];
  const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
  return { log: createLogger('debug', sink), lines, text: () => lines.join(''), json: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('what the log says about a refusal', () => {
  it('an expired ticket is logged as ticket_expired, on the mini-program and the browser side', async () => {
    const captured = capturedLog();
    const saoma = await startSaoma({ TICKET_TTL_SECONDS: '1' }, new MemoryStore(), captured.log);
    try {
      const login = await startLogin(saoma);
      const scene = await fetchScene(saoma, login);
      // The waiting page learns of the expiry: from then on the ticket is expired.
      const status = await login.browser.request(`${saoma.issuer}/interaction/${login.uid}/status?state=pending`);
      assert.equal(status.json.state, 'expired');
      assert.equal((await scan(saoma, scene, 'lena')).json.error, 'ticket_expired');
      const completed = await login.browser.request(`${saoma.issuer}/interaction/${login.uid}/complete`, { method: 'POST', form: {} });
      assert.equal(completed.status, 410);
      const refusals = captured.json().filter((line) => line.msg === 'request refused');
      assert.equal(refusals.filter((line) => line.code === 'ticket_expired').length, 2, captured.text());
      assert.doesNotMatch(captured.text(), /"code":"\[redacted\]"/);
    } finally {
      await saoma.close();
    }
  });

  it('a rate-limited scan is logged as rate_limited', async () => {
    const captured = capturedLog();
    const saoma = await startSaoma({}, new MemoryStore(), captured.log);
    try {
      const login = await startLogin(saoma);
      const scene = await fetchScene(saoma, login);
      // Ten scans of one code a minute are allowed; each of these carries a wx.login code WeChat refuses.
      const answers = [];
      for (let i = 0; i < 11; i++) answers.push(await mp(saoma, 'scan', { scene, code: `not-a-wechat-code-${i}` }));
      assert.equal(answers.at(-1)!.status, 429);
      assert.equal(answers.at(-1)!.json.error, 'rate_limited');
      const refusals = captured.json().filter((line) => line.msg === 'request refused');
      assert.ok(refusals.some((line) => line.code === 'rate_limited'), captured.text());
      assert.ok(refusals.some((line) => line.code === 'invalid_code' || line.code === 'wechat_error'), 'the refused WeChat codes are logged by their error code');
      assert.doesNotMatch(captured.text(), /not-a-wechat-code/, 'the wx.login codes themselves are not');
    } finally {
      await saoma.close();
    }
  });
});

describe('what the log says about a failure', () => {
  // Seen in a soak: WeChat timing out was logged as {"code":"[redacted]"} because the last-guard
  // rule let only multi-word names through, and `unavailable` is one word.
  it('one-word error codes (unavailable, conflict, unauthorized) are logged by name; a WeChat-like code is not', () => {
    const captured = capturedLog();
    for (const code of ['unavailable', 'conflict', 'unauthorized'] as const) {
      const err = new SaomaError(code, 'described');
      captured.log.error({ err, code: err.code }, 'request failed');
    }
    captured.log.info({ code: 'abcdefghijklmnopqrstuvwxyzabcdef' }, 'a stray all-lowercase code');
    captured.log.info({ code: '0c3Qk41w3EwcK53Uo22w3kHkPL4Qk41c' }, 'a stray wx.login code');
    const lines = captured.json();
    assert.deepEqual(lines.slice(0, 3).map((line) => line.code), ['unavailable', 'conflict', 'unauthorized']);
    assert.deepEqual(lines.slice(0, 3).map((line) => (line.err as { code: string }).code), ['unavailable', 'conflict', 'unauthorized']);
    assert.deepEqual(lines.slice(3).map((line) => line.code), ['[redacted]', '[redacted]']);
  });
});

describe('what the log never says', () => {
  it('a whole login with a phone number writes no wx.login code, phone code, authorization code, token, secret, WeChat id or phone number', async () => {
    const captured = capturedLog();
    const saoma = await startSaoma({}, new MemoryStore(), captured.log);
    try {
      const login = await startLogin(saoma, { scope: 'openid profile phone offline_access', extra: { prompt: 'consent' } });
      const scene = await fetchScene(saoma, login);
      const wxCode = await saoma.wxLogin('mira', true);
      const scannedAnswer = await mp(saoma, 'scan', { scene, code: wxCode });
      assert.equal(scannedAnswer.status, 200, JSON.stringify(scannedAnswer.json));
      const phone = '13512345678';
      const { code: phoneCode } = await saoma.emulator('/emulator/phone_code', { user: 'mira', phone });
      assert.equal((await mp(saoma, 'confirm', { scene, token: scannedAnswer.json.token, phone_code: phoneCode })).status, 200);
      // The browser posts /complete twice (the first answer lost): the retry is answered from the saved login.
      const completeUrl = `${saoma.issuer}/interaction/${login.uid}/complete`;
      assert.equal((await login.browser.request(completeUrl, { method: 'POST', form: {} })).status, 303);
      const callback = await complete(saoma, login);
      const authorizationCode = callback.searchParams.get('code')!;
      const tokens = await oidc.authorizationCodeGrant(login.config, callback, { pkceCodeVerifier: login.verifier, expectedState: login.state, idTokenExpected: true });
      const config = await relyingParty(saoma);
      const info = await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
      assert.equal(info.phone_number, `+86${phone}`, 'the number did reach the website (E.164)');
      assert.ok(tokens.refresh_token, 'a refresh token was issued');
      const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
      // A replayed authorization code and a wx.login code WeChat refuses: refusals carry codes too.
      await oidc.authorizationCodeGrant(login.config, callback, { pkceCodeVerifier: login.verifier, expectedState: login.state }).catch(() => undefined);
      await mp(saoma, 'scan', { scene, code: wxCode });

      const text = captured.text();
      assert.ok(captured.lines.length > 10, 'the login was logged');
      const secrets: Record<string, string> = {
        'wx.login code': wxCode,
        'phone code': phoneCode,
        'authorization code': authorizationCode,
        'scan token': scannedAnswer.json.token,
        'access token': tokens.access_token,
        'ID token': tokens.id_token!,
        'refresh token': tokens.refresh_token!,
        'rotated refresh token': refreshed.refresh_token!,
        'client secret': RP.client_secret,
        openid: openidOf(saoma.config.wechat.appid, 'mira'),
        unionid: unionidOf('mira'),
        'phone number': phone,
        'PKCE verifier': login.verifier,
      };
      for (const [name, secret] of Object.entries(secrets)) {
        assert.ok(secret && secret.length >= 8, `${name} is known to the test`);
        assert.equal(text.includes(secret), false, `the log contains the ${name}`);
      }
      assert.doesNotMatch(text, /session_key"\s*:\s*"(?!\[redacted\])/);
      assert.match(text, /"req_id"/);
    } finally {
      await saoma.close();
    }
  });

  it('a careless log of a request body, a query or a WeChat answer still hides the codes in it', () => {
    const captured = capturedLog();
    const wxCode = '0c3Ab9ll2xYzQw1Rt6Gh0Kp4Mn8Ll9Zq';
    captured.log.info({ body: { scene: 's', code: wxCode } }, 'a body');
    captured.log.info({ query: { code: wxCode } }, 'a query');
    captured.log.info({ request: { body: { code: wxCode } } }, 'nested');
    captured.log.info({ code: wxCode }, 'a code at the top');
    captured.log.info({ detail: { code: wxCode } }, 'a code one deep');
    captured.log.info({ js_code: wxCode, phone_code: wxCode, session_key: wxCode, openid: 'o1', token: 't' }, 'WeChat words');
    captured.log.info({ body: { code: 'ticket_expired' } }, 'a body code that looks like an error name is still a body code');
    assert.equal(captured.text().includes(wxCode), false, captured.text());
    assert.doesNotMatch(captured.lines.at(-1)!, /ticket_expired/);
    captured.log.info({ code: 'ticket_expired', err: { code: 'ECONNRESET' } }, 'a refusal');
    assert.match(captured.lines.at(-1)!, /"code":"ticket_expired"/);
    assert.match(captured.lines.at(-1)!, /"code":"ECONNRESET"/);
  });
});
