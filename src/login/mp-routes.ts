import { randomBytes } from 'node:crypto';
import Router from '@koa/router';
import { SaomaError } from '../errors.ts';
import { optionalString, readJson, stringField } from '../http/body.ts';
import { pageLocale } from '../http/locale.ts';
import { handleErrors } from '../http/middleware.ts';
import { rateLimit } from '../http/rate-limit.ts';
import { toSaomaError } from '../wechat/errors.ts';
import { auditLog } from '../log.ts';
import { lookupNetwork, networkForAudit, networkWords, sameNetwork } from './network.ts';
import { describeRequester } from './requester.ts';
import { describeScopes } from './scopes.ts';
import type { LoginServices } from './services.ts';
import { SCENE_PATTERN, effectiveState, hashToken, tokenMatches, wrongState, type LoginTicket } from './ticket.ts';

/** WeChat's own scene alphabet and length: anything else is refused before any lookup or call. */
const WECHAT_SCENE = /^[A-Za-z0-9!#$&'()*+,/:;=?@._~-]{1,32}$/;
/** After confirm the browser has this long to finish, even if the code would expire sooner. */
const FINISH_GRACE_MS = 60_000;

/**
 * The mini-program's API. The scan binds the ticket to one WeChat user (one `jscode2session` per
 * login) and hands that user a token; confirm and cancel need it. Whoever lacks the token learns
 * nothing about the ticket beyond "invalid_token".
 */
export function miniProgramRoutes(services: LoginServices): Router {
  const { tickets, accounts, wechat, store, config, log, phones } = services;
  const audit = auditLog(log);
  const router = new Router({ prefix: '/mp' });
  router.use(handleErrors(() => 'json'));
  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await rateLimit(store, `mp:${ctx.ip}`, config.env.MP_RATE_LIMIT_PER_IP, 60_000);
    await next();
  });

  async function ticketFor(body: Record<string, unknown>): Promise<LoginTicket> {
    const scene = stringField(body, 'scene', 64);
    if (!WECHAT_SCENE.test(scene)) throw new SaomaError('invalid_request', '"scene" must be 1–32 characters from WeChat\'s scene alphabet.');
    const ticket = SCENE_PATTERN.test(scene) ? await tickets.get(scene) : undefined;
    if (!ticket) throw new SaomaError('ticket_not_found', 'No login code matches this scene; it may be from an old page.');
    return ticket;
  }

  async function wechatCall<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw toSaomaError(err);
    }
  }

  router.post('/scan', async (ctx) => {
    const body = await readJson(ctx);
    const code = stringField(body, 'code', 128);
    const ticket = await ticketFor(body);
    await rateLimit(store, `scan:${ticket.scene}`, 10, 60_000);
    const before = effectiveState(ticket);
    if (before !== 'pending' && before !== 'scanned') throw wrongState(before, 'pending');

    const session = await wechatCall(() => wechat.exchangeCode(code));
    const account = await accounts.resolve({ appid: config.wechat.appid, openid: session.openid, ...(session.unionid ? { unionid: session.unionid } : {}) });
    const token = randomBytes(24).toString('base64url');
    const scanned = await tickets.update(ticket.scene, (t) => {
      const state = effectiveState(t);
      // The same person may scan again (a closed mini-program); nobody else may take it over.
      const sameScanner = state === 'scanned' && t.account_id === account.sub;
      if (state !== 'pending' && !sameScanner) throw wrongState(state, 'pending');
      return { ...t, state: 'scanned', account_id: account.sub, openid: session.openid, token_hash: hashToken(token) };
    });
    // Where the login page was opened (the browser) against where the code is scanned (this
    // request): a code relayed from someone else's browser usually shows as another network.
    const browser = lookupNetwork(scanned.requester.ip);
    const match = sameNetwork(scanned.requester.ip, ctx.ip);
    audit({ event: 'ticket.scanned', actor: `wechat:${account.sub}`, ip: ctx.ip, client_id: scanned.client_id, ...networksForAudit(scanned, ctx.ip) });

    const { t } = pageLocale(ctx);
    const client = await services.provider.Client.find(scanned.client_id);
    // Past the month's phone-number cap the mini-program is not asked for one: it shows the
    // phone button only for a `phone` scope in this answer, and the login completes without it.
    const phoneCapped = scanned.scopes.includes('phone') && !(await phones.available());
    ctx.body = {
      state: 'scanned',
      token,
      expires_at: Math.floor(scanned.expires_at / 1000),
      client: {
        client_id: scanned.client_id,
        name: client?.clientName ?? scanned.client_id,
        logo_uri: client?.logoUri ?? null,
        client_uri: client?.clientUri ?? null,
      },
      scopes: describeScopes(phoneCapped ? scanned.scopes.filter((scope) => scope !== 'phone') : scanned.scopes, t),
      ...(phoneCapped ? { phone: { offered: false, code: 'phone_cap_reached', message: t('notice.phone_cap_reached') } } : {}),
      requester: { ...describeRequester(scanned.requester), ...networkWords(browser, t), same_network: match },
      ...(match === 'different' ? { warning: { code: 'different_network', message: t('warning.different_network') } } : {}),
    };
  });

  router.post('/confirm', async (ctx) => {
    const body = await readJson(ctx);
    const token = stringField(body, 'token', 128);
    const nickname = optionalString(body, 'nickname', 64);
    const avatarUrl = optionalString(body, 'avatar_url', 1024);
    const phoneCode = optionalString(body, 'phone_code', 128);
    if (avatarUrl && !isImageUrl(avatarUrl, config.issuer)) throw new SaomaError('invalid_request', '"avatar_url" must be an https URL (or one served by this server).');
    const ticket = await ticketFor(body);
    if (!tokenMatches(ticket, token)) throw new SaomaError('invalid_token', 'The scan token is missing or wrong; scan the code again.');
    const before = effectiveState(ticket);
    if (before !== 'scanned') throw wrongState(before, 'scanned');

    // The phone number first, so the website sees it as soon as it learns of the confirm. A
    // failure costs the login nothing: it completes without a phone claim. The `phone` scope is
    // granted only when the person shared the number in this very login (a tap on WeChat's
    // button), so a number shared once is never released to a later website without a new tap.
    let phoneShared = false;
    const profile: { nickname?: string; picture?: string; phone_number?: string; phone_number_verified?: boolean } = {};
    if (nickname) profile.nickname = nickname;
    if (avatarUrl) profile.picture = avatarUrl;
    if (phoneCode && ticket.scopes.includes('phone') && !(await phones.available())) {
      log.info({ event: 'phone.capped' }, 'the monthly phone-number cap is reached (PHONE_MONTHLY_CAP); login continues without it');
    } else if (phoneCode && ticket.scopes.includes('phone')) {
      try {
        // With the scanner's openid, so WeChat refuses a phone code given to anyone else.
        const phone = await wechat.phoneNumber(phoneCode, ticket.openid);
        profile.phone_number = phone.e164;
        profile.phone_number_verified = true;
        phoneShared = true;
        await phones.spent();
      } catch (err) {
        const failure = toSaomaError(err);
        // The description says what to change when the deployment is at fault (48001, 40164).
        log.warn({ event: 'phone.failed', code: failure.code, errcode: failure.errcode, reason: failure.description }, 'phone number not obtained; login continues without it');
      }
    }
    if (Object.keys(profile).length) await accounts.update(ticket.account_id!, profile);

    const confirmed = await tickets.update(ticket.scene, (t) => {
      if (!tokenMatches(t, token)) throw new SaomaError('invalid_token', 'The scan token is missing or wrong; scan the code again.');
      const state = effectiveState(t);
      if (state !== 'scanned') throw wrongState(state, 'scanned');
      return {
        ...t,
        // The openid was kept only for the phone exchange, which is done: the ticket lets it go.
        openid: undefined,
        state: 'confirmed',
        scopes: phoneShared ? t.scopes : t.scopes.filter((scope) => scope !== 'phone'),
        expires_at: Math.min(Math.max(t.expires_at, Date.now() + FINISH_GRACE_MS), t.interaction_expires_at),
        ...(nickname || avatarUrl ? { scanner: { ...(nickname ? { nickname } : {}), ...(avatarUrl ? { avatar_url: avatarUrl } : {}) } } : {}),
      };
    });
    audit({ event: 'ticket.confirmed', actor: `wechat:${confirmed.account_id}`, ip: ctx.ip, client_id: confirmed.client_id, scopes: confirmed.scopes, ...networksForAudit(confirmed, ctx.ip) });
    ctx.body = { state: 'confirmed' };
  });

  router.post('/cancel', async (ctx) => {
    const body = await readJson(ctx);
    const token = stringField(body, 'token', 128);
    const ticket = await ticketFor(body);
    const cancelled = await tickets.update(ticket.scene, (t) => {
      if (!tokenMatches(t, token)) throw new SaomaError('invalid_token', 'The scan token is missing or wrong; scan the code again.');
      const state = effectiveState(t);
      if (state !== 'scanned') throw wrongState(state, 'scanned');
      return { ...t, openid: undefined, state: 'cancelled' };
    });
    audit({ event: 'ticket.cancelled', actor: `wechat:${cancelled.account_id}`, ip: ctx.ip, client_id: cancelled.client_id });
    ctx.body = { state: 'cancelled' };
  });

  return router;
}

/**
 * Both networks for an audit line, as region and operator: the phone's address is the line's `ip`
 * (as on every audit line); the browser's address stays out of the logs, as it always has.
 */
function networksForAudit(ticket: LoginTicket, phoneIp: string) {
  return {
    browser_network: networkForAudit(lookupNetwork(ticket.requester.ip)),
    phone_network: networkForAudit(lookupNetwork(phoneIp)),
    same_network: sameNetwork(ticket.requester.ip, phoneIp),
  };
}

function isImageUrl(value: string, issuer: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.origin === new URL(issuer).origin;
  } catch {
    return false;
  }
}

