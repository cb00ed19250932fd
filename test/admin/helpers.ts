import assert from 'node:assert/strict';
import * as oidc from 'openid-client';
import { Browser } from '../helpers/browser.ts';
import { mp, sceneFromImage } from '../helpers/login.ts';
import type { RunningSaoma } from '../helpers/saoma.ts';

export const ADMIN_TOKEN = 'test-admin-token-that-is-long-enough-0123456789';

/** A relying party for a client made at runtime (the shared helpers use the clients-file client). */
export interface Website {
  client_id: string;
  client_secret?: string | undefined;
  redirect_uri: string;
}

/**
 * A saoma process as a test reaches it: `issuer` is the deployment's issuer (discovery, tokens),
 * `url` the process the browser and the phone talk to (default: the issuer itself).
 */
export type Issuer = Pick<RunningSaoma, 'issuer' | 'wxLogin'> & { url?: string };

/** The admin API of `base` (e.g. `${issuer}/admin`), JSON in and out. */
export function adminApi(base: string, token = ADMIN_TOKEN) {
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any; headers: Headers }> => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await res.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = text;
    }
    return { status: res.status, json, headers: res.headers };
  };
}

/** openid-client's view of the issuer for `site`: a secret means client_secret_basic, none means a public client. */
export async function relyingPartyFor(issuer: string, site: Website): Promise<oidc.Configuration> {
  return site.client_secret
    ? oidc.discovery(new URL(issuer), site.client_id, site.client_secret, oidc.ClientSecretBasic(site.client_secret), { execute: [oidc.allowInsecureRequests] })
    : oidc.discovery(new URL(issuer), site.client_id, undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
}

export interface WebsiteLogin {
  browser: Browser;
  config: oidc.Configuration;
  verifier: string;
  state: string;
  /** Where /auth sent the browser: the login page, or straight back to the website. */
  location: string;
}

/**
 * The website sends the browser to /auth (at `options.via`, another process of the deployment,
 * when given); answers where the browser was sent (the 303's Location).
 */
export async function authorize(issuer: string, site: Website, options: { scope?: string; browser?: Browser; config?: oidc.Configuration; redirectUri?: string; extra?: Record<string, string>; via?: string } = {}): Promise<WebsiteLogin & { status: number; text: string }> {
  const browser = options.browser ?? new Browser();
  const config = options.config ?? (await relyingPartyFor(issuer, site));
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: options.redirectUri ?? site.redirect_uri,
    scope: options.scope ?? 'openid',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...options.extra,
  });
  const target = options.via ? new URL(url.pathname + url.search, options.via) : url;
  const answer = await browser.request(target);
  return { browser, config, verifier, state, location: answer.location ?? '', status: answer.status, text: answer.text };
}

/**
 * A whole sign-in to `site` by WeChat user `user`, as the browser and the phone do it, possibly
 * across processes: the page on `page`, the phone on `phone`. Returns the website's tokens.
 */
export async function signInTo(page: Issuer, site: Website, user: string, options: { scope?: string; phone?: Issuer; browser?: Browser; config?: oidc.Configuration; extra?: Record<string, string> } = {}) {
  const phone = options.phone ?? page;
  const pageUrl = page.url ?? page.issuer;
  const login = await authorize(page.issuer, site, { ...options, via: pageUrl });
  assert.equal(login.status, 303, `authorization endpoint answered ${login.status}: ${login.text.slice(0, 300)}`);
  const uid = /\/interaction\/([^/?#]+)$/.exec(new URL(login.location).pathname)?.[1];
  assert.ok(uid, `expected the login page, got ${login.location}`);
  assert.equal((await login.browser.request(login.location)).status, 200);
  const image = await login.browser.request(`${pageUrl}/interaction/${uid}/qrcode`);
  assert.equal(image.status, 200, `qrcode answered ${image.status}: ${image.text.slice(0, 200)}`);
  const scene = await sceneFromImage(image.bytes);
  const phoneAt = { issuer: phone.url ?? phone.issuer } as RunningSaoma;
  const scanned = await mp(phoneAt, 'scan', { scene, code: await phone.wxLogin(user) });
  assert.equal(scanned.status, 200, JSON.stringify(scanned.json));
  const confirmed = await mp(phoneAt, 'confirm', { scene, token: scanned.json.token });
  assert.equal(confirmed.status, 200, JSON.stringify(confirmed.json));
  const done = await login.browser.request(`${pageUrl}/interaction/${uid}/complete`, { method: 'POST', form: {} });
  assert.equal(done.status, 303, `complete answered ${done.status}: ${done.text.slice(0, 300)}`);
  const callback = await backToWebsite(login.browser, done.location!, site.redirect_uri);
  const tokens = await oidc.authorizationCodeGrant(login.config, callback, { pkceCodeVerifier: login.verifier, expectedState: login.state, idTokenExpected: true });
  return { ...login, scanned: scanned.json, tokens, claims: tokens.claims()! };
}

/** Follows saoma's redirects (on whichever process) until the browser reaches the website's redirect URI. */
export async function backToWebsite(browser: Browser, location: string, redirectUri: string): Promise<URL> {
  let next = location;
  for (let hops = 0; hops < 10; hops++) {
    if (next.startsWith(redirectUri)) return new URL(next);
    const answer = await browser.request(next);
    assert.ok(answer.location, `expected a redirect towards ${redirectUri} from ${next}, got ${answer.status}: ${answer.text.slice(0, 300)}`);
    next = answer.location;
  }
  assert.fail(`too many redirects before ${redirectUri}`);
}

/** A refresh at the token endpoint, raw: the status and the OAuth error, whatever it is. */
export async function refresh(issuer: string, site: Website, refreshToken: string): Promise<{ status: number; json: any }> {
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(site.client_secret ? { authorization: `Basic ${Buffer.from(`${site.client_id}:${site.client_secret}`).toString('base64')}` } : {}),
    },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, ...(site.client_secret ? {} : { client_id: site.client_id }) }),
  });
  return { status: res.status, json: await res.json() };
}
