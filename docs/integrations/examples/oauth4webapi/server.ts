// A website signing people in with saoma through oauth4webapi, on node:http alone.
// Run: SAOMA_ISSUER=… SAOMA_CLIENT_ID=… SAOMA_CLIENT_SECRET=… APP_URL=http://localhost:3001 node server.ts
import { randomBytes } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import * as oauth from 'oauth4webapi';

const issuer = new URL(process.env.SAOMA_ISSUER!);
const appUrl = process.env.APP_URL ?? 'http://localhost:3001';
const redirectUri = `${appUrl}/callback`;
const client: oauth.Client = { client_id: process.env.SAOMA_CLIENT_ID! };
const clientAuth = oauth.ClientSecretBasic(process.env.SAOMA_CLIENT_SECRET!);
// oauth4webapi refuses http:// endpoints; an http issuer is only for local development.
const options = issuer.protocol === 'http:' ? { [oauth.allowInsecureRequests]: true } : {};

// Discovery once at start: endpoints, and the issuer the ID token must carry.
const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { ...options, algorithm: 'oidc' }));

interface Session { verifier?: string; state?: string; nonce?: string; tokens?: oauth.TokenEndpointResponse; sub?: string; nickname?: string; refreshed?: boolean }
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
      session.verifier = oauth.generateRandomCodeVerifier();
      session.state = oauth.generateRandomState();
      session.nonce = oauth.generateRandomNonce();
      const auth = new URL(as.authorization_endpoint!);
      auth.search = new URLSearchParams({
        client_id: client.client_id,
        redirect_uri: redirectUri,
        response_type: 'code',
        // offline_access + prompt=consent: without both, no refresh token is issued.
        scope: 'openid profile offline_access',
        prompt: 'consent',
        state: session.state,
        nonce: session.nonce,
        code_challenge: await oauth.calculatePKCECodeChallenge(session.verifier),
        code_challenge_method: 'S256', // saoma refuses plain
      }).toString();
      return redirect(res, auth.href);
    }
    if (url.pathname === '/callback') {
      // Checks state and the RFC 9207 iss parameter saoma sends with every answer.
      const params = oauth.validateAuthResponse(as, client, url, session.state);
      const response = await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, redirectUri, session.verifier!, options);
      const tokens = await oauth.processAuthorizationCodeResponse(as, client, response, { expectedNonce: session.nonce, requireIdToken: true });
      const claims = oauth.getValidatedIdTokenClaims(tokens)!;
      // The ID token already carries the nickname; userinfo is the place for it when the
      // deployment keeps ID tokens minimal (ID_TOKEN_PROFILE_CLAIMS=false).
      const userinfo = await oauth.processUserInfoResponse(as, client, claims.sub, await oauth.userInfoRequest(as, client, tokens.access_token, options));
      Object.assign(session, { tokens, sub: claims.sub, nickname: userinfo.nickname ?? claims.nickname, refreshed: false });
      return redirect(res, '/');
    }
    if (url.pathname === '/refresh' && session.tokens?.refresh_token) {
      const response = await oauth.refreshTokenGrantRequest(as, client, clientAuth, session.tokens.refresh_token, options);
      const tokens = await oauth.processRefreshTokenResponse(as, client, response);
      // Refresh tokens rotate: keep the new one.
      session.tokens = { ...tokens, id_token: tokens.id_token ?? session.tokens.id_token };
      session.refreshed = oauth.getValidatedIdTokenClaims(tokens)?.sub === session.sub;
      return redirect(res, '/');
    }
    if (url.pathname === '/logout') {
      const end = new URL(as.end_session_endpoint!);
      end.search = new URLSearchParams({ id_token_hint: session.tokens?.id_token ?? '', post_logout_redirect_uri: `${appUrl}/` }).toString();
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
