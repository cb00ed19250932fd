"""A Flask website signing people in with saoma through Authlib (1.2 and later).

Run: SAOMA_ISSUER=... SAOMA_CLIENT_ID=... SAOMA_CLIENT_SECRET=... SESSION_SECRET=... \
     APP_URL=http://localhost:3001 python3 app.py
"""
import os
from urllib.parse import urlencode, urlsplit

from authlib.integrations.flask_client import OAuth
from flask import Flask, redirect, session
from markupsafe import escape

ISSUER = os.environ["SAOMA_ISSUER"]  # e.g. https://login.example.com (no trailing slash)
APP_URL = os.environ.get("APP_URL", "http://localhost:3001")

app = Flask(__name__)
app.secret_key = os.environ["SESSION_SECRET"]
oauth = OAuth(app)
oauth.register(
    "saoma",
    # Discovery: endpoints, and the JWKS the ID token signature is checked against.
    server_metadata_url=f"{ISSUER}/.well-known/openid-configuration",
    client_id=os.environ["SAOMA_CLIENT_ID"],
    client_secret=os.environ["SAOMA_CLIENT_SECRET"],
    client_kwargs={
        # offline_access + prompt=consent (below): without both, no refresh token is issued.
        "scope": "openid profile offline_access",
        # saoma requires PKCE; Authlib sends none unless told which method (S256; plain is refused).
        "code_challenge_method": "S256",
    },
    authorize_params={"prompt": "consent"},
)


@app.route("/")
def home():
    user = session.get("user")
    if not user:
        return '<h1>Example Shop</h1><p><a id="signin" href="/login">Sign in with WeChat</a></p>'
    refreshed = '<p id="refreshed">Tokens refreshed.</p>' if session.get("refreshed") else ""
    return (
        f'<h1>Signed in</h1><dl><dt>sub</dt><dd id="sub">{escape(user["sub"])}</dd>'
        f'<dt>nickname</dt><dd id="nickname">{escape(user.get("nickname", ""))}</dd></dl>{refreshed}'
        '<p><a id="refresh" href="/refresh">Refresh tokens</a> <a id="signout" href="/logout">Sign out</a></p>'
    )


@app.route("/login")
def login():
    return oauth.saoma.authorize_redirect(f"{APP_URL}/callback")


@app.route("/callback")
def callback():
    # Checks state, exchanges the code with the PKCE verifier, verifies the ID token and its nonce.
    token = oauth.saoma.authorize_access_token()
    claims = token["userinfo"]  # the ID token's claims: saoma puts nickname and picture there
    session["user"] = {"sub": claims["sub"], "nickname": claims.get("nickname", "")}
    session["tokens"] = {"refresh_token": token.get("refresh_token"), "id_token": token["id_token"]}
    session["refreshed"] = False
    return redirect("/")


@app.route("/refresh")
def refresh():
    tokens = session["tokens"]
    # Refresh tokens rotate: keep the new one.
    new = oauth.saoma.fetch_access_token(grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    session["tokens"] = {"refresh_token": new["refresh_token"], "id_token": new.get("id_token", tokens["id_token"])}
    session["refreshed"] = True
    return redirect("/")


@app.route("/logout")
def logout():
    id_token = session.get("tokens", {}).get("id_token", "")
    session.clear()
    # End the session at saoma too (RP-initiated logout), then back to the home page.
    end = oauth.saoma.load_server_metadata()["end_session_endpoint"]
    return redirect(f"{end}?{urlencode({'id_token_hint': id_token, 'post_logout_redirect_uri': f'{APP_URL}/'})}")


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=urlsplit(APP_URL).port or 80)
