import { randomUUID } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { createLogger } from '../../src/log.ts';
import { RedisStore, type RedisTarget } from '../../src/store/redis.ts';
import type { Store } from '../../src/store/store.ts';
import type { ConformanceOptions } from './conformance.ts';

/**
 * Fresh, empty Redis stores for the conformance suite on a shared Redis: each store gets a unique
 * random key prefix, and `cleanup` deletes that prefix's keys (never anything else) afterwards.
 */
export function redisFixture(target: () => RedisTarget): {
  makeStore: () => Promise<RedisStore>;
  options: ConformanceOptions;
} {
  const prefixes = new WeakMap<Store, string>();
  const faults = new WeakMap<Store, string[]>();
  const open = async (keyPrefix: string) => {
    // What the store logs at error level (a subscription handler that threw), kept per store.
    const errors: string[] = [];
    const log = createLogger('error', { write: (line: string) => { errors.push(line); } });
    const store = await new RedisStore(target(), { keyPrefix, commandTimeoutMs: 2000, log }).connect();
    prefixes.set(store, keyPrefix);
    faults.set(store, errors);
    return store;
  };
  return {
    makeStore: () => open(`saoma-test:${randomUUID()}:`),
    options: {
      peer: (store) => open(prefixes.get(store)!),
      handlerFaults: (store) => {
        const errors = faults.get(store)!;
        const from = errors.length;
        return () => errors.slice(from);
      },
      cleanup: (store) => deleteKeys(target(), prefixes.get(store)!),
    },
  };
}

/** Deletes every key under `prefix` (SCAN on each master; one DEL per key, so no CROSSSLOT). */
export async function deleteKeys(target: RedisTarget, prefix: string): Promise<void> {
  const client = await rawClient(target);
  try {
    const masters = client instanceof Cluster ? client.nodes('master') : [client];
    for (const node of masters) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = next;
        await Promise.all(keys.map((key) => node.del(key)));
      } while (cursor !== '0');
    }
  } finally {
    await client.quit();
  }
}

/** A plain ioredis client on the target, connected, for planting values and looking behind the store. */
export async function rawClient(target: RedisTarget): Promise<Redis | Cluster> {
  let client: Redis | Cluster;
  if (target.kind === 'cluster') {
    client = new Cluster(target.nodes.map((node) => {
      const [host, port] = node.split(':');
      return { host: host!, port: Number(port) };
    }));
  } else if (target.kind === 'redis') {
    client = new Redis(target.url);
  } else {
    client = new Redis({
      name: target.name,
      sentinels: target.sentinels.map((node) => {
        const [host, port] = node.split(':');
        return { host: host!, port: Number(port) };
      }),
    });
  }
  await client.ping(); // queued until ready, so the Cluster's node list is known after this
  return client;
}
