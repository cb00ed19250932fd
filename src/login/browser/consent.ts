import { SaomaError } from '../../errors.ts';
import { readForm } from '../../http/body.ts';
import { TAP_ONLY_SCOPES } from '../../oidc/claims.ts';
import type { LoginPageContext } from './interaction.ts';
import type { BrowserServices } from './services.ts';

/** POST /interaction/:uid/consent — a signed-in person gives a website the scopes it asks for. */
export function consent(services: BrowserServices) {
  return async (ctx: LoginPageContext) => {
    // Read at each request: a signing-key change replaces the provider (oidc/live-provider.ts).
    const { provider } = services;
    const details = ctx.state.interaction;
    await readForm(ctx);
    if (details.prompt.name !== 'consent' || !details.session) {
      throw new SaomaError('invalid_request', 'There is nothing to consent to on this page.');
    }
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: String(details.params.client_id) });
    if (!grant) throw new SaomaError('interaction_not_found', 'This consent request has expired; go back to the website.');
    const missingScope = details.prompt.details.missingOIDCScope as string[] | undefined;
    const missingClaims = details.prompt.details.missingOIDCClaims as string[] | undefined;
    // A consent page never gives the phone number: only a tap in WeChat does (TAP_ONLY_SCOPES).
    const given = missingScope?.filter((scope) => !TAP_ONLY_SCOPES.has(scope)) ?? [];
    const refused = missingScope?.filter((scope) => TAP_ONLY_SCOPES.has(scope)) ?? [];
    if (given.length) grant.addOIDCScope(given.join(' '));
    if (refused.length) grant.rejectOIDCScope(refused.join(' '));
    if (missingClaims) grant.addOIDCClaims(missingClaims);
    const grantId = await grant.save();
    ctx.status = 303;
    ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, { consent: details.grantId ? {} : { grantId } }, { mergeWithLastSubmission: true }));
  };
}
