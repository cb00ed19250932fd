import type { InteractionResults } from 'oidc-provider';
import { SaomaError } from '../../errors.ts';
import { readForm } from '../../http/body.ts';
import { render } from '../../http/views.ts';
import type { LoginTicket } from '../ticket.ts';
import { effectiveState, refusalOf } from '../ticket-machine.ts';
import { currentTicket, interactionLocale, type Interaction, type LoginPageContext } from './interaction.ts';
import type { BrowserServices } from './services.ts';

/**
 * POST /interaction/:uid/complete — finishes the login. The interaction result (who signed in,
 * and the grant) is saved before the ticket is consumed, so a fault at any point leaves one of
 * two states a retry can finish: the ticket still confirmed (the retry does it all again), or
 * consumed with the result saved (the retry answers from it). Of two concurrent completes, one
 * consumes the ticket; the other is refused with `ticket_consumed`, or, when the first had
 * already finished, answered as its retry (303 onto the same login: the website still gets one code).
 */
export function complete(services: BrowserServices) {
  return async (ctx: LoginPageContext) => {
    // Read at each request: a signing-key change replaces the provider (oidc/live-provider.ts).
    const { provider, tickets } = services;
    const details = ctx.state.interaction;
    await readForm(ctx);
    let done: LoginTicket;
    try {
      done = await currentTicket(tickets, ctx);
      if (finishedBefore(details, done)) {
        // A retry of a /complete that finished but whose answer never reached the browser.
        ctx.status = 303;
        ctx.redirect(details.returnTo);
        return;
      }
      const refused = refusalOf(done, 'complete');
      if (refused) throw refused;
    } catch (err) {
      refuseCompletion(ctx, err);
      return;
    }
    const returnTo = await saveResult(services, ctx, done);
    try {
      await tickets.apply(done, 'complete');
    } catch (err) {
      // Expired or cancelled in between: the saved result must not sign anyone in. (Consumed
      // means a concurrent /complete of this same login won; its result stands.)
      if (err instanceof SaomaError && err.code !== 'ticket_consumed' && err.code.startsWith('ticket_')) {
        await provider.interactionResult(ctx.req, ctx.res, {}, { mergeWithLastSubmission: false });
      }
      refuseCompletion(ctx, err);
      return;
    }
    ctx.status = 303;
    ctx.redirect(returnTo);
  };
}

/**
 * Saves who signed in and the grant as the interaction's result; answers where the browser goes on.
 * Confirming in WeChat was consent to exactly the scopes shown there. A scope the person did not
 * give in WeChat (no tap on the phone button) is recorded as refused, so the website gets its
 * code without that claim and without a second consent page.
 */
async function saveResult({ provider }: BrowserServices, ctx: LoginPageContext, done: LoginTicket): Promise<string> {
  const accountId = done.account_id!;
  const grant = new provider.Grant({ accountId, clientId: done.client_id });
  grant.addOIDCScope(done.scopes.join(' '));
  const refused = String(ctx.state.interaction.params.scope ?? '').split(' ').filter((scope) => scope && !done.scopes.includes(scope));
  if (refused.length) grant.rejectOIDCScope(refused.join(' '));
  const grantId = await grant.save();
  const result: InteractionResults = { login: { accountId, amr: ['wechat'], remember: true }, consent: { grantId } };
  return provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
}

/** The ticket was consumed by a /complete of this interaction that saved its login result. */
function finishedBefore(details: Interaction, ticket: LoginTicket): boolean {
  const login = details.result?.login as { accountId?: string } | undefined;
  return effectiveState(ticket) === 'consumed' && ticket.account_id !== undefined && login?.accountId === ticket.account_id;
}

/** A ticket state refusal of /complete as a page; anything else is rethrown. */
function refuseCompletion(ctx: LoginPageContext, err: unknown): void {
  if (!(err instanceof SaomaError && err.code.startsWith('ticket_'))) throw err;
  // Without JavaScript this form is how a login finishes, so "not yet" must lead back to the
  // code (a reload shows a new one when this one is finished), not only to the website.
  ctx.log.info({ code: err.code }, 'request refused');
  const { t, lang } = interactionLocale(ctx);
  ctx.status = err.status;
  ctx.type = 'html';
  ctx.body = render('error', { t, lang, code: err.code, description: err.description, back: ctx.state.back, again: `/interaction/${ctx.state.interaction.uid}` });
}
