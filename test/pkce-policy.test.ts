import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { ConfigError, loadConfig } from '../src/config/load.ts';
import { REDIS_URL, redisPrefix } from './admin/fixtures.ts';
import { ADMIN_TOKEN, adminApi, backToWebsite, relyingPartyFor, type Website } from './admin/helpers.ts';
import { Browser } from './helpers/browser.ts';
import { mp, sceneFromImage } from './helpers/login.ts';
import { startSaoma, type RunningSaoma } from './helpers/saoma.ts';

const SECRET = 'a-website-secret-that-is-long-enough-0123456789';
const STRICT: Website = { client_id: 'strict', client_secret: SECRET, redirect_uri: 'http://127.0.0.1:9/strict' };
const NONCE_ONLY: Website = { client_id: 'nonce-only', client_secret: SECRET, redirect_uri: 'http://127.0.0.1:9/nonce-only' };
const PUBLIC: Website = { client_id: 'public', redirect_uri: 'http://127.0.0.1:9/public' };
const OPENID_ONLY: Website = { client_id: 'openid-only', client_secret: SECRET, redirect_uri: 'http://127.0.0.1:9/openid-only' };

function file(clients: unknown[]): string {
  const path = join(mkdtempSync(join(tmpdir(), 'saoma-pkce-')), 'clients.json');
  writeFileSync(path, JSON.stringify(clients));
  return path;
}

const CLIENTS = [
  { client_id: STRICT.client_id, client_secret: SECRET, client_name: 'Strict', redirect_uris: [STRICT.redirect_uri] },
  { client_id: NONCE_ONLY.client_id, client_secret: SECRET, client_name: 'Nonce only', redirect_uris: [NONCE_ONLY.redirect_uri], require_pkce: false },
  { client_id: PUBLIC.client_id, token_endpoint_auth_method: 'none', client_name: 'Public', redirect_uris: [PUBLIC.redirect_uri] },
  { client_id: OPENID_ONLY.client_id, client_secret: SECRET, client_name: 'Openid only', redirect_uris: [OPENID_ONLY.redirect_uri], scope: 'openid' },
];

