// A website signing people in with saoma through Passport and passport-openidconnect (Express).
// passport-openidconnect cannot send PKCE: register the website with "require_pkce": false, and
// keep nonce: true here (saoma then insists on a nonce).
// Run: SAOMA_ISSUER=… SAOMA_CLIENT_ID=… SAOMA_CLIENT_SECRET=… SESSION_SECRET=… APP_URL=http://localhost:3001 node server.mjs
import express from 'express';
import session from 'express-session';
import passport from 'passport';
import OpenIDConnectStrategy from 'passport-openidconnect';

const issuer = process.env.SAOMA_ISSUER; // exactly as saoma's discovery says it, no trailing slash
const appUrl = process.env.APP_URL ?? 'http://localhost:3001';

// passport-openidconnect does no discovery: the endpoints are saoma's (see <issuer>/.well-known/openid-configuration).
passport.use('saoma', new OpenIDConnectStrategy({
  issuer,
  authorizationURL: `${issuer}/auth`,
  tokenURL: `${issuer}/token`,
  userInfoURL: `${issuer}/me`,
  clientID: process.env.SAOMA_CLIENT_ID,
  clientSecret: process.env.SAOMA_CLIENT_SECRET,
  callbackURL: `${appUrl}/login/callback`,
  scope: ['profile'], // openid is always added
  nonce: true, // required by saoma for a client without PKCE
  // Nine arguments: passport-openidconnect then fetches userinfo and hands it over as it came
  // (uiProfile._json); with fewer, it skips userinfo and keeps only the claims it knows (not nickname).
}, (_issuer, uiProfile, _idProfile, _context, idToken, _accessToken, _refreshToken, _params, cb) => {
  cb(null, { sub: uiProfile.id, nickname: uiProfile._json.nickname, idToken });
}));
passport.serializeUser((user, cb) => cb(null, user));
passport.deserializeUser((user, cb) => cb(null, user));

const app = express();
app.use(session({ secret: process.env.SESSION_SECRET, resave: false, saveUninitialized: false, cookie: { sameSite: 'lax', httpOnly: true } }));
app.use(passport.authenticate('session'));

const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

app.get('/', (req, res) => {
  const user = req.user;
  res.type('html').send(user
    ? `<h1>Signed in</h1><dl><dt>sub</dt><dd id="sub">${esc(user.sub)}</dd><dt>nickname</dt><dd id="nickname">${esc(user.nickname)}</dd></dl>
       <p><a id="signout" href="/logout">Sign out</a></p>`
    : '<h1>Example Shop</h1><p><a id="signin" href="/login">Sign in with WeChat</a></p>');
});
app.get('/login', passport.authenticate('saoma'));
app.get('/login/callback', passport.authenticate('saoma', { successRedirect: '/', failureRedirect: '/' }));
app.get('/logout', (req, res, next) => {
  const idToken = req.user?.idToken ?? '';
  req.logout((err) => {
    if (err) return next(err);
    // End the session at saoma too (RP-initiated logout), then back to the home page.
    const end = new URL(`${issuer}/session/end`);
    end.search = new URLSearchParams({ id_token_hint: idToken, post_logout_redirect_uri: `${appUrl}/` }).toString();
    res.redirect(end.href);
  });
});

app.listen(Number(new URL(appUrl).port || 80), '127.0.0.1');
