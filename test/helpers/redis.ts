import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Throwaway redis-server processes for tests: on loopback, nothing persisted, killed when the
 * test stops them (or, as a last resort, when the test process exits).
 */
export interface ThrowawayRedis {
  port: number;
  url: string;
  /** Kills the server (SIGKILL, as a crash would) and waits until it is gone. */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty, and waits until it answers PING. */
  restart(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open, nothing answers. */
  pause(): void;
  resume(): void;
}

export async function startRedis(port?: number): Promise<ThrowawayRedis> {
  const chosen = port ?? (await freePort());
  // Nothing is persisted (no RDB, no AOF), so the working directory stays untouched.
  const args = ['--dir', tmpdir()];
  let server: RedisProcess | undefined = await startServer(chosen, args);
  return {
    port: chosen,
    url: `redis://127.0.0.1:${chosen}`,
    async stop() {
      await server?.kill();
      server = undefined;
    },
    async restart() {
      await server?.kill();
      server = await startServer(chosen, args);
    },
    pause() {
      server?.child.kill('SIGSTOP');
    },
    resume() {
      server?.child.kill('SIGCONT');
    },
  };
}

export interface RedisProcess {
  child: ChildProcess;
  kill(): Promise<void>;
}

/** Starts a data `redis-server` on 127.0.0.1:port (nothing persisted) and waits for PING. */
export function startServer(port: number, extra: string[] = []): Promise<RedisProcess> {
  return spawnRedis(port, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extra]);
}

/**
 * A Sentinel on a free loopback port monitoring the master on `masterPort` as `name` (quorum 1).
 * Sentinel rewrites its configuration file, so it gets one of its own in a temp directory.
 */
export async function startSentinel(masterPort: number, name = 'mymaster'): Promise<{ port: number; stop(): Promise<void> }> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'saoma-sentinel-'));
  const config = join(dir, 'sentinel.conf');
  await writeFile(config, [
    `port ${port}`, 'bind 127.0.0.1', `dir ${dir}`,
    `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1`,
    `sentinel down-after-milliseconds ${name} 5000`,
  ].join('\n'));
  const server = await spawnRedis(port, [config, '--sentinel']);
  return {
    port,
    async stop() {
      await server.kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function spawnRedis(port: number, args: string[]): Promise<RedisProcess> {
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => { output = (output + chunk.toString()).slice(-4000); };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const kill = async () => {
    process.off('exit', killOnExit);
    // SIGKILL ends a paused (SIGSTOPped) server too, without letting it run another command.
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  try {
    await Promise.race([
      waitForPong(port, 5000),
      exited.then(() => { throw new Error('redis-server exited'); }),
    ]);
  } catch (err) {
    await kill();
    throw new Error(`redis-server on port ${port} did not start: ${(err as Error).message}\n${output}`);
  }
  return { child, kill };
}

/** A loopback TCP port nobody listens on right now (and, with `plus`, port + plus free too). */
export async function freePort(plus?: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = plus === undefined ? await listenAndClose(0) : 20000 + Math.floor(Math.random() * 20000);
    if (plus === undefined) return port;
    if ((await canListen(port)) && (await canListen(port + plus))) return port;
  }
  throw new Error('no free port found');
}

function listenAndClose(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : port));
    });
  });
}

function canListen(port: number): Promise<boolean> {
  return listenAndClose(port).then(() => true, () => false);
}

/** Sends PING over a raw socket until +PONG comes back (no client library involved). */
export async function waitForPong(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await pingOnce(port)) return;
    if (Date.now() > deadline) throw new Error(`no PONG on port ${port} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => { socket.destroy(); resolve(ok); };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}
