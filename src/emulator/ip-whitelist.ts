import type { Context } from 'koa';
import { wechatError } from './answers.ts';
import type { EmulatorState } from './state.ts';

/**
 * The console's API IP whitelist: with one configured, the token calls and every API called with
 * an access token answer 40164 to any other address, naming the caller as WeChat saw it (the
 * address the operator must add). jscode2session is not checked: it takes no access token, and no
 * source says WeChat applies the whitelist to it. Answers and returns false when refused.
 */
export function acceptCaller(ctx: Context, state: EmulatorState): boolean {
  const whitelist = state.settings.ip_whitelist;
  if (whitelist.length === 0) return true;
  const ipv4 = callerIpv4(ctx.ip);
  const seen = ipv4 ?? ctx.ip;
  if (whitelist.includes(seen) || whitelist.includes(ctx.ip)) return true;
  wechatError(ctx, 40164, { errmsg: ipv4 ? `invalid ip ${ipv4} ipv6 ::ffff:${ipv4}, not in whitelist` : `invalid ip ${seen}, not in whitelist` });
  return false;
}

/** The IPv4 address of a caller, also when it arrives IPv4-mapped on a dual-stack socket. */
function callerIpv4(ip: string): string | undefined {
  const bare = ip.startsWith('::ffff:') ? ip.slice(7) : ip;
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(bare) ? bare : undefined;
}
