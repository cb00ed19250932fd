import type { Config } from '../config/load.ts';
import type { Logger } from '../log.ts';
import { MemoryStore } from './memory.ts';
import { RedisStore } from './redis.ts';
import type { Store } from './store.ts';

export interface OpenStoreOptions {
  keyPrefix: string;
  commandTimeoutMs: number;
  log: Logger;
  /** How long to wait for Redis at start before giving up with `unavailable` (default 10 s). */
  connectTimeoutMs?: number;
}

/**
 * The store the configuration asks for, ready to use: the memory store, or a Redis store whose
 * command and subscriber connections are both up. Rejects with `SaomaError('unavailable')` when
 * Redis cannot be reached in time, so a process fails at start rather than serving errors.
 */
export async function openStore(config: Config['store'], options: OpenStoreOptions): Promise<Store> {
  if (config.kind === 'memory') return new MemoryStore();
  return new RedisStore(config, options).connect();
}
