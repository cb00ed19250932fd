import Koa from 'koa';
import { Router } from '@koa/router';
import type { Logger } from '../log.ts';
import { accessTokenRoutes } from './access-token-routes.ts';
import { warmUpCodeImages } from './code-image.ts';
import { devRoutes } from './dev-routes.ts';
import { miniProgramCodeRoutes } from './mini-program-code-routes.ts';
import { phonePageRoutes } from './phone-page.ts';
import type { EmulatorSettingsUpdate } from './settings.ts';
import { EmulatorState } from './state.ts';
import { userRoutes } from './user-routes.ts';

export { EmulatorState } from './state.ts';
export type { EmulatorSettings, EmulatorSettingsUpdate, QuotaLimits } from './settings.ts';

export interface EmulatorOptions {
  appid: string;
  secret: string;
  /** How the emulated mini-program is set up (account type, IP whitelist, …); changeable later at /emulator/settings. */
  settings?: EmulatorSettingsUpdate;
  log: Logger;
}

export interface Emulator {
  /** The emulator on its own: `app.listen(port)`. */
  app: Koa;
  state: EmulatorState;
}

/**
 * A WeChat stand-in for development and tests, never for production: the server APIs saoma
 * calls, with WeChat's answers and errcodes, plus a simulated phone page and a control API
 * (/emulator/*). Everything it knows is in memory.
 */
export function createEmulator(options: EmulatorOptions): Emulator {
  const state = new EmulatorState();
  if (options.settings) {
    const applied = state.updateSettings(options.settings);
    if (!applied.ok) throw new Error(`invalid emulator settings: ${applied.message}`);
  }
  warmUpCodeImages();
  const router = new Router();
  const credentials = { appid: options.appid, secret: options.secret };
  accessTokenRoutes(router, state, credentials);
  miniProgramCodeRoutes(router, state);
  userRoutes(router, state, credentials);
  devRoutes(router, state, options.appid);
  phonePageRoutes(router, { appid: options.appid });

  const routes = router.routes();
  const log = options.log.child({ component: 'wechat-emulator' });
  // Bad input is answered by the routes; this is for bugs.
  const app = new Koa();
  app.use(async (ctx, next) => {
    try {
      await routes(ctx as Parameters<typeof routes>[0], next);
    } catch (err) {
      log.error({ err, path: ctx.path }, 'emulator failed');
      ctx.status = 500;
      ctx.type = 'application/json';
      ctx.body = JSON.stringify({ errcode: -1, errmsg: 'system error (an emulator bug: see the server log)' });
    }
  });
  return { app, state };
}
