import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { createLogger } from '../src/log.ts';
import { openStore } from '../src/store/open.ts';
import { complete, fetchScene, mp, scan, startLogin } from './helpers/login.ts';
import { startRedis, type ThrowawayRedis } from './helpers/redis.ts';
import { startSaoma, type RunningSaoma } from './helpers/saoma.ts';

/**
 * PHONE_MONTHLY_CAP: each phone number is a billed getuserphonenumber call. Once the month's cap
 * of numbers is fetched, /mp/scan no longer lists the `phone` scope (so the mini-program shows no
 * phone button) and says why, a phone code sent anyway is not exchanged, and logins complete
 * without the claim.
 */
describe('the monthly phone-number cap', () => {
  let redis: ThrowawayRedis;
  let saoma: RunningSaoma;
  before(async () => {
    redis = await startRedis();
    const store = await openStore({ kind: 'redis', url: redis.url }, { keyPrefix: 'phone-cap:', commandTimeoutMs: 1000, log: createLogger('silent') });
    saoma = await startSaoma({ PHONE_MONTHLY_CAP: '1' }, store);
  });
  after(async () => {
    await saoma?.close();
    await redis?.stop();
  });

  async function signInWithPhone(user: string) {
    const login = await startLogin(saoma, { scope: 'openid phone' });
    const scene = await fetchScene(saoma, login);
    const scanned = await scan(saoma, scene, user);
    assert.equal(scanned.status, 200, JSON.stringify(scanned.json));
    // The person taps the phone button if it is there; a client that sends a code anyway is tested too.
    const code = (await saoma.emulator('/emulator/phone_code', { user, phone: '13912345678' })).code as string;
    const confirmed = await mp(saoma, 'confirm', { scene, token: scanned.json.token, phone_code: code });
    assert.deepEqual(confirmed, { status: 200, json: { state: 'confirmed' } });
    const callback = await complete(saoma, login);
    const tokens = await oidc.authorizationCodeGrant(login.config, callback, { pkceCodeVerifier: login.verifier, expectedState: login.state, idTokenExpected: true });
    const sub = tokens.claims()!.sub;
    return { scanned: scanned.json, userinfo: await oidc.fetchUserInfo(login.config, tokens.access_token, sub), sub };
  }
  const phoneCalls = async () => (await saoma.calls()).getuserphonenumber as number;
  const asksPhone = (scanned: { scopes: Array<{ scope: string }> }) => scanned.scopes.some((s) => s.scope === 'phone');

  it('below the cap the phone is offered and shared; at the cap it is not offered, not fetched, and the login completes without it', async () => {
    const first = await signInWithPhone('under-cap');
    assert.ok(asksPhone(first.scanned), 'the confirm screen offers the phone button');
    assert.equal(first.scanned.phone, undefined);
    assert.equal(first.userinfo.phone_number, '+8613912345678');
    const callsAfterFirst = await phoneCalls();

    const second = await signInWithPhone('over-cap');
    assert.ok(!asksPhone(second.scanned), 'no phone scope in /mp/scan, so the mini-program shows no phone button');
    assert.equal(second.scanned.phone.offered, false);
    assert.equal(second.scanned.phone.code, 'phone_cap_reached');
    assert.match(second.scanned.phone.message, /\S/);
    assert.deepEqual(second.userinfo, { sub: second.sub }, 'the website gets no phone claim');
    assert.equal(await phoneCalls(), callsAfterFirst, 'no billed call past the cap');
  });
});
