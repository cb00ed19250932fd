import type { Server } from 'node:http';
import { Redis } from 'ioredis';
import { EMULATOR_APPID, EMULATOR_SECRET } from '../../src/config/load.ts';
import { createEmulator } from '../../src/emulator/emulator.ts';
import { createLogger } from '../../src/log.ts';
import type { Issuer } from './helpers.ts';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A unique key prefix on the shared test Redis, and a way to delete everything under it. */
export function redisPrefix(name: string): { prefix: string; clean(): Promise<void> } {
  const prefix = `saoma-test-${name}-${process.pid}-${Date.now()}:`;
  return {
    prefix,
    clean: async () => {
      const redis = new Redis(REDIS_URL);
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    },
  };
}

/** One WeChat emulator on its own port, shared by several saoma processes (as WECHAT_API_BASE). */
export async function standaloneEmulator(): Promise<{ url: string; server: Server; issuer(url: string): Issuer }> {
  const server = createEmulator({ appid: EMULATOR_APPID, secret: EMULATOR_SECRET, log: createLogger('silent') }).app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const wxLogin = async (user: string) => {
    const res = await fetch(`${url}/emulator/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user }) });
    return ((await res.json()) as { code: string }).code;
  };
  return { url, server, issuer: (issuer) => ({ issuer, wxLogin }) };
}
