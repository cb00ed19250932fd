import Provider, { errors, type Configuration, type JWK, type KoaContextWithOIDC } from 'oidc-provider';
import type { Config } from '../config/load.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/store.ts';
import { render } from '../http/views.ts';
import { assertWebsiteColour, WEBSITE_COLOUR } from '../branding/website.ts';
import { adapterFactory, guarded, guardedAdapters } from './adapter.ts';
import type { Accounts } from './accounts.ts';
import { claims, scopes } from './claims.ts';
import { CLIENT_POLICY_FIELDS, pkceRequired, policyProblems, withIdTokenProfileClaims } from './client-policy.ts';
import { explained, explainRefusals } from './refusals.ts';
import { withClientGrantIndex } from './client-grants.ts';
import { withAccountIndex } from '../accounts/account-index.ts';
import { outgoingFetch } from '../accounts/backchannel.ts';
import { loadExistingGrant } from './first-party.ts';
import { registrationFeatures } from './registration.ts';
import type { ClientMetadata } from '../config/load.ts';
import { pageLocale } from '../http/locale.ts';

export interface ProviderDeps {
  config: Config;
  store: Store;
  log: Logger;
  accounts: Accounts;
  cookieKeys: string[];
  /** Clients from configuration (read-only); clients in the store are read on each use. */
  clients: ClientMetadata[];
  /** The signing keys to start with, each algorithm's signing key first (`SigningKeys.current()`). */
  signingKeys: JWK[];
}

/**
 * The hardened oidc-provider: code flow only, PKCE for every client (a confidential one may opt
 * out and send a nonce instead), profile claims in the ID token unless asked not to, exact redirect
 * URIs, keys from the store, explicit lifetimes, refresh-token rotation, revocation, introspection,
 * userinfo, RP-initiated logout and pages of our own. The checklist it follows is in docs/security.md.
 * Clients come from configuration (`clients`) and from the store (the admin API, the command line,
 * Dynamic Client Registration when enabled). Fails at start, not at first use, when a configured
 * client is invalid.
 */
export async function createProvider(deps: ProviderDeps): Promise<Provider> {
  const provider = buildProvider(deps, deps.signingKeys);
  for (const client of deps.clients) await provider.Client.find(client.client_id);
  return provider;
}

/**
 * One provider over `signingKeys`. A change of signing keys builds another (oidc-provider reads
 * `jwks` once, at construction: see live-provider.ts); everything else it serves from lives in the
 * store, so every instance built from the same `deps` answers alike.
 */
export function buildProvider(deps: ProviderDeps, signingKeys: JWK[]): Provider {
  const { config, cookieKeys, log } = deps;
  const provider = new Provider(config.issuer, providerConfiguration(deps, signingKeys));
  // X-Forwarded-* reach the provider already reduced to what trusted proxies said (http/proxy.ts).
  provider.proxy = config.env.TRUST_PROXY !== false;
  provider.use(explainRefusals);
  provider.keys = cookieKeys;
  logFailures(provider, log);
  return provider;
}

function providerConfiguration(deps: ProviderDeps, signingKeys: JWK[]): Configuration {
  const { config, store, log, accounts, cookieKeys, clients } = deps;
  return {
    // Every store use oidc-provider reaches is guarded: a store failure is a 503, never a 500.
    // Sessions, grants and interactions are also indexed by account (issue 13: account delete/block).
    adapter: guardedAdapters(withAccountIndex(withClientGrantIndex(adapterFactory(store, log), store), store)),
    clients,
    jwks: { keys: signingKeys },
    claims: claims as unknown as Configuration['claims'],
    scopes: [...scopes],
    responseTypes: ['code'],
    // PKCE (S256) for every client, unless a confidential one opted out (then it must send a nonce).
    pkce: { required: pkceRequired },
    // The granted profile and phone claims go in the ID token as well as userinfo (many libraries
    // read only the ID token); a deployment or a client can ask for `sub` only (client-policy.ts).
    conformIdTokenClaims: false,
    allowOmittingSingleRegisteredRedirectUri: false,
    clientDefaults: {
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      id_token_signed_response_alg: 'RS256',
      token_endpoint_auth_method: 'client_secret_basic',
    },
    extraClientMetadata,
    loadExistingGrant,
    cookies: {
      keys: cookieKeys,
      long: { httpOnly: true, sameSite: 'lax' },
      short: { httpOnly: true, sameSite: 'lax' },
    },
    features: features(config),
    // Back-channel logout to loopback websites outside production (issue 13: src/accounts/backchannel.ts).
    fetch: outgoingFetch(config.production) as Configuration['fetch'],
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    ttl: lifetimes(config.env),
    rotateRefreshToken: true,
    findAccount: withIdTokenProfileClaims(findAccount(accounts), config.env.ID_TOKEN_PROFILE_CLAIMS),
    renderError: async (ctx, out, error) => {
      log.info({ err_code: out.error, detail: (error as { error_detail?: string }).error_detail }, 'oidc error page');
      ctx.type = 'html';
      ctx.body = render('error', { t: pageLocale(ctx).t, code: out.error, description: explained(out.error_description), back: undefined });
    },
  };
}

