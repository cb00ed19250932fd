// A minimal Express website signing people in with saoma through Auth.js (@auth/express).
// Run: AUTH_SECRET=… AUTH_SAOMA_ISSUER=… AUTH_SAOMA_ID=… AUTH_SAOMA_SECRET=… APP_URL=http://localhost:3001 node server.ts
import { ExpressAuth, getSession } from '@auth/express';
import express from 'express';
import { authConfig } from './auth.config.ts';

const appUrl = process.env.APP_URL ?? 'http://localhost:3001';
const issuer = process.env.AUTH_SAOMA_ISSUER!;
const app = express();
app.set('trust proxy', true);
// Express 5: mount on '/auth' (the '/auth/*' of Auth.js's Express 4 docs is not valid Express 5 syntax,
// and '/auth/*splat' makes Auth.js mistake the whole path for its base path).
app.use('/auth', ExpressAuth(authConfig));

const esc = (s: unknown) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

app.get('/', async (req, res) => {
  const session = await getSession(req, authConfig);
  res.type('html').send(session?.user
    ? `<h1>Signed in</h1><dl><dt>sub</dt><dd id="sub">${esc(session.user.id)}</dd><dt>nickname</dt><dd id="nickname">${esc(session.user.name)}</dd></dl>
       <p><a id="signout" href="/auth/signout?callbackUrl=${encodeURIComponent('/signed-out')}">Sign out</a></p>`
    : `<h1>Example Shop</h1><p><a id="signin" href="/auth/signin">Sign in</a></p>`);
});

// After Auth.js has cleared its own session: end the session at saoma too (RP-initiated logout),
// which shows its confirmation and comes back to the home page (a registered post_logout_redirect_uri).
app.get('/signed-out', async (_req, res) => {
  const discovery = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as { end_session_endpoint: string };
  const end = new URL(discovery.end_session_endpoint);
  end.searchParams.set('client_id', process.env.AUTH_SAOMA_ID!);
  end.searchParams.set('post_logout_redirect_uri', `${appUrl}/`);
  res.redirect(end.href);
});

app.listen(Number(new URL(appUrl).port || 80), '127.0.0.1');
