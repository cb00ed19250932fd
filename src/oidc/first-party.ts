import type { KoaContextWithOIDC } from 'oidc-provider';
import { TAP_ONLY_SCOPES } from './claims.ts';

type Grant = InstanceType<KoaContextWithOIDC['oidc']['provider']['Grant']>;

/**
 * oidc-provider's `loadExistingGrant`, plus two rules for a browser that is already signed in:
 *
 * - A website marked `first_party` (by an administrator; never through self-service registration)
 *   is part of this deployment, so what it asks for is granted without the web consent page.
 *   Signing in still takes the confirm in WeChat; an explicit `prompt=consent` from the website
 *   still shows the page, as OpenID Connect requires.
 * - A tap-only scope (the phone number) that this website's grant has never seen is refused, for
 *   every website: only a login for this website with a tap in WeChat grants it (see
 *   TAP_ONLY_SCOPES). Refusing it here spares the person a consent page that could not give it.
 *   Without a grant yet, a third party's consent page refuses it (`login/browser/consent.ts`).
 */
export async function loadExistingGrant(ctx: KoaContextWithOIDC): Promise<Grant | undefined> {
  const { oidc } = ctx;
  const client = oidc.client!;
  const grantId = oidc.result?.consent?.grantId ?? oidc.session!.grantIdFor(client.clientId);
  const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
  const accountId = oidc.session?.accountId;
  if (!accountId) return existing;

  const encountered = new Set(existing?.getOIDCScopeEncountered().split(' ') ?? []);
  const unseen = [...(oidc.requestParamOIDCScopes as Set<string>)].filter((scope) => !encountered.has(scope));
  const tapOnly = unseen.filter((scope) => TAP_ONLY_SCOPES.has(scope));
  const firstParty = (client as unknown as { first_party?: unknown }).first_party === true;
  const toGrant = firstParty ? unseen.filter((scope) => !TAP_ONLY_SCOPES.has(scope)) : [];
  if (!toGrant.length && !(tapOnly.length && (existing || firstParty))) return existing;

  const grant = existing ?? new oidc.provider.Grant({ clientId: client.clientId, accountId });
  if (toGrant.length) grant.addOIDCScope(toGrant.join(' '));
  if (tapOnly.length) grant.rejectOIDCScope(tapOnly.join(' '));
  await grant.save();
  return grant;
}
