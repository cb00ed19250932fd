import { createServer, type Server } from 'node:http';
import type Koa from 'koa';
import type Provider from 'oidc-provider';
import { createAdminApp } from './admin/app.ts';
import { accountHooks, createAccountService } from './accounts/setup.ts';
import type { AccountService } from './accounts/service.ts';
import { accountCentreRoutes } from './account-centre/routes.ts';
import { Retention } from './accounts/retention.ts';
import { configuredClients, createAdmin, type Admin } from './admin/setup.ts';
import type { Config } from './config/load.ts';
import { createDemo } from './demo/rp.ts';
import { createEmulator, type Emulator } from './emulator/emulator.ts';
import { settingsFromEnv } from './emulator/settings.ts';
import { dispatch, type Route } from './http/server.ts';
import { capConnectionsPerAddress } from './http/connection-cap.ts';
import { defineRequestContext, logAppErrors } from './http/middleware.ts';
import { isTrustedPeer } from './http/proxy.ts';
import { assetRoutes } from './http/assets.ts';
import { brandPages } from './branding/page.ts';
import { brandRoutes } from './branding/routes.ts';
import { healthRoutes } from './http/health.ts';
import { refuseCrossSitePosts } from './http/same-origin.ts';
import { pinOriginToIssuer } from './http/issuer-origin.ts';
import { resumeOnce } from './login/resume-once.ts';
import type { Logger } from './log.ts';
import { avatarRoutes } from './login/avatar-routes.ts';
import { browserRoutes } from './login/browser/routes.ts';
import { CodeBudget, PhoneBudget } from './login/budget.ts';
import { miniProgramRoutes } from './login/mp/routes.ts';
import { MiniProgramCodes } from './login/mini-program-codes.ts';
import { Tickets } from './login/tickets.ts';
import { Accounts } from './oidc/accounts.ts';
import { SigningKeys, keySchedule, loadCookieKeys } from './oidc/keys.ts';
import { installSigningKeys } from './oidc/keystore.ts';
import { createProvider } from './oidc/provider.ts';
import { httpMetrics } from './metrics/http.ts';
import { configureMetrics, countWaitingPolls } from './metrics/metrics.ts';
import { createPublicMetricsApp } from './metrics/routes.ts';
import { measuredStore } from './metrics/store.ts';
import type { Store } from './store/store.ts';
import { createAccessTokenSource } from './wechat/access-token.ts';
import { createWeChat, type WeChat } from './wechat/client.ts';

export interface Saoma {
  server: Server;
  provider: Provider;
  tickets: Tickets;
  accounts: Accounts;
  /** People's accounts: admin API, account centre, retention (issue 13). */
  accountService: AccountService;
  /** The built-in WeChat emulator, when this process serves it. */
  emulator: Emulator | undefined;
  /** Clients, signing keys and registration tokens, with the audit trail. */
  admin: Admin;
  signingKeys: SigningKeys;
  /** The admin API, when ADMIN_TOKEN is set (under ADMIN_PATH, or on `adminServer`). */
  adminApp: Koa | undefined;
  /** The admin API's own server, when ADMIN_PORT is set. */
  adminServer: Server | undefined;
  /** Resolves with the main port once listening (and the admin port, when it has its own). */
  listen(): Promise<number>;
  close(): Promise<void>;
}

/**
 * Builds one saoma process over an opened store: the provider with saoma's routes in front of it,
 * plus, outside production, the WeChat emulator and the demo relying party on the same server.
 */
