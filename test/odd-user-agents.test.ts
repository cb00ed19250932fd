import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { describeRequester } from '../src/login/requester.ts';
import { Browser } from './helpers/browser.ts';
import { complete, fetchScene, mp, scan, startLogin } from './helpers/login.ts';
import { startSaoma, type RunningSaoma } from './helpers/saoma.ts';

/**
 * Every shape of User-Agent header a login page can be opened with. The header is written by
 * whoever opens the page (an attacker too), so none may break the confirm screen. Characters
 * outside Latin-1 cannot travel in a header, and C0 controls other than tab are refused by Node's
 * HTTP parser before saoma sees them; everything else below reaches saoma.
 */
const SHAPES: Array<[string, string | null]> = [
  ['absent', null],
  ['empty', ''],
  ['a single space', ' '],
  ['only whitespace', ' \t  \t'],
  ['2 KB long', `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0 Safari/537.36 ${'x'.repeat(2048)}`],
  ['Latin-1 bytes', 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Navigateur/1.0 (Français; Ünïcødé ÿ©®)'],
  ['control characters (tab, C1 controls)', 'Mozilla/5.0\t(iPhone; CPU iPhone OS 17_0)\x85\x9b31m\x9f Mobile/15E148'],
  ['no browser anyone knows', 'curl/8.5.0'],
];

/** What the confirm screen may show: short, printable, never empty. */
function assertSensible(requester: Record<string, unknown>, shape: string): void {
  for (const field of ['browser', 'os']) {
    const value = requester[field];
    assert.equal(typeof value, 'string', `${shape}: ${field} is a string`);
    assert.ok((value as string).length > 0 && (value as string).length <= 64, `${shape}: ${field} is 1–64 characters: ${JSON.stringify(value)}`);
    assert.doesNotMatch(value as string, /[\u0000-\u001f\u007f-\u009f]/, `${shape}: ${field} has no control characters`);
    assert.equal((value as string).trim(), value, `${shape}: ${field} has no padding`);
  }
  assert.equal(requester.ip, '127.0.0.1');
  assert.ok(Math.abs(Date.parse(String(requester.time)) - Date.now()) < 60_000, `${shape}: time is now`);
}

describe('a login page opened with any User-Agent', () => {
  let saoma: RunningSaoma;
  before(async () => {
    saoma = await startSaoma();
  });
  after(() => saoma.close());

  for (const [shape, userAgent] of SHAPES) {
    it(`completes a whole login and shows a sensible requester when the User-Agent is ${shape}`, async () => {
      const login = await startLogin(saoma, { browser: new Browser(userAgent) });
      assert.equal(login.page.status, 200, `the login page answered ${login.page.status}`);
      const scene = await fetchScene(saoma, login);
      const scanned = await scan(saoma, scene, 'ua-tester');
      assert.equal(scanned.status, 200, `scan answered ${scanned.status}: ${JSON.stringify(scanned.json)}`);
      assertSensible(scanned.json.requester, shape);
      const confirmed = await mp(saoma, 'confirm', { scene, token: scanned.json.token });
      assert.equal(confirmed.status, 200, JSON.stringify(confirmed.json));
      const callback = await complete(saoma, login);
      const tokens = await oidc.authorizationCodeGrant(login.config, callback, { pkceCodeVerifier: login.verifier, expectedState: login.state, idTokenExpected: true });
      assert.ok(tokens.claims()!.sub);
    });
  }

  it('names the browser and OS of an ordinary User-Agent', () => {
    const requester = describeRequester({ ip: '192.0.2.1', user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36', time: 0 });
    assert.deepEqual(requester, { ip: '192.0.2.1', browser: 'Chrome 126.0', os: 'macOS Sonoma', time: '1970-01-01T00:00:00.000Z' });
  });

  it('says "unknown" where the User-Agent names nothing', () => {
    for (const [shape, userAgent] of SHAPES) {
      const requester = describeRequester({ ip: '192.0.2.1', user_agent: userAgent ?? '', time: 0 });
      assertSensible({ ...requester, ip: '127.0.0.1', time: new Date().toISOString() }, shape);
    }
    assert.deepEqual(describeRequester({ ip: '192.0.2.1', user_agent: '', time: 0 }).browser, 'unknown');
  });
});
