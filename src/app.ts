import { createServer, type Server } from 'node:http';
import type Koa from 'koa';
import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { JWK } from 'oidc-provider';
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
import { servedOutsideKoa } from './http/outside-koa.ts';
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
import { auditLog, type Logger } from './log.ts';
import { avatarRoutes } from './login/avatar-routes.ts';
import { browserRoutes } from './login/browser/routes.ts';
import { CodeBudget, PhoneBudget } from './login/budget.ts';
import { miniProgramRoutes } from './login/mp/routes.ts';
import { MiniProgramCodes } from './login/mini-program-codes.ts';
import type { LoginServices } from './login/services.ts';
import { Tickets } from './login/tickets.ts';
import { Accounts } from './oidc/accounts.ts';
import { SigningKeys, keySchedule, loadCookieKeys } from './oidc/keys.ts';
import { LiveProvider } from './oidc/live-provider.ts';
import { buildProvider, type ProviderDeps } from './oidc/provider.ts';
import { httpMetrics } from './metrics/http.ts';
import { configureMetrics, countWaitingPolls } from './metrics/metrics.ts';
import { createPublicMetricsApp } from './metrics/routes.ts';
import { measuredStore } from './metrics/store.ts';
import type { Store } from './store/store.ts';
import { createAccessTokenSource, type AccessTokenSource } from './wechat/access-token.ts';
import { createWeChat, type WeChat } from './wechat/client.ts';

type BrowserRouter = ReturnType<typeof browserRoutes>;

export interface Saoma {
  /** The provider serving now (a signing-key change replaces it: read it at each use). */
  readonly provider: Provider;
  server: Server;
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
  const tickets = new Tickets(store, log, config.env.TICKET_TTL_SECONDS * 1000);
  const wechat = overrides.wechat ?? createWeChat(weChatOptions(config, store, log));
  // Readiness shares the deployment's token through the store, as a second process would.
  const tokens = overrides.wechat ? undefined : createAccessTokenSource({ ...weChatOptions(config, store, log), apiBase: config.wechat.apiBase.replace(/\/$/, '') });
  const services = loginServices({ config, store, log, tickets, accounts, wechat }, () => live.current);
  const browser = browserRoutes(services);
  const deps: ProviderDeps = { config, store, log, accounts, cookieKeys, clients: configuredClients(config), signingKeys: signingKeys.current() };
  // Issue 13 (people's accounts): the service reads the provider serving now; each new provider gets the hooks and the account centre.
  const accountService = createAccountService({ store, log, accounts, provider: () => live.current, audit: auditLog(log) });
  const live = new LiveProvider(saomaProvider(deps, services, tokens, accountService, browser), deps.signingKeys, log);
  // Fail at start, not at first use, when a configured client is invalid.
  for (const client of deps.clients) await live.current.Client.find(client.client_id);
  // A rotation anywhere, or a new key's time to sign, reaches this process without a restart.
  await signingKeys.follow((keys) => live.install(keys), config.env.KEY_REFRESH_SECONDS * 1000);
  const admin = createAdmin({ config, store, log, provider: live, keys: signingKeys });
  const retention = new Retention({ accounts: accountService, store, log, days: config.env.ACCOUNT_RETENTION_DAYS, everyMs: config.env.ACCOUNT_RETENTION_SWEEP_SECONDS * 1000 });
  retention.start();
  await tickets.start();
  const stopCountingPolls = countWaitingPolls(() => tickets.waiting);
  const { server, adminServer, emulator, adminApp } = servers(config, log, { live, admin, store, cookieKeys, accountService, browser });

