import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { Config } from '../../config/load.ts';
import { hostPort } from '../../store/redis.ts';
import { fail, ok, skipped, warn, type Check } from '../check.ts';

interface Persistence { appendonly: string; policy: string; via: 'CONFIG GET' | 'INFO' }

/**
 * Redis keeps what cannot be rebuilt (accounts, signing keys, websites): it needs the append-only
 * file (`appendonly yes`) and must never evict (`maxmemory-policy noeviction`), see
 * docs/operations.md. Read with CONFIG GET, or INFO where CONFIG is disabled (managed Redis).
 * Every master of a Cluster is asked.
 */
export const redisPersistence: Check = {
  id: 'redis_persistence',
  title: 'Redis persistence',
  async run({ config, production, timeoutMs }) {
    const store = config.store;
    if (store.kind === 'memory') {
      if (production) return fail('no Redis: the in-memory store loses every login and account on restart', 'Set REDIS_URL (or REDIS_SENTINELS / REDIS_CLUSTER_NODES) as on the servers.');
      return skipped('not applicable: the in-memory store (development) keeps nothing across restarts');
    }
    const where = describeTarget(store);
    let found: Array<{ node: string; persistence: Persistence }>;
    try {
      found = await readPersistence(store, timeoutMs);
    } catch (err) {
      return fail(`could not ask Redis (${where}): ${reason(err)}`, 'Start Redis, or correct REDIS_URL / REDIS_SENTINELS / REDIS_CLUSTER_NODES (and the password in it); saoma answers 503 to every login while its store does not answer.');
    }
    const problems: string[] = [];
    const lines = new Set<string>();
    for (const { node, persistence } of found) {
      const at = found.length > 1 ? ` on ${node}` : '';
      if (persistence.appendonly !== 'yes') {
        problems.push(`appendonly ${persistence.appendonly}${at}: a Redis restart loses every account (people come back with a new sub), grant and signing key`);
        lines.add('appendonly yes').add('appendfsync everysec');
      }
      if (persistence.policy !== 'noeviction') {
        problems.push(`maxmemory-policy ${persistence.policy}${at}: when memory runs short Redis may throw away accounts or signing keys`);
        lines.add('maxmemory-policy noeviction');
      }
    }
    const via = found[0]?.persistence.via ?? 'CONFIG GET';
    if (!problems.length) return ok(`${where}: appendonly yes, maxmemory-policy noeviction (read with ${via})`);
    const fix = `In redis.conf${found.length > 1 ? ' of every master' : ''}:\n${[...lines].map((l) => `    ${l}`).join('\n')}\nthen restart Redis (or apply at once: redis-cli CONFIG SET <name> <value>, then CONFIG REWRITE). See docs/operations.md.`;
    const message = `${where}: ${problems.join('; ')}`;
    return production ? fail(message, fix) : warn(message, fix);
  },
};

/** Where the store is, without any password that REDIS_URL may carry. */
function describeTarget(store: Exclude<Config['store'], { kind: 'memory' }>): string {
  if (store.kind === 'sentinel') return `Sentinel master ${store.name}`;
  if (store.kind === 'cluster') return `Cluster at ${store.nodes.join(', ')}`;
  try {
    const url = new URL(store.url);
    return `${url.hostname}:${url.port || 6379}`;
  } catch {
    return 'REDIS_URL';
  }
}

async function readPersistence(store: Exclude<Config['store'], { kind: 'memory' }>, timeoutMs: number): Promise<Array<{ node: string; persistence: Persistence }>> {
  // One try, bounded: the doctor reports a dead Redis, it does not wait for it to come back.
  const options = {
    lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null,
    connectTimeout: timeoutMs, commandTimeout: timeoutMs, connectionName: 'saoma-doctor',
  } satisfies RedisOptions;
  let client: Redis | Cluster;
  if (store.kind === 'redis') client = new Redis(store.url, options);
  else if (store.kind === 'sentinel') client = new Redis({ ...options, sentinels: store.sentinels.map((n) => hostPort(n, 26379)), name: store.name, sentinelRetryStrategy: () => null });
  else client = new Cluster(store.nodes.map((n) => hostPort(n, 6379)), { lazyConnect: true, enableOfflineQueue: false, clusterRetryStrategy: () => null, redisOptions: options });
  // The connection's own error (ECONNREFUSED, WRONGPASS…) says more than "Connection is closed".
  let cause: unknown;
  client.on('error', (err) => { cause ??= err; });
  try {
    await withTimeout(client.connect(), timeoutMs).catch((err) => { throw cause ?? err; });
    const nodes = client instanceof Cluster ? client.nodes('master') : [client];
    return await Promise.all(nodes.map(async (node) => ({ node: `${node.options.host}:${node.options.port}`, persistence: await withTimeout(persistenceOf(node), timeoutMs * 2) })));
  } finally {
    client.disconnect();
  }
}

async function persistenceOf(node: Redis): Promise<Persistence> {
  try {
    const [, appendonly] = (await node.config('GET', 'appendonly')) as string[];
    const [, policy] = (await node.config('GET', 'maxmemory-policy')) as string[];
    if (appendonly !== undefined && policy !== undefined) return { appendonly, policy, via: 'CONFIG GET' };
  } catch (err) {
    // CONFIG renamed away or refused by an ACL: INFO says the same.
    if (!/unknown command|NOPERM|no permissions/i.test((err as Error).message)) throw err;
  }
  const info = `${await node.info('persistence')}\n${await node.info('memory')}`;
  const field = (name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim();
  return { appendonly: field('aof_enabled') === '1' ? 'yes' : 'no', policy: field('maxmemory_policy') ?? 'unknown', via: 'INFO' };
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const message = err instanceof Error ? err.message : String(err);
  // ioredis messages name host and port, never the password; keep the first line only.
  return (code && !message.includes(code) ? `${code}: ${message}` : message).split('\n')[0]!;
}
