// A Go website signing people in with saoma through github.com/coreos/go-oidc and
// golang.org/x/oauth2. Written for the oldest versions still shipped (Debian 12: go-oidc 2.1,
// x/oauth2 0.3, which has no PKCE helper, so the S256 challenge is computed here); it builds
// unchanged against newer ones (go-oidc v3: change the import path to github.com/coreos/go-oidc/v3/oidc).
//
// Run: SAOMA_ISSUER=... SAOMA_CLIENT_ID=... SAOMA_CLIENT_SECRET=... APP_URL=http://localhost:3001 go run main.go
package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"html"
	"log"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"

	oidc "github.com/coreos/go-oidc"
	"golang.org/x/oauth2"
)

type session struct {
	state, nonce, verifier string
	token                  *oauth2.Token
	idToken, sub, nickname string
	refreshed              bool
}

var (
	sessions = map[string]*session{} // use your framework's session store in a real website
	mu       sync.Mutex
)

func random() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// S256 PKCE challenge (RFC 7636): saoma requires PKCE, and refuses plain.
func challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func main() {
	ctx := context.Background()
	issuer := os.Getenv("SAOMA_ISSUER") // e.g. https://login.example.com (no trailing slash)
	appURL := os.Getenv("APP_URL")

	// Discovery: endpoints and the JWKS the ID token signature is checked against.
	provider, err := oidc.NewProvider(ctx, issuer)
	if err != nil {
		log.Fatal(err)
	}
	var extra struct {
		EndSession string `json:"end_session_endpoint"`
	}
	if err := provider.Claims(&extra); err != nil {
		log.Fatal(err)
	}
	config := oauth2.Config{
		ClientID:     os.Getenv("SAOMA_CLIENT_ID"),
		ClientSecret: os.Getenv("SAOMA_CLIENT_SECRET"),
		Endpoint:     provider.Endpoint(),
		RedirectURL:  appURL + "/callback",
		// offline_access + prompt=consent (below): without both, no refresh token is issued.
		Scopes: []string{oidc.ScopeOpenID, "profile", oidc.ScopeOfflineAccess},
	}
	// saoma sends client_secret_basic by default; tell x/oauth2 so it does not probe.
	config.Endpoint.AuthStyle = oauth2.AuthStyleInHeader
	verifier := provider.Verifier(&oidc.Config{ClientID: config.ClientID})

	current := func(w http.ResponseWriter, r *http.Request) *session {
		mu.Lock()
		defer mu.Unlock()
		if c, err := r.Cookie("sid"); err == nil && sessions[c.Value] != nil {
			return sessions[c.Value]
		}
		id := random()
		sessions[id] = &session{}
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: id, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
		return sessions[id]
	}

	http.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		s := current(w, r)
		s.state, s.nonce, s.verifier = random(), random(), random()
		http.Redirect(w, r, config.AuthCodeURL(s.state,
			oidc.Nonce(s.nonce),
			oauth2.SetAuthURLParam("prompt", "consent"),
			oauth2.SetAuthURLParam("code_challenge", challenge(s.verifier)),
			oauth2.SetAuthURLParam("code_challenge_method", "S256"),
		), http.StatusSeeOther)
	})

	http.HandleFunc("/callback", func(w http.ResponseWriter, r *http.Request) {
		s := current(w, r)
		if r.URL.Query().Get("state") != s.state || s.state == "" {
			http.Error(w, "state does not match", http.StatusBadRequest)
			return
		}
		if e := r.URL.Query().Get("error"); e != "" { // e.g. access_denied after Cancel
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		token, err := config.Exchange(r.Context(), r.URL.Query().Get("code"), oauth2.SetAuthURLParam("code_verifier", s.verifier))
		if err != nil {
			http.Error(w, "token exchange failed: "+err.Error(), http.StatusBadGateway)
			return
		}
		raw, _ := token.Extra("id_token").(string)
		idToken, err := verifier.Verify(r.Context(), raw) // signature (JWKS), issuer, audience, expiry
		if err != nil || idToken.Nonce != s.nonce {
			http.Error(w, "ID token refused", http.StatusBadGateway)
			return
		}
		var claims struct {
			Nickname string `json:"nickname"` // saoma puts the granted profile claims in the ID token
		}
		if err := idToken.Claims(&claims); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		s.token, s.idToken, s.sub, s.nickname, s.refreshed = token, raw, idToken.Subject, claims.Nickname, false
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})

	http.HandleFunc("/refresh", func(w http.ResponseWriter, r *http.Request) {
		s := current(w, r)
		if s.token == nil {
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		// x/oauth2 refreshes when the access token has expired; make it so to refresh now.
		expired := *s.token
		expired.Expiry = time.Now().Add(-time.Minute)
		token, err := config.TokenSource(r.Context(), &expired).Token()
		if err != nil {
			http.Error(w, "refresh failed: "+err.Error(), http.StatusBadGateway)
			return
		}
		s.token, s.refreshed = token, token.RefreshToken != expired.RefreshToken // refresh tokens rotate
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})

	http.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) {
		s := current(w, r)
		end := extra.EndSession + "?" + url.Values{"id_token_hint": {s.idToken}, "post_logout_redirect_uri": {appURL + "/"}}.Encode()
		*s = session{}
		http.Redirect(w, r, end, http.StatusSeeOther)
	})

	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s := current(w, r)
		w.Header().Set("content-type", "text/html; charset=utf-8")
		if s.sub == "" {
			fmt.Fprint(w, `<h1>Example Shop</h1><p><a id="signin" href="/login">Sign in with WeChat</a></p>`)
			return
		}
		refreshed := ""
		if s.refreshed {
			refreshed = `<p id="refreshed">Tokens refreshed.</p>`
		}
		fmt.Fprintf(w, `<h1>Signed in</h1><dl><dt>sub</dt><dd id="sub">%s</dd><dt>nickname</dt><dd id="nickname">%s</dd></dl>%s
<p><a id="refresh" href="/refresh">Refresh tokens</a> <a id="signout" href="/logout">Sign out</a></p>`,
			html.EscapeString(s.sub), html.EscapeString(s.nickname), refreshed)
	})

	u, _ := url.Parse(appURL)
	log.Fatal(http.ListenAndServe("127.0.0.1:"+u.Port(), nil))
}