  return {
    get provider() { return live.current; },
    server,
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

function weChatOptions(config: Config, store: Store, log: Logger) {
  return {
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
  };
}

/** What the login routes use; `provider` is read at each use, so it is always the one serving now. */
function loginServices(base: Omit<LoginServices, 'provider' | 'codes' | 'phones'>, current: () => Provider): LoginServices {
  const { CODE_LIMIT_PER_IP, CODE_LIMIT_PER_CLIENT, CODE_LIMIT_TOTAL, CODE_LIMIT_STORE_DOWN, PHONE_MONTHLY_CAP } = base.config.env;
  const budget = new CodeBudget(base.store, base.log, { perIp: CODE_LIMIT_PER_IP, perClient: CODE_LIMIT_PER_CLIENT, total: CODE_LIMIT_TOTAL, storeDown: CODE_LIMIT_STORE_DOWN });
  return {
    ...base,
    get provider() { return current(); },
    codes: new MiniProgramCodes(base.store, base.wechat, undefined, budget),
    phones: new PhoneBudget(base.store, PHONE_MONTHLY_CAP),
  };
}

/** Builds a provider over a key set with saoma's middleware and routes in front: the first at start, another at each key change. */
function saomaProvider(deps: ProviderDeps, services: LoginServices, tokens: AccessTokenSource | undefined, accountService: AccountService, browser: BrowserRouter): (keys: JWK[]) => Provider {
  const { config, store, log } = deps;
  const health = healthRoutes(store, tokens);
  const pages = [assetRoutes(), browser, miniProgramRoutes(services), avatarRoutes(services), accountCentreRoutes(services, accountService)];
  return (keys) => {
    const provider = buildProvider(deps, keys);
    // Usage marks and background logout tokens from this instance's events (issue 13).
    accountHooks(provider, store, log);
    // Every absolute URL the provider builds names the issuer, never the request's Host.
    pinOriginToIssuer(provider, config.issuer);
    defineRequestContext(provider, log);
    // The status long-poll does not pass through these (statusPollRoute): a middleware that every
    // request needs belongs in http/server.ts's dispatch.
    provider.use(refuseCrossSitePosts(config.issuer));
    provider.use(resumeOnce(store));
    provider.use(httpMetrics());
    provider.use(brandPages(config.branding));
    for (const router of [health, brandRoutes(config.branding, provider), ...pages]) {
      provider.use(router.routes());
      provider.use(router.allowedMethods());
    }
    return provider;
  };
}

/** The main server (the provider behind saoma's side apps) and, when the admin API has its own port, the admin server. */
function servers(config: Config, log: Logger, parts: { live: LiveProvider; admin: Admin; store: Store; cookieKeys: string[]; accountService: AccountService; browser: BrowserRouter }) {
  const { routes, emulator, adminApp } = sideApps(config, log, parts);
  routes.push(statusPollRoute(parts.live, parts.browser));
  const trustProxy = config.env.TRUST_PROXY;
  const adminServer = adminApp && config.env.ADMIN_PORT !== undefined ? createServer(dispatch([], adminApp.callback(), log, { trustProxy })) : undefined;
  if (adminApp && !adminServer) routes.push({ prefixes: [config.env.ADMIN_PATH], handler: adminApp.callback() });
  const hsts = config.issuer.startsWith('https://') ? { hstsMaxAge: config.env.HSTS_MAX_AGE_SECONDS } : {};
  const server = createServer(dispatch(routes, parts.live.handler, log, { trustProxy, ...hsts }));
  capConnectionsPerAddress(server, config.env.CONNECTIONS_PER_IP, isTrustedPeer(trustProxy), log);
  // Long-polls wait up to STATUS_WAIT_SECONDS; keep sockets open a little longer than that.
  server.requestTimeout = (config.env.STATUS_WAIT_SECONDS + 30) * 1000;
  server.keepAliveTimeout = 65_000;
  return { server, adminServer, emulator, adminApp };
}

/**
 * GET /interaction/:uid/status, the login page's long-poll, reaches the browser routes without
 * Koa's request handling (http/outside-koa.ts): a waiting page costs about 2.8 KB less
 * (bench/waiting-memory.ts). Of the provider-wide middleware in `saomaProvider` it keeps the HTTP
 * metrics and needs nothing else: the cross-site refusal is for POSTs, resume-once for /auth/:uid,
 * the page brand for pages (this route answers JSON), and no other router serves this path. The
 * browser routes themselves run whole: the proof that this browser started the interaction
 * included.
 */
function statusPollRoute(live: LiveProvider, browser: BrowserRouter): Route {
  const metrics = httpMetrics();
  const routes = browser.routes() as unknown as Middleware;
  const nothingMore = async () => {};
  return {
    path: /^\/interaction\/[^/]+\/status$/,
    methods: ['GET', 'HEAD'],
    handler: servedOutsideKoa(() => live.current, (ctx) => metrics(ctx, () => routes(ctx, nothingMore))),
  };
}

/** The apps beside the provider: the emulator and the demo outside production, /metrics on the main port, the admin API. */
function sideApps(config: Config, log: Logger, { admin, store, cookieKeys, accountService }: { admin: Admin; store: Store; cookieKeys: string[]; accountService: AccountService }) {
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
  const { ADMIN_TOKEN, ADMIN_PATH, METRICS_ON_MAIN_PORT, TRUST_PROXY } = config.env;
  const trustProxy = TRUST_PROXY !== false;
  const adminApp = ADMIN_TOKEN
    ? createAdminApp({ admin: admin.service, token: ADMIN_TOKEN, prefix: ADMIN_PATH, store, log, audit: admin.audit, trustProxy, cookieKeys, accounts: accountService }).app
    : undefined;
  if (ADMIN_TOKEN && METRICS_ON_MAIN_PORT) {
    routes.push({ prefixes: ['/metrics'], handler: createPublicMetricsApp({ token: ADMIN_TOKEN, store, log, audit: admin.audit, trustProxy }).callback() });
  }
  if (adminApp) logAppErrors(adminApp, log);
  return { routes, emulator, adminApp };
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
