import { errors, type Account, type Client, type FindAccount, type KoaContextWithOIDC } from 'oidc-provider';

/**
 * Two per-website settings, both client metadata (clients file, admin API, registration):
 *
 * - `require_pkce` (default true): PKCE with S256 on every authorization request. A confidential
 *   client (one that authenticates at the token endpoint) may register `require_pkce: false` and
 *   rely on `nonce` instead, as RFC 9700 §2.1.1 allows; it must then send a nonce. Public clients
 *   can never opt out, and `plain` is refused for everyone.
 * - `id_token_profile_claims` (default: the deployment's ID_TOKEN_PROFILE_CLAIMS, true): the profile
 *   and phone claims of the granted scopes in the ID token too, not only at userinfo, because many
 *   libraries (Auth.js among them) build the user's profile from the ID token alone.
 */
export { CLIENT_POLICY_FIELDS, clientPolicyProblems as policyProblems } from '../clients/metadata.ts';

type WithPolicy = { require_pkce?: unknown; id_token_profile_claims?: unknown; clientAuthMethod?: string; token_endpoint_auth_method?: string };

/** Whether the client is public: it has no way to authenticate at the token endpoint. */
function isPublic(client: WithPolicy): boolean {
  return (client.clientAuthMethod ?? client.token_endpoint_auth_method) === 'none';
}

/**
 * oidc-provider's `pkce.required` hook, called only when an authorization request carries no
 * `code_challenge`. It answers by throwing, so the refusal names the setting to change; the error
 * goes back to the website's redirect URI (redirect_uri is checked before this step).
 */
export function pkceRequired(ctx: KoaContextWithOIDC, client: Client): boolean {
  const c = client as unknown as WithPolicy;
  if (c.require_pkce !== false || isPublic(c)) {
    throw new errors.InvalidRequest('PKCE is required: send code_challenge with code_challenge_method=S256 (a confidential client that cannot do PKCE can be registered with require_pkce: false and send a nonce instead)');
  }
  if (!ctx.oidc.params?.nonce) {
    throw new errors.InvalidRequest('nonce is required: this client is registered with require_pkce: false, so each request without PKCE must carry a nonce (or send code_challenge with code_challenge_method=S256)');
  }
  return false;
}

/**
 * Wraps `findAccount` so that the ID token carries only `sub` when the client (or, when the client
 * says nothing, the deployment) wants minimal ID tokens. Userinfo is never touched.
 */
export function withIdTokenProfileClaims(findAccount: FindAccount, deploymentDefault: boolean): FindAccount {
  return async (ctx, sub, token) => {
    const account = await findAccount(ctx, sub, token);
    if (!account) return account;
    const setting = (ctx.oidc.client as unknown as WithPolicy | undefined)?.id_token_profile_claims;
    const wanted = typeof setting === 'boolean' ? setting : deploymentDefault;
    if (wanted) return account;
    const minimal: Account = {
      ...account,
      claims: async (use, scope, claims, rejected) => {
        const all = await account.claims(use, scope, claims, rejected);
        return use === 'id_token' ? { sub: all.sub } : all;
      },
    };
    return minimal;
  };
}
