import { randomBytes } from 'node:crypto';
import Router from '@koa/router';
import Koa from 'koa';
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

export function createDemo(issuer: string, cookieKeys: string[]): Koa {
  const app = new Koa();
  app.keys = cookieKeys;
  const client = demoClient(issuer);
  // The demo keeps its signed-in people in memory: it is a demo, not a session store.
  const signins = new Map<string, Signin>();
  let discovered: Promise<oidc.Configuration> | undefined;
  const configuration = () => {
    discovered ??= oidc.discovery(new URL(issuer), client.client_id, { token_endpoint_auth_method: 'none' }, oidc.None(), {
      execute: issuer.startsWith('http:') ? [oidc.allowInsecureRequests] : [],
    }).catch((err: unknown) => {
      discovered = undefined;
      throw err;
    });
    return discovered;
  };
  const cookie = { signed: true, httpOnly: true, sameSite: 'lax' as const, path: '/demo' };

  const router = new Router({ prefix: '/demo' });
  router.get('/', async (ctx) => {
    const { t, lang } = pageLocale(ctx);
    const sid = ctx.cookies.get('demo_sid', { signed: true });
    const signin = sid ? signins.get(sid) : undefined;
    ctx.type = 'html';
    ctx.body = render('demo', { t, lang, signin: signin ? { claims: JSON.stringify(signin.claims, null, 2), userinfo: JSON.stringify(signin.userinfo, null, 2) } : undefined });
  });

  router.get('/login', async (ctx) => {
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
    ctx.cookies.set('demo_login', JSON.stringify({ verifier, state }), { ...cookie, maxAge: 30 * 60_000 });
    ctx.redirect(url.href);
  });

  router.get('/callback', async (ctx) => {
    const config = await configuration();
    const pending = ctx.cookies.get('demo_login', { signed: true });
    if (!pending) {
      ctx.redirect('/demo');
      return;
    }
    const { verifier, state } = JSON.parse(pending) as { verifier: string; state: string };
    ctx.cookies.set('demo_login', null, cookie);
    if (ctx.query.error) {
      ctx.redirect('/demo');
      return;
    }
    const tokens = await oidc.authorizationCodeGrant(config, new URL(ctx.href), { pkceCodeVerifier: verifier, expectedState: state, idTokenExpected: true });
    const claims = tokens.claims()!;
    const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    const sid = randomBytes(16).toString('base64url');
    signins.set(sid, { claims: { ...claims }, userinfo: { ...userinfo }, idToken: tokens.id_token! });
    ctx.cookies.set('demo_sid', sid, cookie);
    ctx.redirect('/demo');
  });

  router.get('/logout', async (ctx) => {
    const sid = ctx.cookies.get('demo_sid', { signed: true });
    const signin = sid ? signins.get(sid) : undefined;
    if (sid) signins.delete(sid);
    ctx.cookies.set('demo_sid', null, cookie);
    if (!signin) {
      ctx.redirect('/demo');
      return;
    }
    const config = await configuration();
    ctx.redirect(oidc.buildEndSessionUrl(config, { id_token_hint: signin.idToken, post_logout_redirect_uri: client.post_logout_redirect_uris![0]! }).href);
  });

  app.use(router.routes());
  return app;
}
