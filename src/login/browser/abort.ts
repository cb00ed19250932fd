import { readForm } from '../../http/body.ts';
import type { LoginPageContext } from './interaction.ts';
import type { BrowserServices } from './services.ts';

/** POST /interaction/:uid/abort — the person gives up: the code is cancelled, the website told `access_denied`. */
export function abort(services: BrowserServices) {
  return async (ctx: LoginPageContext) => {
    // Read at each request: a signing-key change replaces the provider (oidc/live-provider.ts).
    const { provider, tickets } = services;
    await readForm(ctx);
    const ticket = await tickets.current(ctx.state.interaction.uid);
    if (ticket) await tickets.apply(ticket, 'abort');
    ctx.status = 303;
    ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, { error: 'access_denied', error_description: 'The user cancelled the sign-in.' }, { mergeWithLastSubmission: false }));
  };
}
