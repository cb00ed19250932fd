import type { Context, Next } from 'koa';
import { rateLimit } from '../../http/rate-limit.ts';
import { storeKeys } from '../../store/keys.ts';
import { toSaomaError } from '../../wechat/errors.ts';
import type { WeChatIdentity } from '../../oidc/accounts.ts';
import type { LoginServices } from '../services.ts';

/**
 * The edge of every `/mp/*` route (the login's and the account centre's): never cached, and one
 * per-address budget for all of them, so a second router does not double anyone's allowance.
 */
export function mpEdge({ store, config }: LoginServices) {
  return async (ctx: Context, next: Next) => {
    ctx.set('Cache-Control', 'no-store');
    await rateLimit(store, storeKeys.miniProgramCalls(ctx.ip), config.env.MP_RATE_LIMIT_PER_IP, 60_000);
    await next();
  };
}

/** Who a fresh wx.login `code` belongs to: one jscode2session, WeChat's refusals as our errors. */
export async function wechatIdentityOf({ wechat, config }: LoginServices, code: string): Promise<WeChatIdentity> {
  let session;
  try {
    session = await wechat.exchangeCode(code);
  } catch (err) {
    throw toSaomaError(err);
  }
  return { appid: config.wechat.appid, openid: session.openid, ...(session.unionid ? { unionid: session.unionid } : {}) };
}
