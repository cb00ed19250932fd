import Router from '@koa/router';
import { handleErrors } from '../../http/middleware.ts';
import type { LoginServices } from '../services.ts';
import { WaitingPolls } from '../waiting-polls.ts';
import { WeChatLinks } from '../wechat-links.ts';
import { abort } from './abort.ts';
import { codeImage } from './code-image.ts';
import { complete } from './complete.ts';
import { consent } from './consent.ts';
import { interactionOfThisBrowser, type LoginPageState } from './interaction.ts';
import { loginPage } from './login-page.ts';
import { openWeChat } from './open-wechat.ts';
import { refresh } from './refresh.ts';
import type { BrowserServices } from './services.ts';
import { statusPoll } from './status-poll.ts';

/** The routes a script calls (answered in JSON); the others are pages and forms. */
const JSON_ROUTES = /\/(status|refresh|qrcode)$/;

/**
 * The browser's side of a login, under `/interaction/:uid`: each route in its own file here.
 * Every route first proves the request comes from the browser that started the interaction
 * (`interaction.ts`); any other browser gets a 4xx and learns nothing.
 */
export function browserRoutes(services: LoginServices): Router<LoginPageState> {
  const { config } = services;
  const links = new WeChatLinks(services.store, services.wechat, {
    kind: config.env.WECHAT_OPEN_LINK,
    appid: config.wechat.appid,
    page: config.env.WECHAT_PAGE,
    envVersion: config.env.WECHAT_ENV_VERSION,
    log: services.log,
  });
  // The services are extended, not copied: `provider` must be read at each request, since a
  // signing-key change replaces it (oidc/live-provider.ts).
  const page: BrowserServices = Object.assign(Object.create(services) as LoginServices, { links, polls: new WaitingPolls(config.env.STATUS_POLLS_PER_IP) });
  const router = new Router<LoginPageState>({ prefix: '/interaction/:uid' });
  router.use(handleErrors((ctx) => (JSON_ROUTES.test(ctx.path) ? 'json' : 'page')));
  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });
  router.use(interactionOfThisBrowser(services));
  router.get('/', loginPage(page));
  router.get('/open-wechat', openWeChat(page));
  router.get('/qrcode', codeImage(page));
  router.get('/status', statusPoll(page));
  router.post('/refresh', refresh(page));
  router.post('/complete', complete(page));
  router.post('/consent', consent(page));
  router.post('/abort', abort(page));
  return router;
}
