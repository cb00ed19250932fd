import { createHash } from 'node:crypto';

/**
 * A simulated WeChat user's ids, derived from their name so they are stable across restarts:
 * the openid per (appid, user), as WeChat's openid is per mini-program; the unionid per user, as
 * WeChat's is shared by every app of one Open Platform account.
 */
export function openidOf(appid: string, user: string): string {
  return `o${digest(`openid:${appid}:${user}`).slice(0, 27)}`;
}

export function unionidOf(user: string): string {
  return `o${digest(`unionid:${user}`).slice(0, 27)}`;
}

/** A stable mainland mobile number for a user who did not choose one. */
export function defaultPhoneOf(user: string): string {
  const digits = BigInt(`0x${createHash('sha256').update(`phone:${user}`).digest('hex').slice(0, 12)}`) % 100_000_000n;
  return `138${digits.toString().padStart(8, '0')}`;
}

function digest(input: string): string {
  return createHash('sha256').update(input).digest('base64url');
}
