import { configuredClients } from '../admin/setup.ts';
import { CLIENT_INDEX, ClientRegistry } from '../admin/registry.ts';
import { ConfigError, loadConfig, type Config } from '../config/load.ts';
import { createLogger } from '../log.ts';
import { openStore } from '../store/open.ts';
import type { Store } from '../store/store.ts';
import type { CheckResult, DoctorContext } from './check.ts';
import { CHECKS } from './checks.ts';
import { probeWeChat } from './wechat-probe.ts';

/** Bound on each network step of the checks that are not WeChat calls (the issuer, Redis). */
const STEP_TIMEOUT_MS = 5_000;

export interface DoctorReport {
  /** What was checked, for the report's first line (no secret in it). */
  subject: { issuer?: string; wechat?: string; store?: string };
  checks: CheckResult[];
}

/**
 * Checks a deployment as configured by `environment` (the servers' environment): every check runs,
 * each bounded in time, and one that cannot run says why instead of failing the others. Never
 * throws; never forces a token refresh; never buys a phone number; writes nothing to the store.
 */
export async function runDoctor(environment: NodeJS.ProcessEnv): Promise<DoctorReport> {
  const production = environment.NODE_ENV === 'production';
  const loaded = load(environment, production);
  if (!loaded.config) {
    const [first, ...rest] = CHECKS;
    return {
      subject: {},
      checks: [
        { id: first!.id, title: first!.title, status: 'fail', message: `saoma would refuse to start: ${loaded.problems.join('; ')}`, fix: 'Fix each problem named here (docs/configuration.md lists every variable), then run saoma doctor again.' },
        ...rest.map((check) => ({ id: check.id, title: check.title, status: 'skipped' as const, message: 'not checked: the configuration does not load' })),
      ],
    };
  }
  const config = loaded.config;
  let store: Promise<Store> | undefined;
  const context: DoctorContext = {
    config,
    production,
    configProblems: loaded.problems,
    wechat: probeWeChat(config, production),
    timeoutMs: STEP_TIMEOUT_MS,
    phoneWebsites: async () => {
      let complete = true;
      const clients = configuredClients(config).map((c) => ({ client_id: c.client_id, scope: typeof c.scope === 'string' ? c.scope : null }));
      if (config.store.kind !== 'memory') {
        try {
          store ??= openStore(config.store, { keyPrefix: config.env.REDIS_KEY_PREFIX, commandTimeoutMs: STEP_TIMEOUT_MS, connectTimeoutMs: STEP_TIMEOUT_MS, log: createLogger('silent') });
          // Read only: the registry's `get` for each listed id (its `list` would tidy the index, a write).
          const opened = await store;
          const registry = new ClientRegistry({ store: opened, configured: [], production, check: async () => undefined, revokeGrants: async () => 0 });
          for (const id of await opened.indexMembers(CLIENT_INDEX)) {
            const client = await registry.get(id).catch(() => undefined);
            if (client) clients.push(client);
          }
        } catch {
          complete = false;
        }
      }
      const ids = clients.filter((c) => c.scope === null || c.scope.split(/\s+/).includes('phone')).map((c) => c.client_id);
      return { ids, complete };
    },
  };

  const deadline = 4 * config.env.WECHAT_TIMEOUT_MS + 3 * STEP_TIMEOUT_MS;
  try {
    const checks = await Promise.all(CHECKS.map(async (check): Promise<CheckResult> => {
      try {
        const verdict = await bounded(check.run(context), deadline);
        return { id: check.id, title: check.title, ...verdict };
      } catch (err) {
        const why = err instanceof Timeout ? `did not finish within ${deadline / 1000} s` : `the check itself failed (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`;
        return { id: check.id, title: check.title, status: 'skipped', message: `not checked: ${why}` };
      }
    }));
    return { subject: subjectOf(config, context.wechat.target), checks };
  } finally {
    if (store) await store.then((s) => s.close(), () => {});
  }
}

/**
 * The configuration as saoma loads it. In production, when only production's own rules fail
 * (no cookie keys, an http issuer…), it is loaded again without them so that every other check
 * still runs; the problems are reported by the "Configuration" line and the lines they concern.
 */
function load(environment: NodeJS.ProcessEnv, production: boolean): { config?: Config; problems: string[] } {
  try {
    return { config: loadConfig(environment), problems: [] };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    if (!production) return { problems: err.problems };
    try {
      const relaxed = loadConfig({ ...environment, NODE_ENV: 'development' });
      return { config: { ...relaxed, production: true, demo: relaxed.env.DEMO ?? false }, problems: err.problems };
    } catch {
      return { problems: err.problems };
    }
  }
}

function subjectOf(config: Config, wechat: string): DoctorReport['subject'] {
  const store = config.store;
  let where = 'the in-memory store';
  if (store.kind === 'redis') where = URL.canParse(store.url) ? `Redis at ${new URL(store.url).hostname}:${new URL(store.url).port || 6379}` : 'Redis';
  if (store.kind === 'sentinel') where = `Redis Sentinel master ${store.name}`;
  if (store.kind === 'cluster') where = `Redis Cluster (${store.nodes.length} seed nodes)`;
  return { issuer: config.issuer, wechat: `${wechat} (AppID ${config.wechat.appid})`, store: where };
}

class Timeout extends Error {}

function bounded<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Timeout()), ms)))]).finally(() => clearTimeout(timer));
}
