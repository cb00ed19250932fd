import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort, startServer, type RedisProcess } from './redis.ts';

const run = promisify(execFile);

export interface ThrowawayCluster {
  /** `127.0.0.1:port` of every master, as REDIS_CLUSTER_NODES takes them. */
  nodes: string[];
  stop(): Promise<void>;
  /** Freezes every node (SIGSTOP): connections stay open, nothing answers. */
  pause(): void;
  resume(): void;
}

/**
 * A throwaway Redis Cluster of `masters` masters (no replicas) from `redis-server` on free
 * loopback ports, nothing persisted. Resolves once every node reports `cluster_state:ok`.
 */
export async function startRedisCluster(masters = 3): Promise<ThrowawayCluster> {
  const dir = await mkdtemp(join(tmpdir(), 'saoma-cluster-'));
  const servers: RedisProcess[] = [];
  const stop = async () => {
    await Promise.all(servers.map((server) => server.kill()));
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const ports: number[] = [];
    for (let i = 0; i < masters; i += 1) {
      let port = await freePort(10000); // the cluster bus listens on port + 10000
      while (ports.includes(port)) port = await freePort(10000);
      ports.push(port);
      servers.push(await startServer(port, [
        '--dir', dir, '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`,
        '--cluster-node-timeout', '5000',
      ]));
    }
    const nodes = ports.map((port) => `127.0.0.1:${port}`);
    await run('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 });
    await Promise.all(ports.map((port) => waitForClusterOk(port, 20_000)));
    return {
      nodes,
      stop,
      pause: () => servers.forEach((server) => server.child.kill('SIGSTOP')),
      resume: () => servers.forEach((server) => server.child.kill('SIGCONT')),
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function waitForClusterOk(port: number, timeoutMs: number): Promise<void> {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true, maxRetriesPerRequest: 1 });
  client.on('error', () => {});
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const info = String(await client.call('CLUSTER', 'INFO'));
      if (info.includes('cluster_state:ok') && info.includes('cluster_slots_ok:16384')) return;
      if (Date.now() > deadline) throw new Error(`cluster node ${port} not ok within ${timeoutMs} ms:\n${info}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    client.disconnect();
  }
}
