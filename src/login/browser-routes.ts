import Router from '@koa/router';
import type { Context } from 'koa';
import type { InteractionResults } from 'oidc-provider';
import { SaomaError } from '../errors.ts';
import { readForm } from '../http/body.ts';
import { pageLocale, rememberLang } from '../http/locale.ts';
import { handleErrors } from '../http/middleware.ts';
import { render } from '../http/views.ts';
import { TAP_ONLY_SCOPES } from '../oidc/claims.ts';
import { toSaomaError } from '../wechat/errors.ts';
import { describeScopes } from './scopes.ts';
import type { LoginServices } from './services.ts';
import { effectiveState, isFinished, statusOf, wrongState, type LoginTicket } from './ticket.ts';
import { WaitingPolls } from './waiting-polls.ts';
import { WeChatLinks } from './wechat-links.ts';
import { whyNoCode } from './budget.ts';

type Interaction = Awaited<ReturnType<LoginServices['provider']['interactionDetails']>>;

const JSON_ROUTES = /\/(status|refresh|qrcode)$/;

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

/** The ticket was consumed by a /complete of this interaction that saved its login result. */
function finishedBefore(details: { result?: InteractionResults | undefined }, ticket: LoginTicket): boolean {
  const login = details.result?.login as { accountId?: string } | undefined;
  return effectiveState(ticket) === 'consumed' && ticket.account_id !== undefined && login?.accountId === ticket.account_id;
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
 * The browser's side of a login, under `/interaction/:uid`. Every route first proves the request
 * comes from the browser that started the interaction (oidc-provider's signed, path-scoped
 * `_interaction` cookie must name this uid); any other browser gets a 4xx and learns nothing.
 */
export function browserRoutes(services: LoginServices): Router {
  // The provider is read at each use: a signing-key change replaces it (oidc/live-provider.ts).
  const { tickets, qrcodes, config } = services;
  const links = new WeChatLinks(services.store, services.wechat, {
    kind: config.env.WECHAT_OPEN_LINK,
    appid: config.wechat.appid,
    page: config.env.WECHAT_PAGE,
    envVersion: config.env.WECHAT_ENV_VERSION,
    log: services.log,
  });
  const polls = new WaitingPolls(config.env.STATUS_POLLS_PER_IP);
  const router = new Router({ prefix: '/interaction/:uid' });
  router.use(handleErrors((ctx) => (JSON_ROUTES.test(ctx.path) ? 'json' : 'page')));
  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });

  async function interaction(ctx: Context): Promise<Interaction> {
    let details: Interaction;
    try {
      details = await services.provider.interactionDetails(ctx.req, ctx.res);
    } catch (err) {
      await rememberWebsite(ctx);
      throw err;
    }
    if (details.uid !== ctx.params.uid) {
      throw new SaomaError('interaction_not_found', 'This login page belongs to another browser or has expired.');
    }
    const client = await services.provider.Client.find(String(details.params.client_id));
    ctx.state.back = client?.clientUri ?? client?.initiateLoginUri;
    ctx.state.client = client;
    return details;
  }

  /**
   * A dead login page (expired, or reached again with the back button after signing in) still
   * offers a way back to the website when its ticket remembers which website it was for. The
   * website's address is public; nothing about the login is revealed.
   */
  async function rememberWebsite(ctx: Context): Promise<void> {
    try {
      const ticket = await tickets.current(String(ctx.params.uid));
      const client = ticket ? await services.provider.Client.find(ticket.client_id) : undefined;
      ctx.state.back = client?.clientUri ?? client?.initiateLoginUri;
    } catch {
      // best effort: the page says the same without the link
    }
  }

  function newTicketRequest(ctx: Context, details: Interaction) {
    return {
      uid: details.uid,
      clientId: String(details.params.client_id),
      scopes: String(details.params.scope ?? 'openid').split(' ').filter(Boolean),
      requester: { ip: ctx.ip, user_agent: ctx.get('user-agent').slice(0, 512), time: Date.now() },
      interactionExpiresAt: details.exp * 1000,
    };
  }

  async function currentTicket(uid: string): Promise<LoginTicket> {
    const ticket = await tickets.current(uid);
    if (!ticket) throw new SaomaError('ticket_not_found', 'This login page has no code yet; reload it.');
    return ticket;
  }

  router.get('/', async (ctx) => {
    const details = await interaction(ctx);
    const { t, lang } = pageLocale(ctx, details.params.ui_locales as string | undefined);
    const client = ctx.state.client as { clientName?: string; logoUri?: string; clientUri?: string } | undefined;
    const view = { t, lang, uid: details.uid, client: clientView(client, String(details.params.client_id)), back: ctx.state.back as string | undefined };
    if (details.prompt.name === 'consent') {
      const missing = (details.prompt.details.missingOIDCScope as string[] | undefined) ?? String(details.params.scope).split(' ');
      ctx.type = 'html';
      ctx.body = render('consent', { ...view, scopes: describeScopes(missing.filter((s) => s !== 'openid' && !TAP_ONLY_SCOPES.has(s)), t) });
      return;
    }
    const ticket = await tickets.ensure(newTicketRequest(ctx, details));
    rememberLang(ctx, lang, `/interaction/${details.uid}`, Math.max(0, details.exp * 1000 - Date.now()) + 10 * 60_000);
    const device = deviceOf(ctx.get('user-agent'));
    // The button only where the deployment can make a link (an individual mini-program cannot).
    const openWeChat = device !== 'wechat' && (await links.available());
    ctx.type = 'html';
    ctx.body = render('login', {
      ...view,
      status: statusOf(ticket),
      scene: ticket.scene,
      ticketSeconds: config.env.TICKET_TTL_SECONDS,
      device,
      // A phone with no way to open WeChat: save the code and scan it from the album, or use another phone.
      instruction: device === 'phone' && !openWeChat ? 'phone_alone' : device,
      openWeChat: openWeChat ? { newTab: links.opensNewTab } : undefined,
    });
  });

  // "Open WeChat to sign in": made on tap (a URL Link costs a WeChat call), then straight on to it.
  router.get('/open-wechat', async (ctx) => {
    await interaction(ctx);
    if (!links.enabled) throw new SaomaError('not_found', 'Opening WeChat from this page is switched off.');
    const ticket = await currentTicket(ctx.params.uid!);
    const state = effectiveState(ticket);
    if (state !== 'pending' && state !== 'scanned') throw wrongState(state, 'pending');
    let link: string | undefined;
    try {
      link = await links.link(ticket);
    } catch (err) {
      throw toSaomaError(err);
    }
    ctx.status = 303;
    // WeChat refuses links to this mini-program (individual): no error page, but the login page
    // again, now without the button, with its code to save and scan.
    ctx.redirect(link ?? `/interaction/${ctx.params.uid}`);
  });

  router.get('/qrcode', async (ctx) => {
    await interaction(ctx);
    const ticket = await currentTicket(ctx.params.uid!);
    const state = effectiveState(ticket);
    if (isFinished(state)) throw wrongState(state, 'pending');
    // The page's question after its image failed (`?why`): answered without drawing a code again.
    if (ctx.query.why !== undefined) throw await whyNoCode(services.store, ticket.scene);
    let code;
    try {
      code = await qrcodes.image(ticket);
    } catch (err) {
      throw toSaomaError(err);
    }
    ctx.type = code.contentType;
    ctx.set('Cache-Control', `private, max-age=${Math.max(0, Math.floor((ticket.expires_at - Date.now()) / 1000))}`);
    ctx.body = code.image;
  });

  router.get('/status', async (ctx) => {
    await interaction(ctx);
    const { scene } = await currentTicket(ctx.params.uid!);
    const known = typeof ctx.query.state === 'string' ? ctx.query.state : undefined;
    // The wait ends early when the page goes away (its connection closes) or a newer poll of this
    // page takes over; the page then pauses before polling again (two tabs must not ping-pong).
    const slot = polls.enter(ctx.params.uid!, ctx.ip, ctx.res);
    try {
      const status = await tickets.waitForChange(scene, known, config.env.STATUS_WAIT_SECONDS * 1000, slot.connection);
      ctx.body = slot.superseded ? { ...status, superseded: true } : status;
    } finally {
      slot.release();
    }
  });

  router.post('/refresh', async (ctx) => {
    const details = await interaction(ctx);
    await readForm(ctx);
    const old = await tickets.current(details.uid);
    const state = old ? effectiveState(old) : 'expired';
    if (old && state !== 'expired' && state !== 'cancelled') {
      throw new SaomaError('ticket_in_progress', 'The current code is still in use; a new one is only made after it expires or is cancelled.');
    }
    const ticket = await tickets.replace(newTicketRequest(ctx, details), old?.scene);
    ctx.body = { ...statusOf(ticket), qrcode_url: `/interaction/${details.uid}/qrcode?v=${ticket.scene.slice(0, 6)}` };
  });

  /**
   * Finishes the login. The interaction result (who signed in, and the grant) is saved before the
   * ticket is consumed, so a fault at any point leaves one of two states a retry can finish:
   * the ticket still confirmed (the retry does it all again), or consumed with the result saved
   * (the retry answers from it). Of two concurrent completes, one consumes the ticket; the other
   * is refused with `ticket_consumed`, or, when the first had already finished, answered as its
   * retry (303 onto the same login: the website still gets one code).
   */
  router.post('/complete', async (ctx) => {
    const details = await interaction(ctx);
    await readForm(ctx);
    let done: LoginTicket;
    try {
      done = await currentTicket(details.uid);
      if (finishedBefore(details, done)) {
        // A retry of a /complete that finished but whose answer never reached the browser.
        ctx.status = 303;
        ctx.redirect(details.returnTo);
        return;
      }
      const state = effectiveState(done);
      if (state !== 'confirmed') throw wrongState(state, 'confirmed');
    } catch (err) {
      refuseCompletion(ctx, details, err);
      return;
    }
    const accountId = done.account_id!;
    // Confirming in WeChat was consent to exactly the scopes shown there. A scope the person did
    // not give in WeChat (no tap on the phone button) is recorded as refused, so the website
    // gets its code without that claim and without a second consent page.
    const grant = new services.provider.Grant({ accountId, clientId: done.client_id });
    grant.addOIDCScope(done.scopes.join(' '));
    const refused = String(details.params.scope ?? '').split(' ').filter((scope) => scope && !done.scopes.includes(scope));
    if (refused.length) grant.rejectOIDCScope(refused.join(' '));
    const grantId = await grant.save();
    const result: InteractionResults = { login: { accountId, amr: ['wechat'], remember: true }, consent: { grantId } };
    const returnTo = await services.provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
    try {
      await tickets.update(done.scene, (t) => {
        const state = effectiveState(t);
        if (state !== 'confirmed') throw wrongState(state, 'confirmed');
        return { ...t, state: 'consumed' };
      });
    } catch (err) {
      // Expired or cancelled in between: the saved result must not sign anyone in. (Consumed
      // means a concurrent /complete of this same login won; its result stands.)
      if (err instanceof SaomaError && err.code !== 'ticket_consumed' && err.code.startsWith('ticket_')) {
        await services.provider.interactionResult(ctx.req, ctx.res, {}, { mergeWithLastSubmission: false });
      }
      refuseCompletion(ctx, details, err);
      return;
    }
    ctx.status = 303;
    ctx.redirect(returnTo);
  });

  /** A ticket state refusal of /complete as a page; anything else is rethrown. */
  function refuseCompletion(ctx: Context, details: Interaction, err: unknown): void {
    if (!(err instanceof SaomaError && err.code.startsWith('ticket_'))) throw err;
    // Without JavaScript this form is how a login finishes, so "not yet" must lead back to the
    // code (a reload shows a new one when this one is finished), not only to the website.
    ctx.log.info({ code: err.code }, 'request refused');
    const { t, lang } = pageLocale(ctx, details.params.ui_locales as string | undefined);
    ctx.status = err.status;
    ctx.type = 'html';
    ctx.body = render('error', { t, lang, code: err.code, description: err.description, back: ctx.state.back, again: `/interaction/${details.uid}` });
  }

  router.post('/consent', async (ctx) => {
    const details = await interaction(ctx);
    await readForm(ctx);
    if (details.prompt.name !== 'consent' || !details.session) {
      throw new SaomaError('invalid_request', 'There is nothing to consent to on this page.');
    }
    const grant = details.grantId
      ? await services.provider.Grant.find(details.grantId)
      : new services.provider.Grant({ accountId: details.session.accountId, clientId: String(details.params.client_id) });
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
    ctx.redirect(await services.provider.interactionResult(ctx.req, ctx.res, { consent: details.grantId ? {} : { grantId } }, { mergeWithLastSubmission: true }));
  });

  router.post('/abort', async (ctx) => {
    const details = await interaction(ctx);
    await readForm(ctx);
    const ticket = await tickets.current(details.uid);
    if (ticket) {
      await tickets.update(ticket.scene, (t) => (isFinished(effectiveState(t)) ? t : { ...t, state: 'cancelled' }));
    }
    ctx.status = 303;
    ctx.redirect(await services.provider.interactionResult(ctx.req, ctx.res, { error: 'access_denied', error_description: 'The user cancelled the sign-in.' }, { mergeWithLastSubmission: false }));
  });

  return router;
}
