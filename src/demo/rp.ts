import { randomBytes } from 'node:crypto';
import Router from '@koa/router';
import Koa, { type Middleware } from 'koa';
import * as oidc from 'openid-client';
import type { ClientMetadata } from 'oidc-provider';
import { pageLocale } from '../http/locale.ts';
import { render } from '../http/views.ts';

/**
 * The demo relying party, served at `/demo` outside production: a plain openid-client website
 * that signs in through saoma exactly as any other website would (discovery, code + PKCE). It is
 * what a newcomer clicks first, and a working example for relying-party developers.
 */
export function demoClient(issuer: string): ClientMetadata {
  return {
    client_id: 'saoma-demo',
    client_name: 'saoma demo',
    client_uri: `${issuer}/demo`,
    redirect_uris: [`${issuer}/demo/callback`],
    post_logout_redirect_uris: [`${issuer}/demo`],
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
  };
}

interface Signin {
  claims: Record<string, unknown>;
  userinfo: Record<string, unknown>;
  idToken: string;
}

/** What the demo's routes share: its client, its signed-in people and the discovered issuer. */
interface DemoSite {
  client: ClientMetadata;
  // The demo keeps its signed-in people in memory: it is a demo, not a session store.
  signins: Map<string, Signin>;
  configuration: () => Promise<oidc.Configuration>;
}

const COOKIE = { signed: true, httpOnly: true, sameSite: 'lax' as const, path: '/demo' };

export function createDemo(issuer: string, cookieKeys: string[]): Koa {
  const app = new Koa();
  app.keys = cookieKeys;
  const client = demoClient(issuer);
  const site: DemoSite = { client, signins: new Map(), configuration: discovery(issuer, client) };
  const router = new Router({ prefix: '/demo' });
  router.get('/', showPage(site));
  router.get('/login', startLogin(site));
  router.get('/callback', finishLogin(site));
  router.get('/logout', logout(site));
  app.use(router.routes());
  return app;
}

/** The issuer's configuration, discovered on first use (and again after a failed try). */
function discovery(issuer: string, client: ClientMetadata): () => Promise<oidc.Configuration> {
  let discovered: Promise<oidc.Configuration> | undefined;
  return () => {
    discovered ??= oidc.discovery(new URL(issuer), client.client_id, { token_endpoint_auth_method: 'none' }, oidc.None(), {
      execute: issuer.startsWith('http:') ? [oidc.allowInsecureRequests] : [],
    }).catch((err: unknown) => {
      discovered = undefined;
      throw err;
    });
    return discovered;
  };
}

/** GET /demo: the sign-in button, or who signed in with their claims. */
function showPage({ signins }: DemoSite): Middleware {
  return async (ctx) => {
    const { t, lang } = pageLocale(ctx);
    const sid = ctx.cookies.get('demo_sid', { signed: true });
    const signin = sid ? signins.get(sid) : undefined;
    ctx.type = 'html';
    ctx.body = render('demo', { t, lang, signin: signin ? { claims: JSON.stringify(signin.claims, null, 2), userinfo: JSON.stringify(signin.userinfo, null, 2) } : undefined });
  };
}

/** GET /demo/login: off to saoma with code + PKCE, the verifier and state in a signed cookie. */
function startLogin({ client, configuration }: DemoSite): Middleware {
  return async (ctx) => {
    const config = await configuration();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: client.redirect_uris![0]!,
      scope: 'openid profile phone',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      ...(typeof ctx.query.ui_locales === 'string' ? { ui_locales: ctx.query.ui_locales } : {}),
    });
    ctx.cookies.set('demo_login', JSON.stringify({ verifier, state }), { ...COOKIE, maxAge: 30 * 60_000 });
    ctx.redirect(url.href);
  };
}

/** GET /demo/callback: the code redeemed, the ID token checked, userinfo fetched. */
function finishLogin({ signins, configuration }: DemoSite): Middleware {
  return async (ctx) => {
    const config = await configuration();
    const pending = ctx.cookies.get('demo_login', { signed: true });
    if (!pending) {
      ctx.redirect('/demo');
      return;
    }
    const { verifier, state } = JSON.parse(pending) as { verifier: string; state: string };
    ctx.cookies.set('demo_login', null, COOKIE);
    if (ctx.query.error) {
      ctx.redirect('/demo');
      return;
    }
    const tokens = await oidc.authorizationCodeGrant(config, new URL(ctx.href), { pkceCodeVerifier: verifier, expectedState: state, idTokenExpected: true });
    const claims = tokens.claims()!;
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    const sid = randomBytes(16).toString('base64url');
    signins.set(sid, { claims: { ...claims }, userinfo: { ...userinfo }, idToken: tokens.id_token! });
    ctx.cookies.set('demo_sid', sid, COOKIE);
    ctx.redirect('/demo');
  };
}

/** GET /demo/logout: forgotten here, then signed out at saoma too (RP-initiated logout). */
function logout({ client, signins, configuration }: DemoSite): Middleware {
  return async (ctx) => {
    const sid = ctx.cookies.get('demo_sid', { signed: true });
    const signin = sid ? signins.get(sid) : undefined;
    if (sid) signins.delete(sid);
    ctx.cookies.set('demo_sid', null, COOKIE);
    if (!signin) {
      ctx.redirect('/demo');
      return;
    }
    const config = await configuration();
    ctx.redirect(oidc.buildEndSessionUrl(config, { id_token_hint: signin.idToken, post_logout_redirect_uri: client.post_logout_redirect_uris![0]! }).href);
  };
}
