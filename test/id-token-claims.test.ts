import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { backToWebsite, relyingPartyFor, type Website } from './admin/helpers.ts';
import { Browser } from './helpers/browser.ts';
import { mp, sceneFromImage } from './helpers/login.ts';
import { startSaoma, type RunningSaoma } from './helpers/saoma.ts';

const SECRET = 'a-website-secret-that-is-long-enough-0123456789';
const site = (client_id: string, port: number): Website => ({ client_id, client_secret: SECRET, redirect_uri: `http://127.0.0.1:${port}/callback` });
const DEFAULT = site('profile-default', 9);
const MINIMAL = site('sub-only', 10);
const WANTS_PROFILE = site('wants-profile', 11);

/** A clients file with one website per setting of `id_token_profile_claims` (absent, false, true). */
function clientsFile(): string {
  const file = join(mkdtempSync(join(tmpdir(), 'saoma-idtoken-')), 'clients.json');
  const client = (w: Website, extra: Record<string, unknown> = {}) => ({ client_id: w.client_id, client_secret: SECRET, client_name: w.client_id, redirect_uris: [w.redirect_uri], ...extra });
  writeFileSync(file, JSON.stringify([client(DEFAULT), client(MINIMAL, { id_token_profile_claims: false }), client(WANTS_PROFILE, { id_token_profile_claims: true })]));
  return file;
}

/** A whole sign-in through openid-client, the person giving `nickname` and an avatar in WeChat. */
async function signIn(saoma: RunningSaoma, w: Website, user: string, scope: string) {
  const browser = new Browser();
  const config = await relyingPartyFor(saoma.issuer, w);
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const extra: Record<string, string> = scope.includes('offline_access') ? { prompt: 'consent' } : {};
  const url = oidc.buildAuthorizationUrl(config, { redirect_uri: w.redirect_uri, scope, state, code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...extra });
  const page = await browser.request(url);
  const uid = /\/interaction\/([^/?#]+)$/.exec(new URL(page.location!).pathname)![1];
  await browser.request(page.location!);
  const scene = await sceneFromImage((await browser.request(`${saoma.issuer}/interaction/${uid}/qrcode`)).bytes);
  const scanned = await mp(saoma, 'scan', { scene, code: await saoma.wxLogin(user) });
  assert.equal(scanned.status, 200, JSON.stringify(scanned.json));
  assert.equal((await mp(saoma, 'confirm', { scene, token: scanned.json.token, nickname: `${user} 🐼`, avatar_url: `https://example.com/${user}.png` })).status, 200);
  const done = await browser.request(`${saoma.issuer}/interaction/${uid}/complete`, { method: 'POST', form: {} });
  const callback = await backToWebsite(browser, done.location!, w.redirect_uri);
  const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state, idTokenExpected: true });
  return { config, tokens, idToken: tokens.claims()!, userinfo: await oidc.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub) };
}

describe('profile claims in the ID token', () => {
  describe('by default (ID_TOKEN_PROFILE_CLAIMS unset)', () => {
    let saoma: RunningSaoma;
    before(async () => {
      saoma = await startSaoma({ CLIENTS_FILE: clientsFile() });
    });
    after(() => saoma.close());

    it('a website granted profile finds the nickname and picture in the ID token, as at userinfo, also after a refresh', async () => {
      const { config, tokens, idToken, userinfo } = await signIn(saoma, DEFAULT, 'alice', 'openid profile offline_access');
      assert.equal(idToken.nickname, 'alice 🐼');
      assert.equal(idToken.picture, 'https://example.com/alice.png');
      assert.deepEqual(userinfo, { sub: idToken.sub, nickname: 'alice 🐼', picture: 'https://example.com/alice.png' });
      const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
      assert.equal(refreshed.claims()!.nickname, 'alice 🐼', 'the refreshed ID token carries them too');
    });

    it('only the claims of the scopes granted: no profile scope, no nickname', async () => {
      const { idToken, userinfo } = await signIn(saoma, DEFAULT, 'bob', 'openid');
      assert.equal(idToken.nickname, undefined);
      assert.equal(idToken.picture, undefined);
      assert.deepEqual(userinfo, { sub: idToken.sub });
    });

    it('a website registered with id_token_profile_claims: false gets an ID token with sub only; userinfo is unchanged', async () => {
      const { idToken, userinfo } = await signIn(saoma, MINIMAL, 'carol', 'openid profile');
      assert.equal(idToken.nickname, undefined);
      assert.equal(idToken.picture, undefined);
      assert.ok(idToken.sub);
      assert.deepEqual(userinfo, { sub: idToken.sub, nickname: 'carol 🐼', picture: 'https://example.com/carol.png' });
    });
  });

  describe('switched off for the deployment (ID_TOKEN_PROFILE_CLAIMS=false)', () => {
    let saoma: RunningSaoma;
    before(async () => {
      saoma = await startSaoma({ CLIENTS_FILE: clientsFile(), ID_TOKEN_PROFILE_CLAIMS: 'false' });
    });
    after(() => saoma.close());

    it('ID tokens carry sub only; userinfo still answers the profile', async () => {
      const { idToken, userinfo } = await signIn(saoma, DEFAULT, 'dave', 'openid profile');
      assert.equal(idToken.nickname, undefined);
      assert.equal(idToken.picture, undefined);
      assert.deepEqual(userinfo, { sub: idToken.sub, nickname: 'dave 🐼', picture: 'https://example.com/dave.png' });
    });

    it('a website registered with id_token_profile_claims: true still gets them', async () => {
      const { idToken } = await signIn(saoma, WANTS_PROFILE, 'erin', 'openid profile');
      assert.equal(idToken.nickname, 'erin 🐼');
    });
  });
});
