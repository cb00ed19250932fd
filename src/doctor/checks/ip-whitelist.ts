import { fail, ok, skipped, type Check } from '../check.ts';
import { errcodeOf, type Outcome } from '../wechat-probe.ts';
import { WeChatApiError } from '../../wechat/errors.ts';

const WHITELIST = 'mp.weixin.qq.com → 开发 → 开发管理 → 开发设置 → IP白名单 (Development → Development settings → IP whitelist)';

/**
 * WeChat answers 40164 to calls from an address missing from the mini-program's API IP whitelist,
 * and its errmsg names the address it saw (`invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in
 * whitelist`): that is the one to add, whatever this machine thinks its own address is (NAT).
 */
export const ipWhitelist: Check = {
  id: 'ip_whitelist',
  title: 'API IP whitelist',
  async run({ wechat }) {
    const token = await wechat.token();
    const calls: Array<Outcome<unknown>> = [token];
    if (token.ok) calls.push(await wechat.code(true), await wechat.urlLink(), await wechat.phone());
    const refused = calls.find((call) => errcodeOf(call) === 40164);
    if (refused && !refused.ok) {
      const address = addressIn(refused.error instanceof WeChatApiError ? refused.error.errmsg : '');
      if (address) {
        return fail(`WeChat saw this server as ${address}, which is not in the mini-program's API IP whitelist (errcode 40164)`, `Add ${address} in ${WHITELIST}. Add every address saoma calls WeChat from (each server, NAT gateway or region).`);
      }
      return fail('this server\'s address is not in the mini-program\'s API IP whitelist (errcode 40164)', `Add this server's public outbound address in ${WHITELIST}.`);
    }
    if (!token.ok) return skipped(`not checked: ${token.blocked ?? 'no access token (see "AppID and secret")'}`);
    return ok('WeChat accepts calls from this server');
  },
};

/** The IPv4 or IPv6 address WeChat names in a 40164 errmsg. */
export function addressIn(errmsg: string): string | undefined {
  return /invalid ip ([0-9A-Fa-f.:]+)/.exec(errmsg)?.[1]?.replace(/,$/, '');
}