/** saoma's own client fields: `first_party`, the per-client policy (client-policy.ts) and the website's colour (branding). */
const extraClientMetadata: Configuration['extraClientMetadata'] = {
  properties: ['first_party', ...CLIENT_POLICY_FIELDS, WEBSITE_COLOUR],
  validator: (_ctx, key, value, metadata) => {
    assertWebsiteColour(key, value);
    if (key === 'first_party' && value !== undefined && typeof value !== 'boolean') throw new errors.InvalidClientMetadata('first_party must be true or false');
    if (key !== 'require_pkce') return;
    const problems = policyProblems(metadata as unknown as Record<string, unknown>);
    if (problems.length) throw new errors.InvalidClientMetadata(problems.join('; '));
  },
};

/** The endpoints served: revocation, introspection, userinfo, logout with pages of our own, registration when enabled. */
function features(config: Config): Configuration['features'] {
  return {
    devInteractions: { enabled: false },
    revocation: { enabled: true },
    introspection: { enabled: true },
    userinfo: { enabled: true },
    // Logout tokens to websites that registered backchannel_logout_uri (issue 13: src/accounts/backchannel.ts).
    backchannelLogout: { enabled: true },
    ...registrationFeatures(config.env.REGISTRATION_ENABLED, config.production),
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => {
        ctx.type = 'html';
        ctx.body = render('logout', { t: pageLocale(ctx).t, form, client: ctx.oidc.client?.clientName });
      },
      postLogoutSuccessSource: async (ctx) => {
        ctx.type = 'html';
        ctx.body = render('signed-out', { t: pageLocale(ctx).t, client: ctx.oidc.client?.clientName, clientUri: ctx.oidc.client?.clientUri });
      },
    },
  };
}

function lifetimes(env: Config['env']): Configuration['ttl'] {
  const refreshTtl = env.REFRESH_TOKEN_TTL_SECONDS;
  return {
    AccessToken: env.ACCESS_TOKEN_TTL_SECONDS,
    AuthorizationCode: 60,
    IdToken: env.ID_TOKEN_TTL_SECONDS,
    RefreshToken: refreshTtl,
    // The page outlives every code it shows; the grant outlives every refresh token it backs.
    Interaction: env.INTERACTION_TTL_SECONDS,
    Session: env.SESSION_TTL_SECONDS,
    Grant: Math.max(env.GRANT_TTL_SECONDS, refreshTtl),
    ClientCredentials: 600,
  };
}

/** An account's claims: `sub`, and the profile and phone number it shared, if any. */
function findAccount(accounts: Accounts): NonNullable<Configuration['findAccount']> {
  return async (_ctx, sub) => {
    const account = await guarded(() => accounts.find(sub));
    // A blocked account signs in nowhere and its refresh tokens are refused (issue 13).
    if (!account || account.blocked_at !== undefined) return undefined;
    return {
      accountId: sub,
      claims: async () => ({
        sub,
        ...(account.nickname ? { nickname: account.nickname } : {}),
        ...(account.picture ? { picture: account.picture } : {}),
        ...(account.phone_number ? { phone_number: account.phone_number, phone_number_verified: account.phone_number_verified ?? true } : {}),
      }),
    };
  };
}

const ERROR_EVENTS = ['authorization.error', 'grant.error', 'introspection.error', 'revocation.error', 'userinfo.error', 'end_session.error', 'jwks.error', 'discovery.error', 'registration_create.error', 'registration_read.error', 'registration_update.error', 'registration_delete.error'] as const;

/** Failures inside the provider are logged with their private detail, never shown. */
function logFailures(provider: Provider, log: Logger): void {
  for (const event of ERROR_EVENTS) {
    (provider as unknown as NodeJS.EventEmitter).on(event, (_ctx: KoaContextWithOIDC, err: Error & { error_detail?: string }) => {
      log.info({ event, err_name: err.name, detail: err.error_detail }, 'oidc request refused');
    });
  }
  provider.on('server_error', (_ctx: KoaContextWithOIDC, err: Error) => log.error({ err }, 'oidc server error'));
}
