import { Cluster, Redis, ReplyError, type ClusterOptions, type RedisOptions } from 'ioredis';
import { SaomaError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Store, Unsubscribe } from './store.ts';

/** Where the Redis is: one server, a Sentinel-monitored master, or a Cluster. */
export type RedisTarget =
  | { kind: 'redis'; url: string }
  | { kind: 'sentinel'; sentinels: string[]; name: string }
  | { kind: 'cluster'; nodes: string[] };

export interface RedisStoreOptions {
  /** Prefix of every key and channel, so deployments (and tests) can share one Redis. */
  keyPrefix: string;
  /** No call waits longer than this for Redis; it fails with `unavailable` instead. */
  commandTimeoutMs: number;
  log: Logger;
  /** How long `connect()` waits for the first connection (default 10 s). */
  connectTimeoutMs?: number;
}

/**
 * The `Store` on Redis (standalone, Sentinel or Cluster). Each operation is one server-side atomic
 * step on one key (a command or a Lua script), so it holds on Cluster without CROSSSLOT errors.
 *
 * When Redis goes away nothing waits for it: there is no offline queue, a command in flight when
 * the connection drops fails at once and is never resent (a resent `create` or `increment` could
 * answer wrongly), and everything else is bounded by `commandTimeoutMs`. Such failures become
 * `SaomaError('unavailable')`. The connections reconnect forever with capped backoff, so the
 * process recovers without a restart.
 *
 * Pub/sub runs on one dedicated subscriber connection (in Cluster mode, ioredis's own subscriber
 * connection) with local fan-out: Redis sees one subscription per channel however many handlers
 * this process has on it. A value written by someone else that is not what this store writes
 * (a key of the wrong type, a counter that is not a number) is treated as absent and logged.
 */
export class RedisStore implements Store {
  readonly #prefix: string;
  readonly #timeoutMs: number;
  /** Whether each call needs our own deadline on top of ioredis's `commandTimeout` (Cluster only). */
  readonly #ownDeadline: boolean;
  readonly #connectTimeoutMs: number;
  readonly #log: Logger;
  readonly #client: Redis | Cluster;
  /** Commands defined as Lua scripts on `#client`. */
  readonly #scripts: Scripts;
  /** The subscriber connection; the same object as `#client` in Cluster mode. */
  readonly #sub: Redis | Cluster;
  readonly #channels = new Map<string, Channel>();
  /**
   * Whether the subscriber connection is up and its channels' `live` promises belong to it.
   * ioredis emits 'ready' a tick after its status says so; this flag flips only once our
   * listener has resubscribed. (Cluster: ioredis manages its subscriber; always true.)
   */
  #subUp = false;
  #closed = false;

