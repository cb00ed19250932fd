// A website signing people in with saoma through openid-client 6, on node:http alone.
// Run: SAOMA_ISSUER=… SAOMA_CLIENT_ID=… SAOMA_CLIENT_SECRET=… APP_URL=http://localhost:3001 node server.ts
import { randomBytes } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import * as client from 'openid-client';

const issuer = new URL(process.env.SAOMA_ISSUER!);
const appUrl = process.env.APP_URL ?? 'http://localhost:3001';
const redirectUri = `${appUrl}/callback`;
const secret = process.env.SAOMA_CLIENT_SECRET!;
// Discovery once at start. openid-client refuses http:// endpoints; an http issuer is only for local development.
const config = await client.discovery(issuer, process.env.SAOMA_CLIENT_ID!, secret, client.ClientSecretBasic(secret),
  issuer.protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : {});

interface Session { verifier?: string; state?: string; tokens?: { access_token: string; refresh_token?: string; id_token?: string }; sub?: string; nickname?: string; refreshed?: boolean }
const sessions = new Map<string, Session>(); // use your framework's session store in a real website

const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const redirect = (res: ServerResponse, to: string) => res.writeHead(303, { location: to }).end();

createServer(async (req, res) => {
  const url = new URL(req.url!, appUrl);
  let sid = /(?:^|; )sid=([A-Za-z0-9_-]+)/.exec(req.headers.cookie ?? '')?.[1];
  if (!sid || !sessions.has(sid)) {
    sid = randomBytes(24).toString('base64url');
    sessions.set(sid, {});
    res.setHeader('set-cookie', `sid=${sid}; Path=/; HttpOnly; SameSite=Lax`);
  }
  const session = sessions.get(sid)!;
  try {
    if (url.pathname === '/login') {
      session.verifier = client.randomPKCECodeVerifier();
      session.state = client.randomState();
      return redirect(res, client.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        // offline_access + prompt=consent: without both, no refresh token is issued.
        scope: 'openid profile offline_access',
        prompt: 'consent',
        state: session.state,
        code_challenge: await client.calculatePKCECodeChallenge(session.verifier),
        code_challenge_method: 'S256', // saoma refuses plain
      }).href);
    }
    if (url.pathname === '/callback') {
      const tokens = await client.authorizationCodeGrant(config, url, { pkceCodeVerifier: session.verifier, expectedState: session.state, idTokenExpected: true });
      const claims = tokens.claims()!;
      // The ID token carries the nickname; userinfo has it too (and is the place for it when the
      // deployment keeps ID tokens minimal: ID_TOKEN_PROFILE_CLAIMS=false).
      const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
      Object.assign(session, { tokens, sub: claims.sub, nickname: userinfo.nickname ?? claims.nickname, refreshed: false });
      return redirect(res, '/');
    }
    if (url.pathname === '/refresh' && session.tokens?.refresh_token) {
      // Refresh tokens rotate: keep the new one.
      const tokens = await client.refreshTokenGrant(config, session.tokens.refresh_token);
      session.refreshed = tokens.claims()?.sub === session.sub;
      session.tokens = { access_token: tokens.access_token, refresh_token: tokens.refresh_token, id_token: tokens.id_token ?? session.tokens.id_token };
      return redirect(res, '/');
    }
    if (url.pathname === '/logout') {
      const end = client.buildEndSessionUrl(config, { id_token_hint: session.tokens?.id_token ?? '', post_logout_redirect_uri: `${appUrl}/` });
      sessions.delete(sid);
      return redirect(res, end.href);
    }
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end(session.sub
      ? `<h1>Signed in</h1><dl><dt>sub</dt><dd id="sub">${esc(session.sub)}</dd><dt>nickname</dt><dd id="nickname">${esc(session.nickname)}</dd></dl>
         ${session.refreshed ? '<p id="refreshed">Tokens refreshed.</p>' : ''}
         <p><a id="refresh" href="/refresh">Refresh tokens</a> <a id="signout" href="/logout">Sign out</a></p>`
      : '<h1>Example Shop</h1><p><a id="signin" href="/login">Sign in with WeChat</a></p>');
  } catch (err) {
    res.writeHead(500, { 'content-type': 'text/plain' }).end(`sign-in failed: ${(err as Error).message}`);
  }
}).listen(Number(new URL(appUrl).port || 80), '127.0.0.1');
