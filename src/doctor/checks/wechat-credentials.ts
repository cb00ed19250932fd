import { fail, ok, skipped, type Check } from '../check.ts';
import { describeFailure, errcodeOf, unreachable } from '../wechat-probe.ts';

const CONSOLE = 'mp.weixin.qq.com → 开发 → 开发管理 → 开发设置 (Development → Development settings)';

/** The AppID and AppSecret get an access token: stable_token in normal mode, never forcing a refresh. */
export const wechatCredentials: Check = {
  id: 'wechat_credentials',
  title: 'AppID and secret',
  async run({ config, wechat }) {
    const answer = await wechat.token();
    const appid = config.wechat.appid;
    if (answer.ok) return ok(`${wechat.target} gave an access token to ${appid} (stable_token, no forced refresh)`);
    if (answer.blocked) return skipped(`not checked: ${answer.blocked}`);
    const how = describeFailure(answer.error);
    if (unreachable(answer)) {
      return fail(`${how} at ${config.wechat.apiBase}`, `Let this server reach ${config.wechat.apiBase} (outbound HTTPS on port 443: firewall, proxy, DNS), or correct WECHAT_API_BASE. Every login needs WeChat.`);
    }
    switch (errcodeOf(answer)) {
      case 40013:
        return fail(`WeChat does not know the AppID ${appid} (${how})`, `Set WECHAT_APPID to the mini-program's AppID, as shown in ${CONSOLE}.`);
      case 40001:
      case 40125:
        return fail(`WeChat refused the AppSecret for ${appid} (${how})`, `Set WECHAT_SECRET to the mini-program's AppSecret from ${CONSOLE}; if nobody kept it, reset it there (the old one stops working at once) and update every saoma process.`);
      case 40243:
        return fail(`the AppSecret of ${appid} is frozen (${how})`, `Unfreeze the AppSecret in ${CONSOLE}.`);
      case 40164:
        return skipped('not checked: WeChat refused this server\'s IP address before looking at the secret (errcode 40164); see "API IP whitelist"');
      case 45009:
        return fail(`WeChat's daily access-token quota is used up (${how})`, 'Wait until tomorrow, or reset the quota in the mini-program console (接口调用频次 / clear_quota); find what else fetches tokens for this AppID.');
      case -1:
        return skipped(`not checked: WeChat was busy (${how})`, 'Run saoma doctor again in a minute.');
      default:
        return fail(`stable_token failed: ${how}`, `Check WECHAT_APPID and WECHAT_SECRET against ${CONSOLE}.`);
    }
  },
};
