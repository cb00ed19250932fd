import { createSaoma } from './app.ts';
import { ConfigError, loadConfig } from './config/load.ts';
import { loadNetworkDatabase } from './login/network.ts';
import { createLogger } from './log.ts';
import { openStore } from './store/open.ts';

/** `npm start`: read the configuration, open the store, serve until SIGTERM / SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger(config.env.LOG_LEVEL);
  const store = await openStore(config.store, { keyPrefix: config.env.REDIS_KEY_PREFIX, commandTimeoutMs: config.env.REDIS_COMMAND_TIMEOUT_MS, log });
  const saoma = await createSaoma(config, store, log);
  // The IP-to-region database (~12 MB, up to half a second): read before serving, not in the
  // middle of the first scan, where it would hold up every other request of the process.
  loadNetworkDatabase();
  let port: number;
  try {
    port = await saoma.listen();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    process.stderr.write(`saoma cannot listen on ${config.host}:${config.port}: ${e.code === 'EADDRINUSE' ? 'the port is already in use (set PORT)' : e.message}\n`);
    process.exit(1);
  }
  const mode = [config.store.kind === 'memory' ? 'in-memory store' : `${config.store.kind} store`, config.wechat.emulator ? 'WeChat emulator' : 'WeChat'].join(', ');
  const adminAt = !config.env.ADMIN_TOKEN ? undefined
    : config.env.ADMIN_PORT !== undefined ? `http://${config.env.ADMIN_HOST}:${config.env.ADMIN_PORT}${config.env.ADMIN_PATH}`
    : `${config.issuer}${config.env.ADMIN_PATH}`;
  log.info({ issuer: config.issuer, port, mode, admin_api: adminAt ?? 'off' }, 'saoma is serving');
  if (config.demo) process.stdout.write(`\n  saoma is running (${mode}).\n  Demo website:    ${config.issuer}/demo\n  Simulated phone: ${config.issuer}/emulator\n  Discovery:       ${config.issuer}/.well-known/openid-configuration\n${adminAt ? `  Admin API:       ${adminAt}\n` : ''}\n`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'saoma is stopping');
    await saoma.close();
    await store.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));
}

await main();
