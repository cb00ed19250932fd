import type { KoaContextWithOIDC } from 'oidc-provider';

type Grant = InstanceType<KoaContextWithOIDC['oidc']['provider']['Grant']>;

/**
 * oidc-provider's `loadExistingGrant`, plus: a website marked `first_party` (by an administrator;
 * never through self-service registration) is part of this deployment, so what it asks for is
 * granted without the web consent page. Signing in still takes the confirm in WeChat; an explicit
 * `prompt=consent` from the website still shows the page, as OpenID Connect requires.
 */
export async function loadExistingGrant(ctx: KoaContextWithOIDC): Promise<Grant | undefined> {
  const { oidc } = ctx;
  const client = oidc.client!;
  const grantId = oidc.result?.consent?.grantId ?? oidc.session!.grantIdFor(client.clientId);
  const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
  if ((client as unknown as { first_party?: unknown }).first_party !== true || !oidc.session?.accountId) return existing;

  const requested = [...(oidc.requestParamOIDCScopes as Set<string>)];
  const granted = new Set(existing?.getOIDCScopeEncountered().split(' ') ?? []);
  if (existing && requested.every((scope) => granted.has(scope))) return existing;
  const grant = existing ?? new oidc.provider.Grant({ clientId: client.clientId, accountId: oidc.session.accountId });
  grant.addOIDCScope(requested.join(' '));
  await grant.save();
  return grant;
}