  constructor(target: RedisTarget, options: RedisStoreOptions) {
    this.#prefix = options.keyPrefix;
    this.#timeoutMs = options.commandTimeoutMs;
    this.#ownDeadline = target.kind === 'cluster';
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.#log = options.log;
    const common = commonOptions(options.commandTimeoutMs);
    if (target.kind === 'cluster') {
      const cluster = clusterClient(target.nodes, common);
      this.#client = cluster;
      this.#sub = cluster;
      this.#subUp = true;
      cluster.on('message', (channel: string, message: string) => this.#deliver(channel, message));
      this.#watch(cluster, 'store');
      cluster.on('node error', (err: Error) => this.#log.debug({ err: safeError(err) }, 'redis cluster node error'));
    } else {
      const client = serverClient(target, common);
      // We resubscribe ourselves: ioredis's autoResubscribe drops the SUBSCRIBE promise, so a
      // resubscribe that fails (Redis flapping) would be an unhandled rejection.
      const sub = client.duplicate({ autoResubscribe: false, scripts: undefined, connectionName: 'saoma-sub' });
      this.#client = client;
      this.#sub = sub;
      sub.on('message', (channel: string, message: string) => this.#deliver(channel, message));
      sub.on('ready', () => this.#resubscribe());
      sub.on('close', () => { this.#subUp = false; });
      this.#watch(client, 'store');
      this.#watch(sub, 'store subscriber');
    }
    this.#scripts = this.#client as unknown as Scripts;
  }

  /** Connects both connections; rejects with `unavailable` (and closes) if Redis stays away. */
  async connect(): Promise<this> {
    try {
      const clients = this.#sub === this.#client ? [this.#client] : [this.#client, this.#sub];
      await Promise.all(clients.map((client) => ready(client, this.#connectTimeoutMs)));
      return this;
    } catch (err) {
      await this.close();
      throw unavailable(err);
    }
  }

  async get(key: string): Promise<string | undefined> {
    const value = await this.#run('get', key, () => this.#client.get(this.#key(key)), () => null);
    return value ?? undefined;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    const px = pxOf(ttlMs);
    await this.#run('set', key, () => px === undefined
      ? this.#client.set(this.#key(key), value)
      : this.#client.set(this.#key(key), value, 'PX', px));
  }

  async create(key: string, value: string, ttlMs?: number): Promise<boolean> {
    const px = pxOf(ttlMs);
    const reply = await this.#run('create', key, () => px === undefined
      ? this.#client.set(this.#key(key), value, 'NX')
      : this.#client.set(this.#key(key), value, 'PX', px, 'NX'));
    return reply === 'OK';
  }

  async compareAndSet(key: string, expected: string, value: string, ttlMs?: number): Promise<boolean> {
    const px = pxOf(ttlMs);
    const reply = await this.#run('compareAndSet', key, () => this.#scripts.saomaCompareAndSet(this.#key(key), expected, value, px ?? ''));
    if (reply === WRONG_TYPE) this.#warnWrongType('compareAndSet', key);
    return reply === 1;
  }

  async delete(key: string): Promise<boolean> {
    return (await this.#run('delete', key, () => this.#client.del(this.#key(key)))) > 0;
  }

  async deleteIfEquals(key: string, expected: string): Promise<boolean> {
    const reply = await this.#run('deleteIfEquals', key, () => this.#scripts.saomaDeleteIfEquals(this.#key(key), expected));
    if (reply === WRONG_TYPE) this.#warnWrongType('deleteIfEquals', key);
    return reply === 1;
  }

  async increment(key: string, ttlMs: number): Promise<number> {
    const [count, repaired] = await this.#run('increment', key, () => this.#scripts.saomaIncrement(this.#key(key), pxOf(ttlMs) ?? ''));
    if (repaired) this.#warnWrongType('increment', key);
    return count;
  }

  async indexAdd(index: string, member: string, ttlMs?: number): Promise<void> {
    const repaired = await this.#run('indexAdd', index, () => this.#scripts.saomaIndexAdd(this.#key(index), member, pxOf(ttlMs) ?? ''));
    if (repaired) this.#warnWrongType('indexAdd', index);
  }

  async indexMembers(index: string): Promise<string[]> {
    return this.#run('indexMembers', index, () => this.#client.smembers(this.#key(index)), () => []);
  }

  async indexRemove(index: string, member: string): Promise<void> {
    await this.#run('indexRemove', index, () => this.#client.srem(this.#key(index), member), () => 0);
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.#run('publish', channel, () => this.#client.publish(this.#key(channel), message));
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<Unsubscribe> {
    const name = this.#key(channel);
    let entry = this.#channels.get(name);
    if (!entry) {
      entry = { handlers: new Set(), live: this.#subscribeAtRedis([name]) };
      this.#channels.set(name, entry);
    } else if (!this.#subscriberUp()) {
      // The channel is known but its subscription died with the connection; it is not live.
      throw unavailable(new Error(`subscriber connection is ${this.#sub.status}`));
    }
    const joined = entry;
    joined.handlers.add(handler);
    let subscribed = true;
    const unsubscribe = async (): Promise<void> => {
      if (!subscribed) return;
      subscribed = false;
      joined.handlers.delete(handler);
      if (joined.handlers.size > 0 || this.#channels.get(name) !== joined) return;
      this.#channels.delete(name);
      if (this.#closed) return;
      // Best effort: if Redis is away the subscription dies with the connection anyway, and a
      // reconnect resubscribes only the channels that still have handlers.
      await this.#run('unsubscribe', channel, () => this.#sub.unsubscribe(name)).catch((err: unknown) => {
        this.#log.debug({ err: safeError(err) }, 'redis unsubscribe failed; the channel is dropped at the next reconnect');
      });
    };
    try {
      await joined.live;
    } catch (err) {
      await unsubscribe();
      throw err;
    }
    return unsubscribe;
  }

  async ping(): Promise<void> {
    await this.#run('ping', '', () => this.#client.ping());
    if (!this.#subscriberUp()) throw unavailable(new Error(`subscriber connection is ${this.#sub.status}`));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#channels.clear();
    const clients = this.#sub === this.#client ? [this.#client] : [this.#client, this.#sub];
    await Promise.all(clients.map((client) => this.#quit(client)));
  }

  #key(key: string): string {
    return this.#prefix + key;
  }

  /**
   * Runs one Redis call under the command timeout. On a server or a Sentinel-named master every
   * command goes through ioredis's `Redis.sendCommand`, which arms `commandTimeout` on it (and with
   * no offline queue, a command that cannot be written fails at once), so a second timer of ours
   * would only cost a timer and a race per command. On a Cluster, redirections and its subscriber
   * connection escape `commandTimeout`: there our own deadline covers them, so the interface's
   * "no call hangs" holds everywhere.
   */
  async #run<T>(op: string, key: string, call: () => Promise<T>, ifWrongType?: () => T): Promise<T> {
    try {
      return await (this.#ownDeadline ? withDeadline(call(), this.#timeoutMs) : call());
    } catch (err) {
      if (ifWrongType && isWrongType(err)) {
        this.#warnWrongType(op, key);
        return ifWrongType();
      }
      throw storeError(err);
    }
  }

  #subscribeAtRedis(names: string[]): Promise<void> {
    const live = this.#run('subscribe', names.length === 1 ? names[0]! : '', () => this.#sub.subscribe(...names)).then(() => undefined);
    live.catch(() => {}); // awaited by the subscribers that need it; never an unhandled rejection
    return live;
  }

  #subscriberUp(): boolean {
    return this.#subUp && this.#sub.status === 'ready';
  }

  /** On every (re)connect of the subscriber connection: every channel that still has handlers. */
  #resubscribe(): void {
    const names = [...this.#channels.keys()];
    this.#subUp = true;
    if (this.#closed || names.length === 0) return;
    const live = this.#subscribeAtRedis(names);
    for (const name of names) this.#channels.get(name)!.live = live;
    live.then(
      () => this.#log.info({ channels: names.length }, 'redis subscriptions restored'),
      (err: unknown) => {
        // Connected but not subscribed would lose messages silently; reconnect and try again.
        this.#log.warn({ err: safeError(err) }, 'redis resubscribe failed; reconnecting the subscriber');
        if (!this.#closed) (this.#sub as Redis).disconnect(true);
      },
    );
  }

  #deliver(name: string, message: string): void {
    const entry = this.#channels.get(name);
    if (!entry) return;
    for (const handler of [...entry.handlers]) {
      try {
        handler(message);
      } catch (err) {
        // One faulty handler must not starve the others or reach the connection's event loop.
        this.#log.error({ err }, 'store subscription handler threw');
      }
    }
  }

  /**
   * ioredis emits 'error' on every failed reconnect attempt; log the loss and the recovery once
   * each instead of once per attempt. Listening here also keeps an 'error' event from ever
   * being unhandled.
   */
  #watch(client: Redis | Cluster, role: string): void {
    let up = false;
    let reported = false;
    client.on('ready', () => {
      if (reported) this.#log.info({ role }, 'redis connection restored');
      up = true;
      reported = false;
    });
    client.on('error', (err: Error) => {
      if (this.#closed || reported) {
        this.#log.debug({ role, err: safeError(err) }, 'redis connection error');
        return;
      }
      reported = true;
      this.#log.warn({ role, err: safeError(err), was_connected: up }, 'redis connection failed; reconnecting');
    });
    client.on('close', () => {
      if (this.#closed || !up) return;
      up = false;
      if (!reported) {
        reported = true;
        this.#log.warn({ role }, 'redis connection lost; reconnecting');
      }
    });
  }

  async #quit(client: Redis | Cluster): Promise<void> {
    if (client.status === 'ready') {
      try {
        await withDeadline(client.quit(), this.#timeoutMs);
        return;
      } catch {
        // fall through: drop the connection without waiting
      }
    }
    client.disconnect();
  }

  #warnWrongType(op: string, key: string): void {
    // The key itself may embed a token id; its namespace is enough to find the culprit.
    this.#log.warn({ op, key_kind: key.slice(0, key.lastIndexOf(':') + 1) || '(none)' }, 'redis value is not what saoma writes; treated as absent');
  }
}

interface Channel {
  handlers: Set<(message: string) => void>;
  /** Settles when Redis has confirmed the subscription on the current connection. */
  live: Promise<void>;
}

/** A Lua reply meaning "the key holds another type": the value is treated as absent. */
const WRONG_TYPE = -1;

interface Scripts {
  saomaCompareAndSet(key: string, expected: string, value: string, px: number | ''): Promise<number>;
  saomaDeleteIfEquals(key: string, expected: string): Promise<number>;
  saomaIncrement(key: string, px: number | ''): Promise<[number, number]>;
  saomaIndexAdd(key: string, member: string, px: number | ''): Promise<number>;
}

/** Lua, the start of a conditional write: stops with WRONG_TYPE for another type, 0 unless KEYS[1] holds ARGV[1]. */
const EXPECTED_VALUE = `
local current = redis.pcall('GET', KEYS[1])
if type(current) == 'table' and current.err then return ${WRONG_TYPE} end
if current ~= ARGV[1] then return 0 end`;

/**
 * Each script reads and writes only KEYS[1] (one slot on Cluster). An absent TTL is passed as ''.
 * `redis.pcall` turns WRONGTYPE into a value we can answer instead of a script error.
 */
const SCRIPTS: Record<keyof Scripts, { lua: string; numberOfKeys: number }> = {
  // ARGV: expected, value, px. An absent key (GET -> false) never equals a string.
  saomaCompareAndSet: {
    numberOfKeys: 1,
    lua: `${EXPECTED_VALUE}
if ARGV[3] == '' then
  redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
else
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
end
return 1`,
  },
  // ARGV: expected.
  saomaDeleteIfEquals: {
    numberOfKeys: 1,
    lua: `${EXPECTED_VALUE}
redis.call('DEL', KEYS[1])
return 1`,
  },
  // ARGV: px. Returns {count, repaired}. The TTL is set when the window opens (or if the counter
  // somehow has none), never extended. A value that is not a counter starts a new window.
  saomaIncrement: {
    numberOfKeys: 1,
    lua: `
local repaired = 0
local count = redis.pcall('INCR', KEYS[1])
if type(count) == 'table' and count.err then
  redis.call('DEL', KEYS[1])
  count = redis.call('INCR', KEYS[1])
  repaired = 1
end
if ARGV[1] ~= '' and (count == 1 or redis.call('PTTL', KEYS[1]) == -1) then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return {count, repaired}`,
  },
  // ARGV: member, px. The TTL becomes max(current, wanted): a new index takes px (or none), an
  // index without TTL keeps none, no px means "until deleted". Returns 1 if a non-set was replaced.
  saomaIndexAdd: {
    numberOfKeys: 1,
    lua: `
local repaired = 0
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind ~= 'set' and kind ~= 'none' then
  redis.call('DEL', KEYS[1])
  kind = 'none'
  repaired = 1
end
local ttl = redis.call('PTTL', KEYS[1])
redis.call('SADD', KEYS[1], ARGV[1])
if kind == 'none' then
  if ARGV[2] ~= '' then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
elseif ttl >= 0 then
  if ARGV[2] == '' then
    redis.call('PERSIST', KEYS[1])
  elseif tonumber(ARGV[2]) > ttl then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
  end
end
return repaired`,
  },
};

/** Reconnect forever: 100 ms, 200 ms, … capped at 2 s, with jitter so N processes spread out. */
function backoff(times: number): number {
  return Math.min(100 * times, 2000) + Math.floor(Math.random() * 100);
}

/** Milliseconds for PX: a positive integer, or undefined for "no TTL" (like the memory store). */
function pxOf(ttlMs: number | undefined): number | undefined {
  if (ttlMs === undefined || !Number.isFinite(ttlMs)) return undefined;
  return Math.max(1, Math.ceil(ttlMs));
}

/** `host:port`, `[v6]:port`, or a bare host (default port). */
export function hostPort(node: string, defaultPort: number): { host: string; port: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(node);
  if (bracketed) return { host: bracketed[1]!, port: bracketed[2] ? Number(bracketed[2]) : defaultPort };
  const colon = node.lastIndexOf(':');
  if (colon > 0 && node.indexOf(':') === colon) return { host: node.slice(0, colon), port: Number(node.slice(colon + 1)) };
  return { host: node, port: defaultPort };
}

function ready(client: Redis | Cluster, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let last: unknown;
    const onError = (err: unknown) => { last = err; };
    const timer = setTimeout(() => {
      client.off('ready', onReady);
      client.off('error', onError);
      reject(last ?? new Error(`no connection within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      client.off('error', onError);
      resolve();
    };
    client.once('ready', onReady);
    client.on('error', onError);
    // Failures are retried by the retry strategy; we wait for 'ready' or the deadline.
    client.connect().catch(() => {});
  });
}

class DeadlineError extends Error {
  constructor(ms: number) {
    super(`no reply from redis within ${ms} ms`);
    this.name = 'DeadlineError';
  }
}

function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineError(ms)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

function isWrongType(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith('WRONGTYPE');
}

/** Reply errors that mean "Redis cannot serve this right now", not "this request is wrong". */
const TRANSIENT_REPLY = /^(LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|BUSY|NOREPLICAS|OOM|MOVED|ASK)\b/;

function storeError(err: unknown): SaomaError {
  if (err instanceof SaomaError) return err;
  if (err instanceof ReplyError && !TRANSIENT_REPLY.test((err as Error).message)) {
    return new SaomaError('server_error', 'The store rejected an operation.', { cause: safeError(err), detail: (err as Error).message });
  }
  return unavailable(err);
}

function unavailable(err: unknown): SaomaError {
  if (err instanceof SaomaError) return err;
  const cause = safeError(err);
  return new SaomaError('unavailable', 'The store is unreachable; try again shortly.', { cause, detail: cause.message, retryAfter: 1 });
}

/**
 * ioredis attaches the failed command with its arguments (keys, token payloads) to its errors;
 * keep only name and message so a logged cause cannot leak them.
 */
function safeError(err: unknown): Error {
  const safe = new Error(err instanceof Error ? err.message : String(err));
  safe.name = err instanceof Error ? err.name : 'Error';
  return safe;
}

/** The options of every connection: fail fast rather than wait for one that may never come back. */
function commonOptions(commandTimeoutMs: number) {
  return {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    commandTimeout: commandTimeoutMs,
    connectTimeout: Math.max(commandTimeoutMs, 1000),
    // After a failover the old master answers READONLY; reconnecting finds the new one.
    reconnectOnError: (err: Error) => err.message.startsWith('READONLY'),
  } satisfies RedisOptions;
}

type CommonOptions = ReturnType<typeof commonOptions>;

function clusterClient(nodes: string[], common: CommonOptions): Cluster {
  return new Cluster(nodes.map((node) => hostPort(node, 6379)), {
    lazyConnect: true,
    enableOfflineQueue: false,
    scripts: SCRIPTS,
    clusterRetryStrategy: backoff,
    redisOptions: {
      commandTimeout: common.commandTimeout,
      connectTimeout: common.connectTimeout,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      connectionName: 'saoma',
    },
  } satisfies ClusterOptions);
}

/** A standalone Redis, or the master a Sentinel names. */
function serverClient(target: Exclude<RedisTarget, { kind: 'cluster' }>, common: CommonOptions): Redis {
  if (target.kind === 'redis') return new Redis(target.url, { ...common, retryStrategy: backoff, scripts: SCRIPTS, connectionName: 'saoma' });
  return new Redis({
    ...common,
    sentinels: target.sentinels.map((node) => hostPort(node, 26379)),
    name: target.name,
    retryStrategy: backoff,
    sentinelRetryStrategy: backoff,
    scripts: SCRIPTS,
    connectionName: 'saoma',
  });
}
