import type { RouterContext, RouterMiddleware } from '@koa/router';
import type Provider from 'oidc-provider';
import { SaomaError } from '../../errors.ts';
import { pageLocale, type Lang, type Translate } from '../../http/locale.ts';
import type { NewTicket, Tickets } from '../tickets.ts';
import type { LoginTicket } from '../ticket.ts';

export type Interaction = Awaited<ReturnType<Provider['interactionDetails']>>;
type Client = Awaited<ReturnType<Provider['Client']['find']>>;

/** What every login-page route knows once the interaction middleware has run. */
export interface LoginPageState {
  /** The interaction this browser started, proven by its cookie. */
  interaction: Interaction;
  /** The website signing in (undefined if it has been removed since). */
  client: Client;
  /** The website's address for the error page's way back (read by `handleErrors`). */
  back: string | undefined;
}

export type LoginPageContext = RouterContext<LoginPageState>;

/**
 * Proves the request comes from the browser that started the interaction: oidc-provider's signed,
 * path-scoped `_interaction` cookie must name the path's uid. Any other browser gets a 4xx and
 * learns nothing. The details are then on `ctx.state`, read once per request.
 */
export function interactionOfThisBrowser(services: { readonly provider: Provider; tickets: Tickets }): RouterMiddleware<LoginPageState> {
  return async (ctx, next) => {
    // Read at each request: a signing-key change replaces the provider (oidc/live-provider.ts).
    const { provider, tickets } = services;
    let details: Interaction;
    try {
      details = await provider.interactionDetails(ctx.req, ctx.res);
    } catch (err) {
      ctx.state.back = await rememberWebsite(provider, tickets, String(ctx.params.uid));
      throw err;
    }
    if (details.uid !== ctx.params.uid) {
      throw new SaomaError('interaction_not_found', 'This login page belongs to another browser or has expired.');
    }
    const client = await provider.Client.find(String(details.params.client_id));
    ctx.state.interaction = details;
    ctx.state.client = client;
    ctx.state.back = client?.clientUri ?? client?.initiateLoginUri;
    await next();
  };
}

/**
 * A dead login page (expired, or reached again with the back button after signing in) still
 * offers a way back to the website when its ticket remembers which website it was for. The
 * website's address is public; nothing about the login is revealed.
 */
async function rememberWebsite(provider: Provider, tickets: Tickets, uid: string): Promise<string | undefined> {
  try {
    const ticket = await tickets.current(uid);
    const client = ticket ? await provider.Client.find(ticket.client_id) : undefined;
    return client?.clientUri ?? client?.initiateLoginUri;
  } catch {
    return undefined; // best effort: the page says the same without the link
  }
}

/** The page's language: the interaction's `ui_locales`, else the usual choice (`pageLocale`). */
export function interactionLocale(ctx: LoginPageContext): { lang: Lang; t: Translate } {
  const uiLocales = ctx.state.interaction.params.ui_locales;
  return pageLocale(ctx, typeof uiLocales === 'string' ? uiLocales : undefined);
}

/** A ticket for this interaction, as the login page (or its refresh) asks for one. */
export function newTicketRequest(ctx: LoginPageContext): NewTicket {
  const details = ctx.state.interaction;
  return {
    uid: details.uid,
    clientId: String(details.params.client_id),
    scopes: String(details.params.scope ?? 'openid').split(' ').filter(Boolean),
    requester: { ip: ctx.ip, user_agent: ctx.get('user-agent').slice(0, 512), time: Date.now() },
    interactionExpiresAt: details.exp * 1000,
  };
}

/** The interaction's current ticket; a page that never drew one has nothing to ask about. */
export async function currentTicket(tickets: Tickets, ctx: LoginPageContext): Promise<LoginTicket> {
  const ticket = await tickets.current(ctx.state.interaction.uid);
  if (!ticket) throw new SaomaError('ticket_not_found', 'This login page has no code yet; reload it.');
  return ticket;
}
