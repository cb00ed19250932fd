import { readForm } from '../../http/body.ts';
import { saveInteractionResult, type LoginPageContext } from './interaction.ts';
import type { BrowserServices } from './services.ts';

/** POST /interaction/:uid/abort — the person gives up: the code is cancelled, the website told `access_denied`. */
export function abort({ tickets }: BrowserServices) {
  return async (ctx: LoginPageContext) => {
    await readForm(ctx);
    const ticket = await tickets.current(ctx.state.interaction.uid);
    if (ticket) await tickets.apply(ticket, 'abort');
    ctx.status = 303;
    ctx.redirect(await saveInteractionResult(ctx, { error: 'access_denied', error_description: 'The user cancelled the sign-in.' }, { mergeWithLastSubmission: false }));
  };
}
