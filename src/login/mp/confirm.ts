import type { Context } from 'koa';
import { z } from 'zod';
import { readJson } from '../../http/body.ts';
import { optionalString, parse } from '../../http/parse.ts';
import { auditLog } from '../../log.ts';
import { toSaomaError } from '../../wechat/errors.ts';
import type { LoginServices } from '../services.ts';
import type { LoginTicket } from '../ticket.ts';
import { refusalOf } from '../ticket-machine.ts';
import { SceneOfCode, networksForAudit, ticketOfScene, tokenField } from './scanned-ticket.ts';

/** The fields, checked in this order (the first fault is the one named), then the avatar's address, then the scene. */
function confirmRequest(issuer: string) {
  return z
    .object({
      token: tokenField,
      nickname: optionalString('nickname', 64),
      avatar_url: optionalString('avatar_url', 1024),
      // A tap on WeChat's phone button gives this one-time code for the number.
      phone_code: optionalString('phone_code', 128),
    })
    .refine((fields) => fields.avatar_url === undefined || isImageUrl(fields.avatar_url, issuer), {
      path: ['avatar_url'],
      error: '"avatar_url" must be an https URL (or one served by this server).',
    });
}

type ConfirmRequest = z.output<ReturnType<typeof confirmRequest>>;

/**
 * POST /mp/confirm — the scanner says yes in WeChat, with the profile they chose to share; the
 * login page learns it at once and finishes the login.
 */
export function mpConfirm(services: LoginServices) {
  const { tickets, accounts, config, log } = services;
  const audit = auditLog(log);
  const schema = confirmRequest(config.issuer);
  return async (ctx: Context) => {
    const body = await readJson(ctx);
    const request = parse(schema, body);
    const { token, nickname, avatar_url: avatarUrl } = request;
    const ticket = await ticketOfScene(tickets, parse(SceneOfCode, body).scene);
    const refused = refusalOf(ticket, 'confirm', token);
    if (refused) throw refused;

    // The phone number first, so the website sees it as soon as it learns of the confirm.
    const { profile, phoneShared } = await sharedProfile(services, ticket, request);
    if (Object.keys(profile).length) await accounts.update(ticket.account_id!, profile);

    const scanner = nickname || avatarUrl ? { ...(nickname ? { nickname } : {}), ...(avatarUrl ? { avatar_url: avatarUrl } : {}) } : undefined;
    const confirmed = await tickets.apply(ticket, 'confirm', { token, phoneShared, ...(scanner ? { scanner } : {}) });
    audit({ event: 'ticket.confirmed', actor: `wechat:${confirmed.account_id}`, ip: ctx.ip, client_id: confirmed.client_id, scopes: confirmed.scopes, ...networksForAudit(confirmed, ctx.ip) });
    ctx.body = { state: 'confirmed' };
  };
}

interface Profile {
  nickname?: string;
  picture?: string;
  phone_number?: string;
  phone_number_verified?: boolean;
}

/**
 * What the scanner shares with this login. A failed phone exchange costs the login nothing: it
 * completes without a phone claim. The number is shared only when the person tapped WeChat's
 * button in this very login, so a number shared once is never released to a later website
 * without a new tap.
 */
async function sharedProfile({ wechat, phones, log }: LoginServices, ticket: LoginTicket, request: ConfirmRequest): Promise<{ profile: Profile; phoneShared: boolean }> {
  const profile: Profile = {};
  let phoneShared = false;
  if (request.nickname) profile.nickname = request.nickname;
  if (request.avatar_url) profile.picture = request.avatar_url;
  const phoneCode = request.phone_code;
  if (!phoneCode || !ticket.scopes.includes('phone')) return { profile, phoneShared };
  if (!(await phones.available())) {
    log.info({ event: 'phone.capped' }, 'the monthly phone-number cap is reached (PHONE_MONTHLY_CAP); login continues without it');
    return { profile, phoneShared };
  }
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
  return { profile, phoneShared };
}

function isImageUrl(value: string, issuer: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.origin === new URL(issuer).origin;
  } catch {
    return false;
  }
}
