/** The command line's help, one text per topic; `saoma --help`, `saoma clients --help`, `saoma keys --help`. */

export const MAIN_HELP = `saoma — manage a saoma deployment: websites (clients), signing keys, registration tokens; check it with doctor.

Usage:
  saoma clients list                         every website, from the clients file and from the store
  saoma clients show <client_id>             one website
  saoma clients add --name <name> --redirect-uri <uri> [options]
                                             register a website; prints its client_id (and secret, once)
  saoma clients update <client_id> [options] change a website; takes effect at once on every process
  saoma clients secret <client_id>           a new secret (the old one stops working at once)
  saoma clients remove <client_id>           delete a website and revoke all its tokens
  saoma keys list                            the signing keys and their schedule
  saoma keys rotate [--delay <seconds>]      add new signing keys (published now, signing after the delay)
  saoma registration token [--ttl <seconds>] an initial access token for Dynamic Client Registration
  saoma doctor [--json]                      check the deployment against its WeChat, store and issuer:
                                             ✅/⚠️/❌ per check with the exact fix (saoma doctor --help)

Where it acts (choose one):
  --api <url>      through the admin API, e.g. --api http://127.0.0.1:3001/admin
                   (or SAOMA_ADMIN_URL); the token comes from SAOMA_ADMIN_TOKEN (or --token)
  (no --api)       straight on the store: run it with the same environment as the server
                   (REDIS_URL or REDIS_SENTINELS / REDIS_CLUSTER_NODES, REDIS_KEY_PREFIX, CLIENTS_FILE…)

Output:
  --json           JSON instead of text (for scripts)
  --help, -h       this text; also after a command: saoma clients --help

Examples:
  saoma clients add --name "Example Shop" --redirect-uri https://shop.example/callback
  saoma clients add --name "Shop app" --auth-method none --application-type native \\
      --redirect-uri http://127.0.0.1/callback
  saoma clients update shop --redirect-uri https://shop.example/new-callback
  saoma keys rotate

Exit status: 0 done, 1 refused (the reason is printed) or a doctor check ❌, 2 wrong usage.
`;

export const CLIENTS_HELP = `saoma clients — the websites (OIDC clients) that sign people in with saoma.

  saoma clients list
  saoma clients show <client_id>
  saoma clients add --name <name> --redirect-uri <uri> [--redirect-uri <uri>…] [options]
  saoma clients update <client_id> [options]
  saoma clients secret <client_id>
  saoma clients remove <client_id>

Options for add and update:
  --name <text>                      shown to people when they confirm in WeChat (required for add)
  --redirect-uri <uri>               where people return after signing in; repeat for several.
                                     https; http only on 127.0.0.1 / [::1] / localhost for native apps
                                     and outside production; no wildcards, no #fragment
  --post-logout-redirect-uri <uri>   where people may return after signing out; repeatable
  --logo-uri <https uri>             the logo on the WeChat confirm screen
  --client-uri <https uri>           the website's home page
  --auth-method <method>             how the website authenticates at the token endpoint:
                                       client_secret_basic  a server-side website (default; a secret is made)
                                       client_secret_post   the same, the secret sent in the request body
                                       none                 a single-page or native app (PKCE only)
                                       private_key_jwt      a website that signs with its own key (needs --jwks-uri)
  --jwks-uri <https uri>             the website's public keys (private_key_jwt)
  --grant-type <type>                authorization_code, refresh_token (default both); repeatable
  --scope "<scopes>"                 the only scopes it may ask for, e.g. "openid profile"
                                     (openid profile phone offline_access; default: any)
  --application-type <web|native>    native: an app on a device (allows loopback http redirects)
  --first-party / --no-first-party   first-party websites skip the web consent page
  --no-pkce / --pkce                 --no-pkce: a confidential website that cannot do PKCE sends a
                                     nonce instead (RFC 9700 2.1.1); never for --auth-method none
  --no-id-token-profile-claims / --id-token-profile-claims
                                     ID token with sub only / with the granted profile claims
                                     (default: ID_TOKEN_PROFILE_CLAIMS)
  --id <client_id>                   choose the client_id (add only; default: a random one)
  --clear <field>                    remove an optional field (update only), e.g. --clear logo_uri

update replaces each list it is given (all --redirect-uri values together are the new list).
The secret is printed once, when it is made (add, secret, or update to client_secret_basic);
saoma keeps it to check it, but never shows it again.
remove revokes every grant and token of the website at once.
`;

export const KEYS_HELP = `saoma keys — the keys saoma signs ID tokens with (RS256 and ES256).

  saoma keys list
  saoma keys rotate [--delay <seconds>]

rotate adds one new key per algorithm. It is published in the JWKS at once but only signs after
the delay (KEY_ACTIVATION_DELAY_SECONDS, default 3600), so websites that cache the JWKS fetch it
before they meet a token signed with it. The keys it replaces stay published until the tokens
they signed have expired (KEY_RETENTION_SECONDS), then disappear. Every saoma process follows
without a restart. --delay 0 switches at once: only for a leaked key.

States: next (published, not signing yet), signing, retiring (published, no longer signing).
`;

export const REGISTRATION_HELP = `saoma registration — Dynamic Client Registration (RFC 7591), when REGISTRATION_ENABLED=true.

  saoma registration token [--ttl <seconds>]

Prints an initial access token (valid 7 days by default, at most 30). Whoever holds it can register
websites at <issuer>/reg (same rules as saoma clients add; never first-party) until it expires.
`;

export const DOCTOR_HELP = `saoma doctor — check a deployment before (and after) people sign in with it.

  saoma doctor [--json]

Run it with the servers' environment (WECHAT_*, REDIS_*, ISSUER, COOKIE_KEYS, CLIENTS_FILE…), on a
server saoma runs on (WeChat checks the caller's IP address). One line per check, ✅ ok, ⚠️ works
but not as it should, ❌ broken, ⏭️ not checked (with the reason), each with the exact fix:

  Configuration          saoma would start with it
  AppID and secret       stable_token answers (normal mode: never forces a token refresh)
  API IP whitelist       WeChat accepts calls from this server (40164 names the address to add)
  Login page released    a code for WECHAT_PAGE / WECHAT_ENV_VERSION with check_path true (41030)
  Code image             the image decodes (JPEG or PNG)
  URL Link               generate_urllink (40002: individual mini-program, no Open WeChat button)
  Phone-number ability   asked with an invalid code, so no number is ever bought (48001: none)
  ISSUER                 https, and its discovery document answers with itself
  Cookie keys            COOKIE_KEYS set (generated keys only outside production)
  Redis persistence      appendonly yes, maxmemory-policy noeviction
  Clock                  within seconds of WeChat's Date header

--json prints one document for scripts: {"ok", "counts", "subject", "checks": [{"id", "title",
"status": "ok"|"warn"|"fail"|"skipped", "message", "fix"}]}. No secret, token or code is printed.
Exit status: 0 when no check is ❌, 1 when one is, 2 wrong usage. docs/doctor.md explains each check.
`;
