import type { KoaContextWithOIDC } from 'oidc-provider';

/**
 * oidc-provider's descriptions of refusals a website's developer must act on, in words that name
 * the setting to change. oidc-provider has no hook for them, so the redirect back to the website
 * is rewritten on its way out (the error code, state and iss stay as they are).
 */
const EXPLAINED: Record<string, string> = {
  'not supported value of code_challenge_method': 'code_challenge_method must be S256: plain is refused (mod_auth_openidc: OIDCPKCEMethod S256; Authlib: code_challenge_method=S256)',
  'requested scope is not allowed': 'requested scope is not allowed: the client\'s registered scope lists the only scopes it may ask for (change it with saoma clients update --scope, or ask without that scope)',
  "redirect_uri did not match any of the client's registered redirect_uris": "redirect_uri did not match any of the client's registered redirect_uris: they are compared exactly; register this one (clients file, or saoma clients update --redirect-uri) or send a registered one",
};

/** oidc-provider's description, or saoma's words for it when the developer must change a setting. */
export function explained(description: string | undefined): string | undefined {
  return description === undefined ? undefined : (EXPLAINED[description] ?? description);
}

export async function explainRefusals(ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> {
  await next();
  if (ctx.status !== 303 && ctx.status !== 302) return;
  const location = ctx.response.get('location');
  if (!location || !location.includes('error_description=')) return;
  const url = URL.parse(location);
  const described = url?.searchParams.get('error_description');
  if (!url || !described || !EXPLAINED[described]) return;
  url.searchParams.set('error_description', EXPLAINED[described]);
  ctx.set('location', url.href);
}