describe('PKCE policy per website', () => {
  let saoma: RunningSaoma;
  before(async () => {
    saoma = await startSaoma({ CLIENTS_FILE: file(CLIENTS), ADMIN_TOKEN, REGISTRATION_ENABLED: 'true' });
  });
  after(() => saoma.close());

  /** The browser goes to /auth; answers where saoma sent it, with the query read out. */
  const authorize = async (w: Website, params: Record<string, string>) => {
    const url = new URL(`${saoma.issuer}/auth`);
    for (const [k, v] of Object.entries({ client_id: w.client_id, response_type: 'code', scope: 'openid profile', redirect_uri: w.redirect_uri, state: 'st', ...params })) url.searchParams.set(k, v);
    const browser = new Browser();
    const answer = await browser.request(url);
    return { browser, answer, back: answer.location ? new URL(answer.location) : undefined };
  };
  const refusedAtWebsite = (back: URL | undefined, w: Website) => {
    assert.ok(back, 'the refusal is a redirect');
    assert.equal(`${back.origin}${back.pathname}`, w.redirect_uri, 'back at the website\'s redirect URI');
    assert.equal(back.searchParams.get('state'), 'st');
    assert.equal(back.searchParams.get('iss'), saoma.issuer, 'with the RFC 9207 iss');
    return { error: back.searchParams.get('error'), description: back.searchParams.get('error_description') ?? '' };
  };

  it('a website sending no PKCE is sent back with invalid_request naming code_challenge and require_pkce', async () => {
    for (const w of [STRICT, PUBLIC]) {
      const { error, description } = refusedAtWebsite((await authorize(w, {})).back, w);
      assert.equal(error, 'invalid_request');
      assert.match(description, /code_challenge_method=S256/);
      assert.match(description, /require_pkce: false/);
    }
  });

  it('plain PKCE is refused for every website, the opted-out one too', async () => {
    for (const w of [STRICT, NONCE_ONLY, PUBLIC]) {
      const { error, description } = refusedAtWebsite((await authorize(w, { code_challenge: 'p'.repeat(43), code_challenge_method: 'plain', nonce: 'n' })).back, w);
      assert.equal(error, 'invalid_request');
      assert.match(description, /code_challenge_method must be S256: plain is refused/);
    }
  });

  it('a website registered with require_pkce: false must send a nonce when it sends no PKCE', async () => {
    const { error, description } = refusedAtWebsite((await authorize(NONCE_ONLY, {})).back, NONCE_ONLY);
    assert.equal(error, 'invalid_request');
    assert.match(description, /nonce is required/);
    assert.match(description, /require_pkce: false/);
  });

  it('a website registered with require_pkce: false signs people in with a nonce and no PKCE; the ID token carries the nonce', async () => {
    const config = await relyingPartyFor(saoma.issuer, NONCE_ONLY);
    const nonce = oidc.randomNonce();
    const { browser, answer } = await authorize(NONCE_ONLY, { nonce });
    assert.equal(answer.status, 303);
    const uid = /\/interaction\/([^/?#]+)$/.exec(new URL(answer.location!).pathname)![1];
    await browser.request(answer.location!);
    const scene = await sceneFromImage((await browser.request(`${saoma.issuer}/interaction/${uid}/qrcode`)).bytes);
    const scanned = await mp(saoma, 'scan', { scene, code: await saoma.wxLogin('alice') });
    assert.equal((await mp(saoma, 'confirm', { scene, token: scanned.json.token, nickname: 'Alice' })).status, 200);
    const done = await browser.request(`${saoma.issuer}/interaction/${uid}/complete`, { method: 'POST', form: {} });
    const callback = await backToWebsite(browser, done.location!, NONCE_ONLY.redirect_uri);
    const tokens = await oidc.authorizationCodeGrant(config, callback, { expectedState: 'st', expectedNonce: nonce, idTokenExpected: true });
    assert.equal(tokens.claims()!.nonce, nonce);
    assert.equal(tokens.claims()!.nickname, 'Alice');
  });

  it('a website that opted out but sends PKCE anyway has it enforced: a wrong verifier gets no tokens', async () => {
    const verifier = oidc.randomPKCECodeVerifier();
    const { browser, answer } = await authorize(NONCE_ONLY, { code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    assert.equal(answer.status, 303, 'PKCE without a nonce is fine');
    const uid = /\/interaction\/([^/?#]+)$/.exec(new URL(answer.location!).pathname)![1];
    await browser.request(answer.location!);
    const scene = await sceneFromImage((await browser.request(`${saoma.issuer}/interaction/${uid}/qrcode`)).bytes);
    const scanned = await mp(saoma, 'scan', { scene, code: await saoma.wxLogin('bob') });
    await mp(saoma, 'confirm', { scene, token: scanned.json.token });
    const done = await browser.request(`${saoma.issuer}/interaction/${uid}/complete`, { method: 'POST', form: {} });
    const callback = await backToWebsite(browser, done.location!, NONCE_ONLY.redirect_uri);
    const res = await fetch(`${saoma.issuer}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${NONCE_ONLY.client_id}:${SECRET}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: callback.searchParams.get('code')!, redirect_uri: NONCE_ONLY.redirect_uri, code_verifier: oidc.randomPKCECodeVerifier() }),
    });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: string }).error, 'invalid_grant');
  });

  it('an unregistered redirect URI gets a page (never a redirect) saying redirect URIs are compared exactly and how to register one', async () => {
    const { answer } = await authorize(STRICT, { redirect_uri: `${STRICT.redirect_uri}/other` });
    assert.equal(answer.status, 400);
    assert.equal(answer.location, undefined);
    assert.match(answer.text, /compared exactly; register this one/);
  });

  it('a scope the website is not registered for is invalid_scope at its redirect URI, naming the scope setting', async () => {
    const { error, description } = refusedAtWebsite((await authorize(OPENID_ONLY, { code_challenge: 'c'.repeat(43), code_challenge_method: 'S256' })).back, OPENID_ONLY);
    assert.equal(error, 'invalid_scope');
    assert.match(description, /registered scope lists the only scopes it may ask for/);
  });

  describe('a public client can never opt out, whichever way it is registered', () => {
    it('the clients file: saoma refuses to start, naming the client and require_pkce', () => {
      try {
        loadConfig({ CLIENTS_FILE: file([{ ...CLIENTS[2], require_pkce: false }, { ...CLIENTS[0], client_id: 'typo', require_pkce: 'no' }]) });
        assert.fail('started');
      } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        assert.ok(err.problems.some((p) => /\[0\.require_pkce\]: a public client/.test(p)), err.problems.join('\n'));
        assert.ok(err.problems.some((p) => /\[1\.require_pkce\]/.test(p)), err.problems.join('\n'));
      }
    });

    it('the admin API: 400 invalid_client_metadata naming require_pkce; a confidential client may opt out and is shown so', async () => {
      const api = adminApi(`${saoma.issuer}/admin`);
      const refused = await api('POST', '/clients', { client_name: 'SPA', token_endpoint_auth_method: 'none', redirect_uris: ['https://spa.example/cb'], require_pkce: false, id_token_profile_claims: 'yes' });
      assert.equal(refused.status, 400);
      assert.equal(refused.json.error, 'invalid_client_metadata');
      assert.ok(refused.json.problems.some((p: string) => p.startsWith('require_pkce: a public client')), JSON.stringify(refused.json));
      assert.ok(refused.json.problems.includes('id_token_profile_claims: must be true or false'), JSON.stringify(refused.json));
      const made = await api('POST', '/clients', { client_name: 'Legacy', redirect_uris: ['https://legacy.example/cb'], require_pkce: false, id_token_profile_claims: false });
      assert.equal(made.status, 201, JSON.stringify(made.json));
      assert.equal(made.json.client.require_pkce, false);
      assert.equal(made.json.client.id_token_profile_claims, false);
      const turned = await api('PATCH', `/clients/${made.json.client.client_id}`, { token_endpoint_auth_method: 'none' });
      assert.equal(turned.status, 400, 'turning an opted-out client public is refused too');
      assert.ok(turned.json.problems.some((p: string) => p.startsWith('require_pkce')), JSON.stringify(turned.json));
    });

    it('the command line: --no-pkce registers the opt-out for a confidential website, and is refused with --auth-method none', async () => {
      const redis = redisPrefix('pkce-cli');
      const env = { PATH: process.env.PATH ?? '', NODE_ENV: 'test', REDIS_URL, REDIS_KEY_PREFIX: redis.prefix, CLIENTS_FILE: '/nonexistent/clients.json' };
      const cli = (args: string[]) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, ['bin/saoma.ts', ...args], { cwd: new URL('../', import.meta.url).pathname, env, timeout: 30_000 }, (err, stdout, stderr) => {
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
        });
      });
      try {
        const added = await cli(['clients', 'add', '--name', 'Passport Shop', '--redirect-uri', 'https://passport.example/cb', '--no-pkce', '--no-id-token-profile-claims', '--json']);
        assert.equal(added.code, 0, added.stderr);
        const { client } = JSON.parse(added.stdout);
        assert.equal(client.require_pkce, false);
        assert.equal(client.id_token_profile_claims, false);
        const refused = await cli(['clients', 'add', '--name', 'SPA', '--redirect-uri', 'https://spa.example/cb', '--auth-method', 'none', '--no-pkce']);
        assert.equal(refused.code, 1);
        assert.match(refused.stderr, /require_pkce: a public client/);
      } finally {
        await redis.clean();
      }
    });

    it('Dynamic Client Registration: invalid_client_metadata naming require_pkce', async () => {
      const api = adminApi(`${saoma.issuer}/admin`);
      const token = (await api('POST', '/registration-tokens', { ttl_seconds: 600 })).json.initial_access_token as string;
      const res = await fetch(`${saoma.issuer}/reg`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ client_name: 'SPA', token_endpoint_auth_method: 'none', redirect_uris: ['https://spa.example/cb'], require_pkce: false }),
      });
      assert.equal(res.status, 400);
      const body = (await res.json()) as { error: string; error_description: string };
      assert.equal(body.error, 'invalid_client_metadata');
      assert.match(body.error_description, /require_pkce: a public client/);
    });
  });
});
