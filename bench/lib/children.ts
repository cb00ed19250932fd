/**
 * The processes a benchmark starts (saoma runners, the emulator, redis-servers), and the promise
 * that each is gone when the benchmark ends: normally, on an error, on Ctrl-C, or when the
 * benchmark's own time limit strikes.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startRedis, type ThrowawayRedis } from '../../test/helpers/redis.ts';
import type { ProbeReport } from './probe.ts';
import type { RunnerMemory, RunnerRequest } from './runner.ts';

const RUNNER = fileURLToPath(new URL('./runner.ts', import.meta.url));

const cleanups = new Set<() => Promise<void>>();
let cleaning: Promise<void> | undefined;

/** Stops everything that was started, newest first. Safe to call more than once. */
export function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const stop of [...cleanups].reverse()) {
      await stop().catch((err: unknown) => console.error('cleanup:', err));
    }
    cleanups.clear();
  })();
  return cleaning;
}

/**
 * Runs `main` with a hard time limit; whatever happens, every started process is stopped and
 * this process exits (0 on success).
 */
export function bounded(limitMs: number, main: () => Promise<void>): void {
  const timer = setTimeout(() => {
    console.error(`\nstopped: the time limit of ${Math.round(limitMs / 1000)} s was reached`);
    void cleanup().finally(() => process.exit(3));
  }, limitMs);
  const stopOn = (signal: NodeJS.Signals) => process.once(signal, () => {
    console.error(`\nstopped by ${signal}`);
    void cleanup().finally(() => process.exit(130));
  });
  stopOn('SIGINT');
  stopOn('SIGTERM');
  main().then(
    async () => {
      clearTimeout(timer);
      await cleanup();
      process.exit(0);
    },
    async (err: unknown) => {
      console.error(err);
      clearTimeout(timer);
      await cleanup();
      process.exit(1);
    },
  );
}

export interface Runner {
  port: number;
  pid: number;
  url: string;
  /** Memory after a full GC (what is really held). */
  memory(): Promise<RunnerMemory>;
  /** Memory as it is right now, without a GC (what the operator's monitoring sees). */
  usage(): Promise<RunnerMemory>;
  /** Process CPU time so far (µs) and when it was read (ms, this clock). */
  cpu(): Promise<{ user: number; system: number; at: number }>;
  waiting(): Promise<{ waiting: number; connections: number }>;
  /** Starts watching event-loop delay and GC pauses; `probeStop` reports them. */
  probeStart(): Promise<void>;
  probeStop(): Promise<ProbeReport>;
  /** Writes a V8 heap snapshot of the runner into `dir`; resolves to its path. */
  snapshot(dir: string): Promise<string>;
  stop(): Promise<void>;
}

/**
 * Forks `bench/lib/runner.ts` in its own Node process (with `--expose-gc`): role `saoma` (or
 * `bare`, the same with an instant login) with `env` as its environment, role `emulator`, or
 * role `held` (the bare `node:http` baseline; env PORT and REDIS_URL).
 */
export async function startRunner(role: 'saoma' | 'bare' | 'provider' | 'emulator' | 'held', env: Record<string, string> = {}): Promise<Runner> {
  const child: ChildProcess = fork(RUNNER, [role], {
    // BENCH_RUNNER_FLAGS adds Node flags to every runner (e.g. --trace-gc, --cpu-prof).
    execArgv: ['--expose-gc', '--max-old-space-size=4096', ...(process.env.BENCH_RUNNER_FLAGS ?? '').split(' ').filter(Boolean)],
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let nextId = 1;
  const pending = new Map<number, { resolve: (value: any) => void; reject: (err: Error) => void }>();
  child.on('message', (message: { id?: number; result?: unknown; error?: string }) => {
    if (message.id === undefined) return;
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error) waiter?.reject(new Error(message.error));
    else waiter?.resolve(message.result);
  });
  child.once('exit', (code, signal) => {
    for (const waiter of pending.values()) waiter.reject(new Error(`${role} runner exited (${code ?? signal})`));
    pending.clear();
  });
  const request = (cmd: RunnerRequest['cmd'], dir?: string): Promise<any> => new Promise((resolve, reject) => {
    if (!child.connected) return reject(new Error(`${role} runner is gone`));
    const id = nextId++;
    pending.set(id, { resolve, reject });
    child.send({ id, cmd, ...(dir ? { dir } : {}) } satisfies RunnerRequest);
  });
  const stop = async () => {
    cleanups.delete(stop);
    process.off('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      const closed = request('close').catch(() => {});
      const late = setTimeout(() => child.kill('SIGKILL'), 5000);
      await Promise.race([closed.then(() => exited), exited]);
      clearTimeout(late);
    }
    await exited;
  };
  cleanups.add(stop);

  const ready = await new Promise<{ port: number; pid: number }>((resolve, reject) => {
    child.on('message', (message: { type?: string; port?: number; pid?: number; error?: string }) => {
      if (message.type === 'ready') resolve({ port: message.port!, pid: message.pid! });
      if (message.type === 'failed') reject(new Error(`${role} runner failed to start:\n${message.error}`));
    });
    child.once('exit', (code) => reject(new Error(`${role} runner exited with ${code} before it was ready`)));
  }).catch(async (err: unknown) => {
    await stop();
    throw err;
  });
  return {
    port: ready.port,
    pid: ready.pid,
    url: `http://127.0.0.1:${ready.port}`,
    memory: () => request('memory'),
    usage: () => request('usage'),
    cpu: () => request('cpu'),
    waiting: () => request('waiting'),
    probeStart: async () => { await request('probe-start'); },
    probeStop: () => request('probe-stop'),
    snapshot: async (dir) => (await request('snapshot', dir)).file,
    stop,
  };
}

/** A dedicated, empty redis-server on a free loopback port, stopped with everything else. */
export async function dedicatedRedis(): Promise<ThrowawayRedis> {
  const redis = await startRedis();
  cleanups.add(async () => redis.stop());
  return redis;
}

/** Registers one more thing to undo at the end (closing a client, an agent…). */
export function onCleanup(stop: () => Promise<void>): void {
  cleanups.add(stop);
}
