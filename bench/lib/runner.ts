/**
 * A child process of the benchmarks (started by `children.ts`, never by hand): one saoma process
 * built with `createSaoma`, configured from its environment exactly as `npm start` would be; the
 * same with its login replaced by an instant one (`bare`: oidc-provider as saoma configures it, on
 * the same store, whose interaction logs a fixed account in at once); or the standalone WeChat
 * emulator that every saoma process of a run shares (WECHAT_API_BASE); or the bare `node:http`
 * baseline that holds requests and answers them through Redis pub/sub (`held`, see `held.ts`).
 *
 *   node --expose-gc bench/lib/runner.ts saoma      (environment: PORT, REDIS_URL, … as for npm start)
 *   node --expose-gc bench/lib/runner.ts bare       (the same environment)
 *   node --expose-gc bench/lib/runner.ts provider   (oidc-provider alone, bare-provider.ts: PORT, REDIS_URL, REDIS_KEY_PREFIX)
 *   node bench/lib/runner.ts emulator <port>
 *   node --expose-gc bench/lib/runner.ts held      (environment: PORT, REDIS_URL)
 *
 * It reports `{type: 'ready', port}` over IPC, then answers the parent's requests:
 * `memory` (after a full GC), `usage` (the same without a GC), `cpu`, `waiting` (long-polls waiting
 * in this process), `snapshot`
 * (a V8 heap snapshot, for DevTools' Memory tab), `probe-start` / `probe-stop` (event-loop delay
 * and GC pauses in between) and `close`.
 * It exits when the parent goes away, so a killed benchmark leaves nothing behind.
 */
import type { Server } from 'node:http';
import { join } from 'node:path';
import { writeHeapSnapshot } from 'node:v8';
import { createSaoma, type Saoma } from '../../src/app.ts';
import { EMULATOR_APPID, EMULATOR_SECRET, loadConfig } from '../../src/config/load.ts';
import { createEmulator } from '../../src/emulator/emulator.ts';
import { createLogger } from '../../src/log.ts';
import { openStore } from '../../src/store/open.ts';
import { startHeld, type Held } from './held.ts';
import { startBareProvider, type BareProvider } from './bare-provider.ts';
import { installInstantLogin } from './instant-login.ts';
import { Probe } from './probe.ts';
import type { Store } from '../../src/store/store.ts';

export interface RunnerRequest {
  id: number;
  cmd: 'memory' | 'usage' | 'cpu' | 'waiting' | 'snapshot' | 'probe-start' | 'probe-stop' | 'close';
  /** For `snapshot`: the directory to write the heap snapshot into. */
  dir?: string;
}

export interface RunnerMemory {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** Long-polls waiting in this process right now (`Tickets.waiting`). */
  waiting: number;
  /** Open sockets on the HTTP server. */
  connections: number;
}

const role = process.argv[2];
const send = (message: unknown) => process.send?.(message);

let saoma: Saoma | undefined;
let store: Store | undefined;
let server: Server | undefined;
let held: Held | undefined;
let bareProvider: BareProvider | undefined;
const probe = new Probe();

async function startSaoma(): Promise<number> {
  const config = loadConfig(process.env);
  const log = createLogger(config.env.LOG_LEVEL);
  store = await openStore(config.store, { keyPrefix: config.env.REDIS_KEY_PREFIX, commandTimeoutMs: config.env.REDIS_COMMAND_TIMEOUT_MS, log });
  saoma = await createSaoma(config, store, log);
  server = saoma.server;
  if (role === 'bare') await installInstantLogin(saoma);
  return saoma.listen();
}

async function startBaseline(): Promise<number> {
  if (!process.env.REDIS_URL) throw new Error('the held baseline wants REDIS_URL');
  held = await startHeld(process.env.REDIS_URL, Number(process.env.PORT ?? 0));
  return held.port;
}

async function startProvider(): Promise<number> {
  if (!process.env.REDIS_URL) throw new Error('the bare provider wants REDIS_URL');
  bareProvider = await startBareProvider(process.env.REDIS_URL, process.env.REDIS_KEY_PREFIX ?? '', Number(process.env.PORT ?? 0));
  return bareProvider.port;
}

async function startEmulator(port: number): Promise<number> {
  const emulator = createEmulator({ appid: EMULATOR_APPID, secret: EMULATOR_SECRET, log: createLogger(process.env.LOG_LEVEL ?? 'warn') });
  const listening = emulator.app.listen(port, '127.0.0.1');
  server = listening;
  listening.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    listening.once('listening', resolve);
    listening.once('error', reject);
  });
  return (listening.address() as { port: number }).port;
}

/** Requests waiting in this process: saoma's long-polls (`Tickets.waiting`) or the held ones. */
function waitingNow(): number {
  return saoma?.tickets.waiting ?? held?.waiting() ?? 0;
}

function connections(): Promise<number> {
  if (held) return held.connections();
  return new Promise((resolve) => {
    if (!server) return resolve(0);
    server.getConnections((err, count) => resolve(err ? -1 : count));
  });
}

async function memory(collect = true): Promise<RunnerMemory> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (collect && !gc) throw new Error('start the runner with --expose-gc');
  // Several passes and a pause, so weak references and finalisers settle.
  for (let i = 0; collect && i < 3; i++) {
    gc!();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const usage = process.memoryUsage();
  return {
    rss: usage.rss,
    heapTotal: usage.heapTotal,
    heapUsed: usage.heapUsed,
    external: usage.external,
    arrayBuffers: usage.arrayBuffers,
    waiting: waitingNow(),
    connections: await connections(),
  };
}

async function close(): Promise<void> {
  await saoma?.close();
  await store?.close();
  await held?.close();
  await bareProvider?.close();
  if (!saoma && server) {
    server.closeAllConnections();
    await new Promise((resolve) => server!.close(resolve));
  }
}

async function answer(request: RunnerRequest): Promise<unknown> {
  switch (request.cmd) {
    case 'memory':
      return memory();
    case 'usage':
      return memory(false);
    case 'cpu':
      return { ...process.cpuUsage(), at: performance.now() };
    case 'waiting':
      return { waiting: waitingNow(), connections: await connections() };
    case 'probe-start':
      probe.start();
      return {};
    case 'probe-stop':
      return probe.stop();
    case 'snapshot':
      return { file: writeHeapSnapshot(join(request.dir ?? '.', `saoma-${process.pid}-${Date.now()}.heapsnapshot`)) };
    case 'close':
      await close();
      return {};
  }
}

process.on('message', (request: RunnerRequest) => {
  answer(request).then(
    (result) => send({ id: request.id, result }),
    (err: unknown) => send({ id: request.id, error: String((err as Error)?.stack ?? err) }),
  ).finally(() => {
    if (request.cmd === 'close') setImmediate(() => process.exit(0));
  });
});
// The parent is gone (finished, crashed or killed): do not linger.
process.on('disconnect', () => process.exit(0));

try {
  const starts: Record<string, () => Promise<number>> = { saoma: startSaoma, bare: startSaoma, provider: startProvider, held: startBaseline, emulator: () => startEmulator(Number(process.argv[3] ?? 0)) };
  const start = starts[role ?? ''];
  if (!start) throw new Error(`unknown role ${role}`);
  const port = await start();
  send({ type: 'ready', port, pid: process.pid });
} catch (err) {
  send({ type: 'failed', error: String((err as Error)?.stack ?? err) });
  process.exit(1);
}
