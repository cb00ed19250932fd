import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { createLogger } from '../src/log.ts';
import { MemoryStore } from '../src/store/memory.ts';
import { Browser } from './helpers/browser.ts';
import { relyingParty, signIn, startLogin } from './helpers/login.ts';
import { RP, SPA, startSaoma, type RunningSaoma } from './helpers/saoma.ts';

describe('a hardened provider', () => {
  let saoma: RunningSaoma;
  before(async () => {
    saoma = await startSaoma();
  });
  after(() => saoma.close());

  const authorize = async (params: Record<string, string>) => {
    const url = new URL(`${saoma.issuer}/auth`);
    for (const [k, v] of Object.entries({ client_id: RP.client_id, response_type: 'code', scope: 'openid', redirect_uri: RP.redirect_uri, state: 's', ...params })) if (v !== '') url.searchParams.set(k, v);
    return new Browser().request(url);
  };

  it('publishes discovery with code flow, S256 PKCE and our scopes only', async () => {
    const meta = (await (await fetch(`${saoma.issuer}/.well-known/openid-configuration`)).json()) as Record<string, any>;
    assert.deepEqual(meta.response_types_supported, ['code']);
    assert.deepEqual(meta.code_challenge_methods_supported, ['S256']);
    assert.deepEqual([...meta.scopes_supported].sort(), ['offline_access', 'openid', 'phone', 'profile']);
    for (const endpoint of ['revocation_endpoint', 'introspection_endpoint', 'userinfo_endpoint', 'end_session_endpoint']) assert.ok(meta[endpoint], endpoint);
  });

  it('requires PKCE from every client, confidential ones too', async () => {
    const answer = await authorize({});
    const location = new URL(answer.location!);
    assert.equal(location.searchParams.get('error'), 'invalid_request');
    assert.match(location.searchParams.get('error_description')!, /PKCE/);
  });

  it('matches redirect_uri exactly and never redirects to an unregistered one', async () => {
    const answer = await authorize({ redirect_uri: `${RP.redirect_uri}/evil`, code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' });
    assert.equal(answer.status, 400);
    assert.equal(answer.location, undefined);
    assert.match(answer.type, /html/);
    const missing = await authorize({ redirect_uri: '', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' });
    assert.equal(missing.status, 400, 'redirect_uri is required even with a single registered one');
  });

  it('refuses response types other than code', async () => {
    const answer = await authorize({ response_type: 'code id_token', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256', nonce: 'n' });
    // Hybrid types would answer in the fragment, so the refusal does too.
    assert.equal(new URLSearchParams(new URL(answer.location!).hash.slice(1)).get('error'), 'unsupported_response_type');
  });

  it('serves a JWKS with an RSA and an EC key and no private parts', async () => {
    const jwks = (await (await fetch(`${saoma.issuer}/jwks`)).json()) as { keys: Array<Record<string, string>> };
    assert.deepEqual(jwks.keys.map((k) => k.kty).sort(), ['EC', 'RSA']);
    for (const key of jwks.keys) assert.equal(key.d, undefined);
  });

  it('a public client signs in with PKCE and no secret', async () => {
    const config = await oidc.discovery(new URL(saoma.issuer), SPA.client_id, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
    const browser = new Browser();
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: SPA.redirect_uri, scope: 'openid', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    const answer = await browser.request(url);
    assert.equal(answer.status, 303);
  });

  it('a browser already signed in is asked for consent on a new scope, and can allow or deny', async () => {
    const first = await signIn(saoma, 'frank', { scope: 'openid' });
    // Same browser, a new scope: the session is there, consent is not.
    const login = await startLogin(saoma, { browser: first.login.browser, config: first.login.config, scope: 'openid profile' });
    assert.equal(login.page.status, 200);
    assert.match(login.page.text, /data-testid="allow"/);
    const allowed = await login.browser.request(`${saoma.issuer}/interaction/${login.uid}/consent`, { method: 'POST', form: {} });
    const landed = await login.browser.follow(allowed.location!, saoma.issuer, allowed);
    assert.ok(new URL(landed.url).searchParams.get('code'), landed.url);

    // (The phone number is never asked on a consent page: only a tap in WeChat gives it.)
    const denied = await startLogin(saoma, { browser: first.login.browser, config: first.login.config, scope: 'openid profile', extra: { prompt: 'consent' } });
    const abort = await denied.browser.request(`${saoma.issuer}/interaction/${denied.uid}/abort`, { method: 'POST', form: {} });
    const back = await denied.browser.follow(abort.location!, saoma.issuer, abort);
    assert.equal(new URL(back.url).searchParams.get('error'), 'access_denied');
  });
});

describe('keys shared through the store', () => {
  it('two processes on one store, and a restart, serve the same JWKS and accept each other\'s cookies', async () => {
    const store = new MemoryStore();
    const a = await startSaoma({}, store);
    const b = await startSaoma({}, store);
    const jwks = async (s: RunningSaoma) => (await fetch(`${s.issuer}/jwks`)).json();
    assert.deepEqual(await jwks(a), await jwks(b));
    // A login page opened on A is served by B: the signed interaction cookie verifies there.
    const login = await startLogin(a);
    const onB = await login.browser.request(`${b.issuer}/interaction/${login.uid}`);
    assert.equal(onB.status, 200);
    await a.saoma.close();
    const again = await startSaoma({}, store);
    assert.deepEqual(await jwks(again), await jwks(b));
    await again.saoma.close();
    await b.close();
  });
});

describe('logs', () => {
  it('a whole login writes no code, token, secret or WeChat id to the log', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
    const saoma = await startSaoma({}, new MemoryStore(), createLogger('debug', sink));
    try {
      const { tokens } = await signIn(saoma, 'grace', { unionid: true });
      await oidc.fetchUserInfo(await relyingParty(saoma), tokens.access_token, tokens.claims()!.sub);
      const log = lines.join('');
      assert.ok(lines.length > 10, 'the login was logged');
      for (const secret of [tokens.access_token, tokens.id_token!, RP.client_secret, 'session_key']) {
        assert.equal(log.includes(secret), false, `the log contains ${secret.slice(0, 12)}…`);
      }
      assert.doesNotMatch(log, /"openid":"o|"unionid":"u/);
      assert.doesNotMatch(log, /[?&]code=/);
      assert.match(log, /"req_id"/);
    } finally {
      await saoma.close();
    }
  });
});
