import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { Browser, type Answer } from './browser.ts';
import { decodeQr, imageFormatOf } from './qr.ts';
import { RP, type RunningSaoma } from './saoma.ts';

export interface StartedLogin {
  browser: Browser;
  config: oidc.Configuration;
  verifier: string;
  state: string;
  uid: string;
  page: Answer;
}

/** The relying party's view of the issuer, through openid-client (a real RP library). */
export async function relyingParty(saoma: RunningSaoma): Promise<oidc.Configuration> {
  return oidc.discovery(new URL(saoma.issuer), RP.client_id, RP.client_secret, oidc.ClientSecretBasic(RP.client_secret), { execute: [oidc.allowInsecureRequests] });
}

/** An RP sends the browser to /auth; the browser lands on saoma's login page. */
export async function startLogin(saoma: RunningSaoma, options: { browser?: Browser; config?: oidc.Configuration; scope?: string; extra?: Record<string, string> } = {}): Promise<StartedLogin> {
  const browser = options.browser ?? new Browser();
  const config = options.config ?? (await relyingParty(saoma));
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: RP.redirect_uri,
    scope: options.scope ?? 'openid profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...options.extra,
  });
  const redirect = await browser.request(url);
  assert.equal(redirect.status, 303, `authorization endpoint answered ${redirect.status}: ${redirect.text.slice(0, 200)}`);
  const match = /\/interaction\/([^/?#]+)$/.exec(new URL(redirect.location!).pathname);
  assert.ok(match, `expected a redirect to the login page, got ${redirect.location}`);
  const page = await browser.request(redirect.location!);
  return { browser, config, verifier, state, uid: match[1]!, page };
}

/** Reads the code image (JPEG or PNG) like a phone camera: the scene is in the URL the QR code carries. */
export async function sceneFromImage(image: Buffer): Promise<string> {
  const decoded = decodeQr(image);
  assert.ok(decoded, 'the code image is not a readable QR code');
  const scene = new URL(decoded).searchParams.get('scene');
  assert.ok(scene, `the QR code carries no scene: ${decoded}`);
  return scene;
}

/** The scene of the login page's code, checking that the image is labelled as what its bytes are. */
export async function fetchScene(saoma: RunningSaoma, login: StartedLogin): Promise<string> {
  const image = await login.browser.request(`${saoma.issuer}/interaction/${login.uid}/qrcode`);
  assert.equal(image.status, 200, `qrcode answered ${image.status}: ${image.text.slice(0, 200)}`);
  assert.equal(image.type, `image/${imageFormatOf(image.bytes)}`, 'the code is labelled as what its bytes are');
  return sceneFromImage(image.bytes);
}

/** What the mini-program does: POST /mp/* with JSON. */
export async function mp(saoma: RunningSaoma, path: 'scan' | 'confirm' | 'cancel', body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(`${saoma.issuer}/mp/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

/** A WeChat user scans the code (wx.login, then /mp/scan). */
export async function scan(saoma: RunningSaoma, scene: string, user: string, unionid?: boolean): Promise<{ status: number; json: any }> {
  return mp(saoma, 'scan', { scene, code: await saoma.wxLogin(user, unionid) });
}

/** The browser finishes: POST /complete, then follows redirects back to the RP's redirect_uri. */
export async function complete(saoma: RunningSaoma, login: StartedLogin): Promise<URL> {
  const answer = await login.browser.request(`${saoma.issuer}/interaction/${login.uid}/complete`, { method: 'POST', form: {} });
  assert.equal(answer.status, 303, `complete answered ${answer.status}: ${answer.text.slice(0, 300)}`);
  const landed = await login.browser.follow(answer.location!, saoma.issuer);
  assert.ok(landed.url.startsWith(RP.redirect_uri), `expected to land on the RP, got ${landed.url} (${landed.status}) ${landed.text.slice(0, 300)}`);
  return new URL(landed.url);
}

/** A whole login by `user`, returning the RP's tokens. */
export async function signIn(saoma: RunningSaoma, user: string, options: Parameters<typeof startLogin>[1] & { unionid?: boolean } = {}) {
  const login = await startLogin(saoma, options);
  const scene = await fetchScene(saoma, login);
  const scanned = await scan(saoma, scene, user, options.unionid);
  assert.equal(scanned.status, 200, JSON.stringify(scanned.json));
  const confirmed = await mp(saoma, 'confirm', { scene, token: scanned.json.token });
  assert.equal(confirmed.status, 200, JSON.stringify(confirmed.json));
  const callback = await complete(saoma, login);
  const tokens = await oidc.authorizationCodeGrant(login.config, callback, { pkceCodeVerifier: login.verifier, expectedState: login.state, idTokenExpected: true });
  return { login, scene, tokens, claims: tokens.claims()! };
}
