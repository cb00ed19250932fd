import { rememberLang } from '../../http/locale.ts';
import { render } from '../../http/views.ts';
import { TAP_ONLY_SCOPES } from '../../oidc/claims.ts';
import { describeScopes } from '../scopes.ts';
import { publicStatus } from '../ticket-machine.ts';
import { interactionLocale, newTicketRequest, type LoginPageContext } from './interaction.ts';
import type { BrowserServices } from './services.ts';

/** Where the page is shown, from the User-Agent: it decides how the person reaches the mini-program. */
export type Device = 'wechat' | 'phone' | 'desktop';

export function deviceOf(userAgent: string): Device {
  // WeChat's in-app browser says MicroMessenger; there a long-press on the <img> opens the code.
  if (/MicroMessenger/i.test(userAgent)) return 'wechat';
  if (/Mobi|Android|iPhone|iPad|iPod|HarmonyOS|OpenHarmony/i.test(userAgent)) return 'phone';
  return 'desktop';
}

interface ClientView {
  name: string;
  /** The name's first letter, drawn when there is no logo or it fails to load. */
  initial: string;
  /** Only an https logo is shown: the page loads nothing else from outside saoma. */
  logo: string | undefined;
  /** The website's host, shown under its name so people see where they are signing in. */
  host: string | undefined;
}

function clientView(client: { clientName?: string; logoUri?: string; clientUri?: string } | undefined, clientId: string): ClientView {
  const name = (client?.clientName ?? '').trim() || clientId;
  const logo = client?.logoUri?.startsWith('https://') ? client.logoUri : undefined;
  const host = client?.clientUri && URL.canParse(client.clientUri) ? new URL(client.clientUri).host : undefined;
  // A letter or digit (of any script), so a name opening with punctuation still gets a sensible mark.
  const initial = (/[\p{L}\p{N}]/u.exec(name)?.[0] ?? '?').toLocaleUpperCase();
  return { name, initial, logo, host };
}

/**
 * GET /interaction/:uid — the login page: the code to scan (its first load draws the ticket), or,
 * for a signed-in person whose website asks for more, the consent page.
 */
export function loginPage({ tickets, links, config }: BrowserServices) {
  return async (ctx: LoginPageContext) => {
    const details = ctx.state.interaction;
    const { t, lang } = interactionLocale(ctx);
    const view = { t, lang, uid: details.uid, client: clientView(ctx.state.client, String(details.params.client_id)), back: ctx.state.back };
    if (details.prompt.name === 'consent') {
      const missing = (details.prompt.details.missingOIDCScope as string[] | undefined) ?? String(details.params.scope).split(' ');
      ctx.type = 'html';
      ctx.body = render('consent', { ...view, scopes: describeScopes(missing.filter((s) => s !== 'openid' && !TAP_ONLY_SCOPES.has(s)), t) });
      return;
    }
    const ticket = await tickets.ensure(newTicketRequest(ctx));
    rememberLang(ctx, lang, `/interaction/${details.uid}`, Math.max(0, details.exp * 1000 - Date.now()) + 10 * 60_000);
    const device = deviceOf(ctx.get('user-agent'));
    // The button only where the deployment can make a link (an individual mini-program cannot).
    const openWeChat = device !== 'wechat' && (await links.available());
    ctx.type = 'html';
    ctx.body = render('login', {
      ...view,
      status: publicStatus(ticket),
      scene: ticket.scene,
      ticketSeconds: config.env.TICKET_TTL_SECONDS,
      device,
      // A phone with no way to open WeChat: save the code and scan it from the album, or use another phone.
      instruction: device === 'phone' && !openWeChat ? 'phone_alone' : device,
      openWeChat: openWeChat ? { newTab: links.opensNewTab } : undefined,
    });
  };
}
