import Router from '@koa/router';
import type { Store } from '../store/store.ts';
import type { AccessTokenSource } from '../wechat/access-token.ts';
import { wechatReadiness, type WeChatReadiness } from '../wechat/token-status.ts';

type Check = { status: 'ready' | 'not_ready'; error_description?: string } | WeChatReadiness;

/**
 * `/healthz`: the process is up. `/readyz`: it can serve logins — the store answers and WeChat
 * gives the deployment an access token — each check with its own status; 503 when one fails.
 * `tokens` is absent when WeChat is replaced (tests with a stand-in): then only the store is checked.
 */
export function healthRoutes(store: Store, tokens?: AccessTokenSource): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const checks: Record<string, Check> = {};
    checks.store = await store.ping().then(
      () => ({ status: 'ready' as const }),
      () => ({ status: 'not_ready' as const, error_description: 'The store is unreachable.' }),
    );
    if (tokens) {
      checks.wechat = checks.store.status === 'ready'
        ? await wechatReadiness(store, tokens).catch(() => ({ status: 'not_ready' as const, error_description: 'The access token could not be checked (the store failed).' }))
        : { status: 'not_ready', error_description: 'The access token is kept in the store, which is unreachable.' };
    }
    const ready = Object.values(checks).every((check) => check.status === 'ready');
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'not_ready', checks };
  });
  return router;
}
