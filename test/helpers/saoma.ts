import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSaoma, type Saoma } from '../../src/app.ts';
import { loadConfig, type Config } from '../../src/config/load.ts';
import { createLogger } from '../../src/log.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import type { Store } from '../../src/store/store.ts';

export const RP = {
  client_id: 'test-rp',
  client_secret: 'test-rp-secret-that-is-long-enough-0123456789',
  redirect_uri: 'http://127.0.0.1:9/callback',
  post_logout_redirect_uri: 'http://127.0.0.1:9/signed-out',
};

export const SPA = { client_id: 'test-spa', redirect_uri: 'http://127.0.0.1:9/spa' };

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

export interface RunningSaoma {
  issuer: string;
  saoma: Saoma;
  store: Store;
  config: Config;
  /** The embedded emulator's call counters. */
  calls(): Promise<Record<string, number>>;
  emulator(path: string, body?: unknown): Promise<any>;
  /** A wx.login code for a simulated WeChat user. */
  wxLogin(user: string, unionid?: boolean): Promise<string>;
  close(): Promise<void>;
}

/** One saoma process on the embedded default (emulator), on a store of the test's choosing. */
export async function startSaoma(env: Record<string, string> = {}, store: Store = new MemoryStore(), log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent')): Promise<RunningSaoma> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'saoma-test-'));
  const clientsFile = join(dir, 'clients.json');
  writeFileSync(clientsFile, JSON.stringify([
    {
      client_id: RP.client_id,
      client_secret: RP.client_secret,
      client_name: 'Test Shop',
      client_uri: 'https://shop.example',
      logo_uri: 'https://shop.example/logo.png',
      redirect_uris: [RP.redirect_uri],
      post_logout_redirect_uris: [RP.post_logout_redirect_uri],
      grant_types: ['authorization_code', 'refresh_token'],
    },
    { client_id: SPA.client_id, token_endpoint_auth_method: 'none', redirect_uris: [SPA.redirect_uri], client_name: 'Test SPA' },
  ]));
  const issuer = env.ISSUER ?? `http://127.0.0.1:${port}`;
  const config = loadConfig({ NODE_ENV: 'test', PORT: String(port), HOST: '127.0.0.1', ISSUER: issuer, CLIENTS_FILE: clientsFile, LOG_LEVEL: 'silent',
    // Every test's browser is 127.0.0.1, and many tests sign in more often than an address may draw
    // codes a minute: the per-address budget is tested on its own (budget.test.ts, login-busy).
    CODE_LIMIT_PER_IP: '0', ...env });
  const saoma = await createSaoma(config, store, log);
  await saoma.listen();
  const emulatorBase = config.wechat.embeddedEmulator ? issuer : config.wechat.apiBase;
  const emulator = async (path: string, body?: unknown) => {
    const res = await fetch(emulatorBase + path, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return res.json();
  };
  return {
    issuer,
    saoma,
    store,
    config,
    calls: async () => (await emulator('/emulator/stats')).calls,
    emulator,
    wxLogin: async (user, unionid) => (await emulator('/emulator/login', unionid === undefined ? { user } : { user, unionid })).code,
    close: async () => {
      await saoma.close();
      await store.close();
    },
  };
}
