import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { RP, startSaoma, type RunningSaoma } from './helpers/saoma.ts';
import { complete, fetchScene, mp, scan, signIn, startLogin } from './helpers/login.ts';

const isInvalidGrant = (err: unknown) => (err as { error?: string }).error === 'invalid_grant';

/** `promise`'s answer, or 'still waiting' if it has none within `ms`. */
const within = <T>(promise: Promise<T>, ms: number) => Promise.race([promise, new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), ms))]);

/** Resolves once the process holds `n` waiting status polls (checked every few ms; there is no event). */
async function waitingPolls(saoma: RunningSaoma, n: number): Promise<void> {
  const deadline = Date.now() + 5000;
  while (saoma.saoma.tickets.waiting !== n && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  assert.equal(saoma.saoma.tickets.waiting, n, 'waiting polls in the process');
}

describe('a whole login, as a relying party sees it', () => {
  let saoma: RunningSaoma;
  before(async () => {
    saoma = await startSaoma();
  });
  after(() => saoma.close());

  it('discovery → login page → code → scan → confirm → long-poll → complete → tokens → userinfo → refresh → revocation → logout', async () => {
    const login = await startLogin(saoma, { scope: 'openid profile offline_access', extra: { prompt: 'consent' } });
    assert.equal(login.page.status, 200);
    assert.match(login.page.text, /Test Shop/);

    const scene = await fetchScene(saoma, login);
    assert.match(scene, /^[A-Za-z0-9]{1,32}$/);

    const status = (known: string) => login.browser.request(`${saoma.issuer}/interaction/${login.uid}/status?state=${known}`);
    assert.equal((await status('')).json.state, 'pending', 'an unknown state answers at once');

    const scanned = await scan(saoma, scene, 'alice');
    assert.equal(scanned.status, 200, JSON.stringify(scanned.json));
    assert.equal(scanned.json.state, 'scanned');
    assert.equal(scanned.json.client.client_id, RP.client_id);
    assert.equal(scanned.json.client.name, 'Test Shop');
    assert.deepEqual(scanned.json.scopes.map((s: { scope: string }) => s.scope), ['openid', 'profile', 'offline_access']);
    assert.equal(scanned.json.requester.browser.startsWith('Chrome'), true);
    assert.equal(scanned.json.requester.os.startsWith('macOS'), true);
    assert.ok(scanned.json.requester.ip);
    assert.equal(typeof scanned.json.token, 'string');

    // The page waits on "scanned"; the confirm wakes it. The poll is waiting once the process
    // counts it (the memory store has answered its read by the next turn) and it has no answer.
    const waiting = status('scanned');
    await waitingPolls(saoma, 1);
    assert.equal(await within(waiting, 0), 'still waiting', 'the poll on the current state waits');
    const confirmed = await mp(saoma, 'confirm', { scene, token: scanned.json.token, nickname: '爱丽丝', avatar_url: 'https://example.com/a.png' });
    assert.deepEqual(confirmed, { status: 200, json: { state: 'confirmed' } });
    // Woken by the confirm: long before the poll's own timeout (STATUS_WAIT_SECONDS, 25 s here).
    const woken = await within(waiting, 2000);
    if (woken === 'still waiting') assert.fail('the confirm did not wake the waiting poll');
    assert.equal(woken.json.state, 'confirmed');
    assert.deepEqual(woken.json.scanner, { nickname: '爱丽丝', avatar_url: 'https://example.com/a.png' });

    const callback = await complete(saoma, login);
    const tokens = await oidc.authorizationCodeGrant(login.config, callback, { pkceCodeVerifier: login.verifier, expectedState: login.state, idTokenExpected: true });
    const claims = tokens.claims()!;
    assert.equal(claims.iss, saoma.issuer);
    assert.equal(claims.aud, RP.client_id);
    assert.ok(tokens.refresh_token, 'offline_access with prompt=consent gives a refresh token');

    const userinfo = await oidc.fetchUserInfo(login.config, tokens.access_token, claims.sub);
    assert.deepEqual(userinfo, { sub: claims.sub, nickname: '爱丽丝', picture: 'https://example.com/a.png' });

    const refreshed = await oidc.refreshTokenGrant(login.config, tokens.refresh_token!);
    assert.equal(refreshed.claims()!.sub, claims.sub);
    assert.notEqual(refreshed.refresh_token, tokens.refresh_token, 'refresh tokens rotate');
    await assert.rejects(oidc.refreshTokenGrant(login.config, tokens.refresh_token!), isInvalidGrant, 'a rotated refresh token is dead');

    // Reuse of the old token revoked the grant; sign in again to test revocation on its own.
    const again = await signIn(saoma, 'alice', { scope: 'openid offline_access', extra: { prompt: 'consent' } });
    assert.equal(again.claims.sub, claims.sub, 'the same WeChat user gets the same sub');
    assert.equal((await oidc.tokenIntrospection(again.login.config, again.tokens.access_token)).active, true);
    await oidc.tokenRevocation(again.login.config, again.tokens.refresh_token!);
    await assert.rejects(oidc.refreshTokenGrant(again.login.config, again.tokens.refresh_token!), isInvalidGrant);
    await oidc.tokenRevocation(again.login.config, again.tokens.access_token);
    assert.equal((await oidc.tokenIntrospection(again.login.config, again.tokens.access_token)).active, false);

    // RP-initiated logout: the confirmation page, then the registered post-logout redirect.
    const logoutUrl = oidc.buildEndSessionUrl(again.login.config, { id_token_hint: again.tokens.id_token!, post_logout_redirect_uri: RP.post_logout_redirect_uri });
    const confirmPage = await again.login.browser.request(logoutUrl);
    assert.equal(confirmPage.status, 200);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(confirmPage.text)?.[1];
    const action = /action="([^"]+)"/.exec(confirmPage.text)?.[1];
    assert.ok(xsrf && action, 'the logout page carries the provider\'s form');
    const loggedOut = await again.login.browser.request(new URL(action, saoma.issuer), { method: 'POST', form: { xsrf, logout: 'yes' } });
    assert.equal(loggedOut.status, 303);
    assert.ok(loggedOut.location!.startsWith(RP.post_logout_redirect_uri));
  });

  it('another WeChat user gets another sub; a unionid user keeps one sub', async () => {
    const alice = await signIn(saoma, 'alice');
    const bob = await signIn(saoma, 'bob');
    assert.notEqual(alice.claims.sub, bob.claims.sub);
    const carol1 = await signIn(saoma, 'carol', { unionid: true });
    const carol2 = await signIn(saoma, 'carol', { unionid: true });
    assert.equal(carol1.claims.sub, carol2.claims.sub);
  });

  it('no WeChat id reaches the relying party', async () => {
    const { tokens, claims, login } = await signIn(saoma, 'dave', { unionid: true, scope: 'openid profile phone' });
    const userinfo = await oidc.fetchUserInfo(login.config, tokens.access_token, claims.sub);
    const seen = JSON.stringify({ claims, userinfo, tokens });
    assert.doesNotMatch(seen, /openid"|unionid|session_key/);
    assert.match(claims.sub, /^[A-Za-z0-9]{24}$/);
  });
});