export async function createSaoma(config: Config, rawStore: Store, log: Logger, overrides: { wechat?: WeChat } = {}): Promise<Saoma> {
  configureMetrics({ log, phonePriceYuan: config.env.WECHAT_PHONE_PRICE_YUAN });
  const store = measuredStore(rawStore);
  const cookieKeys = await loadCookieKeys(store, config.env.COOKIE_KEYS);
  const accounts = new Accounts(store);
  const signingKeys = await SigningKeys.open(store, log, keySchedule(config.env));
  const provider = await createProvider({ config, store, log, accounts, cookieKeys, clients: configuredClients(config), signingKeys: signingKeys.current() });
  // Every absolute URL the provider builds names the issuer, never the request's Host.
  pinOriginToIssuer(provider, config.issuer);
  // A rotation anywhere, or a new key's time to sign, reaches this process without a restart.
  await signingKeys.follow((keys) => installSigningKeys(provider, keys), config.env.KEY_REFRESH_SECONDS * 1000);
  const admin = createAdmin({ config, store, log, provider, keys: signingKeys });
  // Issue 13 (people's accounts): the hooks go on every serving Provider instance; the service asks for the current one.
  accountHooks(provider, store, log);
  const accountService = createAccountService({ store, log, accounts, provider: () => provider, audit: admin.audit });
  const retention = new Retention({ accounts: accountService, store, log, days: config.env.ACCOUNT_RETENTION_DAYS, everyMs: config.env.ACCOUNT_RETENTION_SWEEP_SECONDS * 1000 });
  retention.start();
  const tickets = new Tickets(store, log, config.env.TICKET_TTL_SECONDS * 1000);
  await tickets.start();
  const stopCountingPolls = countWaitingPolls(() => tickets.waiting);
  const wechat = overrides.wechat ?? createWeChat({
    appid: config.wechat.appid,
    secret: config.wechat.secret,
    apiBase: config.wechat.apiBase,
    timeoutMs: config.env.WECHAT_TIMEOUT_MS,
    page: config.env.WECHAT_PAGE,
    envVersion: config.env.WECHAT_ENV_VERSION,
    checkPath: config.env.WECHAT_CHECK_PATH,
    width: config.env.WECHAT_CODE_WIDTH,
    store,
    log,
  });
  const { CODE_LIMIT_PER_IP, CODE_LIMIT_PER_CLIENT, CODE_LIMIT_TOTAL, CODE_LIMIT_STORE_DOWN, PHONE_MONTHLY_CAP } = config.env;
  const budget = new CodeBudget(store, log, { perIp: CODE_LIMIT_PER_IP, perClient: CODE_LIMIT_PER_CLIENT, total: CODE_LIMIT_TOTAL, storeDown: CODE_LIMIT_STORE_DOWN });
  const codes = new MiniProgramCodes(store, wechat, undefined, budget);
  const services = { config, store, log, provider, tickets, accounts, wechat, codes, phones: new PhoneBudget(store, PHONE_MONTHLY_CAP) };

  defineRequestContext(provider, log);
  provider.use(refuseCrossSitePosts(config.issuer));
  provider.use(resumeOnce(store));
  provider.use(httpMetrics());
  provider.use(brandPages(config.branding));
  // Readiness shares the deployment's token through the store, as a second process would.
  const tokens = overrides.wechat ? undefined : createAccessTokenSource({
    appid: config.wechat.appid, secret: config.wechat.secret, apiBase: config.wechat.apiBase.replace(/\/$/, ''), timeoutMs: config.env.WECHAT_TIMEOUT_MS, store, log,
  });
  for (const router of [healthRoutes(store, tokens), brandRoutes(config.branding, provider), assetRoutes(), browserRoutes(services), miniProgramRoutes(services), avatarRoutes(services), accountCentreRoutes(services, accountService)]) {
    provider.use(router.routes());
    provider.use(router.allowedMethods());
  }

  const routes: Route[] = [];
  let emulator: Emulator | undefined;
  if (config.wechat.embeddedEmulator && !config.production) {
    emulator = createEmulator({ appid: config.wechat.appid, secret: config.wechat.secret, settings: settingsFromEnv(config.env), log });
    logAppErrors(emulator.app, log);
    routes.push({ prefixes: ['/cgi-bin', '/sns', '/wxa', '/emulator'], handler: emulator.app.callback() });
  }
  if (config.demo) {
    const demo = createDemo(config.issuer, cookieKeys);
    logAppErrors(demo, log);
    routes.push({ prefixes: ['/demo'], handler: demo.callback() });
  }
  const adminApp = config.env.ADMIN_TOKEN
    ? createAdminApp({ admin: admin.service, token: config.env.ADMIN_TOKEN, prefix: config.env.ADMIN_PATH, store, log, audit: admin.audit, trustProxy: config.env.TRUST_PROXY !== false, cookieKeys, accounts: accountService }).app
    : undefined;
  if (config.env.ADMIN_TOKEN && config.env.METRICS_ON_MAIN_PORT) {
    routes.push({ prefixes: ['/metrics'], handler: createPublicMetricsApp({ token: config.env.ADMIN_TOKEN, store, log, audit: admin.audit, trustProxy: config.env.TRUST_PROXY !== false }).callback() });
  }
  const ownAdminPort = adminApp && config.env.ADMIN_PORT !== undefined;
  if (adminApp) logAppErrors(adminApp, log);
  if (adminApp && !ownAdminPort) routes.push({ prefixes: [config.env.ADMIN_PATH], handler: adminApp.callback() });
  const adminServer = ownAdminPort ? createServer(dispatch([], adminApp.callback(), log, { trustProxy: config.env.TRUST_PROXY })) : undefined;
  const hsts = config.issuer.startsWith('https://') ? { hstsMaxAge: config.env.HSTS_MAX_AGE_SECONDS } : {};
  const server = createServer(dispatch(routes, provider.callback(), log, { trustProxy: config.env.TRUST_PROXY, ...hsts }));
  capConnectionsPerAddress(server, config.env.CONNECTIONS_PER_IP, isTrustedPeer(config.env.TRUST_PROXY), log);
  // Long-polls wait up to STATUS_WAIT_SECONDS; keep sockets open a little longer than that.
  server.requestTimeout = (config.env.STATUS_WAIT_SECONDS + 30) * 1000;
  server.keepAliveTimeout = 65_000;

  return {
    server,
    provider,
    tickets,
    accounts,
    accountService,
    emulator,
    admin,
    signingKeys,
    adminApp,
    adminServer,
    listen: async () => {
      if (adminServer) await listen(adminServer, config.env.ADMIN_PORT!, config.env.ADMIN_HOST);
      return listen(server, config.port, config.host);
    },
    close: async () => {
      stopCountingPolls();
      retention.stop();
      await tickets.stop();
      await signingKeys.stop();
      for (const s of adminServer ? [server, adminServer] : [server]) {
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
