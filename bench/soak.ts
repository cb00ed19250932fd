/**
 * The soak: a steady login rate for a long time, to see that nothing grows without bound and
 * nothing starts failing (issue 10).
 *
 *   node bench/soak.ts [--rate 20] [--minutes 30] [--sample 60] [--max-in-flight 400]
 *
 * One saoma process on a dedicated redis-server with the standalone WeChat emulator in a process
 * of its own (bench/lib/runner.ts). A new whole login starts every 1/rate seconds whatever the
 * others are doing (an open loop, as real visitors arrive), each one as the page and the phone do
 * it (bench/lib/full-login.ts), each as a different person of 1,000. Every `--sample` seconds the
 * saoma process's RSS and heap are read as they are and after a full GC, with Redis's memory and
 * key count, and the CPU of the saoma process and of the whole machine (which may be shared: the
 * machine's figure shows when others were busy). At the end: a table per sample, errors by kind,
 * and the growth of the heap after GC.
 * A login not finished after 60 s counts as an error (`timeout`); at most `--max-in-flight` run at
 * once, a login that would start beyond that is counted (`overloaded: not started`).
 */
import { Redis } from 'ioredis';
import { relyingParty } from '../test/helpers/login.ts';
import { freePort } from '../test/helpers/saoma.ts';
import { bounded, dedicatedRedis, startRunner } from './lib/children.ts';
import { clientsFile, deletePrefix, installFetch, remoteSaoma, saomaEnv, sleep } from './lib/driver.ts';
import { LoginFailure, fullLogin } from './lib/full-login.ts';
import { argInt, machine, machineBusyMs, mib, summarise, table } from './lib/stats.ts';

const rate = argInt('rate', 20);
const minutes = argInt('minutes', 30);
const sampleSeconds = Math.max(1, argInt('sample', 60));
const maxInFlight = argInt('max-in-flight', 400);
const LOGIN_TIMEOUT_MS = 60_000;

interface Sample {
  at: number;
  logins: number;
  errors: number;
  latencies: number[];
  rss: number;
  heapUsed: number;
  heapAfterGc: number;
  external: number;
  redisMemory: number;
  redisKeys: number;
  inFlight: number;
  /** CPU the saoma process used since the previous sample, in % of one core. */
  saomaCpu: number;
  /** CPU the whole machine used meanwhile (every process, this soak's and others'), in % of one core. */
  machineCpu: number;
}

bounded((minutes + 10) * 60_000, async () => {
  const redis = await dedicatedRedis();
  const raw = new Redis(redis.url);
  try {
    console.log(`machine: ${await machine(raw)}`);
    console.log(`soak: ${rate} logins/s for ${minutes} min, a sample every ${sampleSeconds} s\n`);
    installFetch(Math.max(64, rate * 8));
    const emulator = await startRunner('emulator');
    const port = await freePort();
    const prefix = `bench-soak-${process.pid}:`;
    const saoma = await startRunner('saoma', saomaEnv({ port, issuer: `http://127.0.0.1:${port}`, redisUrl: redis.url, prefix, emulator: emulator.url, clients: clientsFile(), waitSeconds: 25 }));
    const remote = remoteSaoma(saoma.url, emulator.url);
    const config = await relyingParty(remote);

    const errors = new Map<string, number>();
    const failed = (kind: string) => errors.set(kind, (errors.get(kind) ?? 0) + 1);
    let window = { logins: 0, errors: 0, latencies: [] as number[] };
    let inFlight = 0;
    let started = 0;
    let user = 0;
    const running = new Set<Promise<void>>();

    const one = async () => {
      const begun = performance.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          fullLogin(remote, config, raw, prefix, `soak-user-${user++ % 1000}`),
          new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new LoginFailure('timeout', `not finished in ${LOGIN_TIMEOUT_MS / 1000} s`)), LOGIN_TIMEOUT_MS); }),
        ]);
        window.logins++;
        window.latencies.push(performance.now() - begun);
      } catch (err) {
        window.errors++;
        failed(err instanceof LoginFailure ? err.kind : `other: ${(err as Error).name}`);
      } finally {
        clearTimeout(timer);
        inFlight--;
      }
    };

    const samples: Sample[] = [];
    let cpuBefore = await saoma.cpu();
    let machineBefore = { busy: machineBusyMs(), at: performance.now() };
    const sample = async (at: number) => {
      const cpu = await saoma.cpu();
      const machineNow = { busy: machineBusyMs(), at: performance.now() };
      const saomaCpu = ((cpu.user + cpu.system - cpuBefore.user - cpuBefore.system) / 1000 / Math.max(1, cpu.at - cpuBefore.at)) * 100;
      const machineCpu = ((machineNow.busy - machineBefore.busy) / Math.max(1, machineNow.at - machineBefore.at)) * 100;
      cpuBefore = cpu;
      machineBefore = machineNow;
      const usage = await saoma.usage();
      const collected = await saoma.memory();
      const info = await raw.info('memory');
      samples.push({
        at, ...window, rss: usage.rss, heapUsed: usage.heapUsed, heapAfterGc: collected.heapUsed, external: collected.external,
        redisMemory: Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0), redisKeys: await raw.dbsize(), inFlight, saomaCpu, machineCpu,
      });
      const s = samples.at(-1)!;
      const p = summarise(s.latencies);
      console.log(`${(at / 60_000).toFixed(1).padStart(5)} min: ${s.logins} logins, ${s.errors} errors, p50 ${p.p50.toFixed(0)} ms, p99 ${p.p99.toFixed(0)} ms; RSS ${mib(s.rss)}, heap ${mib(s.heapUsed)} (${mib(s.heapAfterGc)} after GC); Redis ${mib(s.redisMemory)}, ${s.redisKeys} keys; ${inFlight} in flight; CPU saoma ${s.saomaCpu.toFixed(0)} %, machine ${s.machineCpu.toFixed(0)} %`);
      window = { logins: 0, errors: 0, latencies: [] };
    };

    await sample(0);
    const t0 = performance.now();
    const end = t0 + minutes * 60_000;
    let nextSample = t0 + sampleSeconds * 1000;
    while (performance.now() < end) {
      const now = performance.now();
      // Open loop: as many logins started as the clock says, however the earlier ones are doing.
      const due = Math.floor(((now - t0) / 1000) * rate);
      while (started < due) {
        started++;
        if (inFlight >= maxInFlight) {
          window.errors++;
          failed('overloaded: not started');
          continue;
        }
        inFlight++;
        const p = one();
        running.add(p);
        void p.finally(() => running.delete(p));
      }
      if (now >= nextSample) {
        await sample(now - t0);
        nextSample += sampleSeconds * 1000;
      }
      await sleep(Math.max(1, Math.min(50, 1000 / rate / 2)));
    }
    await Promise.all(running);
    await sample(performance.now() - t0);
    await saoma.stop();
    await emulator.stop();

    const logins = samples.reduce((n, s) => n + s.logins, 0);
    const failures = samples.reduce((n, s) => n + s.errors, 0);
    const all = summarise(samples.flatMap((s) => s.latencies));
    console.log(`\nSoak: ${rate} logins/s for ${minutes} min (saoma on Redis, the emulator in its own process). Per sample (logins and latency since the previous one; memory of the saoma process):\n`);
    console.log(table(
      ['min', 'logins', 'errors', 'p50 ms', 'p99 ms', 'RSS', 'heap', 'heap after GC', 'external', 'Redis memory', 'Redis keys', 'saoma CPU %', 'machine CPU %'],
      samples.map((s) => {
        const p = summarise(s.latencies);
        return [(s.at / 60_000).toFixed(1), s.logins, s.errors, Number.isFinite(p.p50) ? p.p50.toFixed(0) : '–', Number.isFinite(p.p99) ? p.p99.toFixed(0) : '–', mib(s.rss), mib(s.heapUsed), mib(s.heapAfterGc), mib(s.external), mib(s.redisMemory), s.redisKeys, s.saomaCpu.toFixed(0), s.machineCpu.toFixed(0)];
      }),
    ));
    console.log(`\nErrors by kind (${failures} of ${started} logins started):\n`);
    console.log(errors.size ? table(['kind', 'count'], [...errors].sort((x, y) => y[1] - x[1])) : 'none');
    // Growth is read from the first sample after a minute of load (JIT, caches and pools warmed) to the last.
    const warm = samples.find((s) => s.at >= Math.min(60_000, (minutes * 60_000) / 2)) ?? samples[1] ?? samples[0]!;
    const last = samples.at(-1)!;
    const hours = Math.max(1e-9, (last.at - warm.at) / 3_600_000);
    console.log(`\n${logins} logins in ${minutes} min (${(logins / (minutes * 60)).toFixed(1)}/s), latency p50 ${all.p50.toFixed(0)} ms, p99 ${all.p99.toFixed(0)} ms, max ${all.max.toFixed(0)} ms.`);
    console.log(`From ${(warm.at / 60_000).toFixed(1)} to ${(last.at / 60_000).toFixed(1)} min: heap after GC ${mib(warm.heapAfterGc)} → ${mib(last.heapAfterGc)} (${mib((last.heapAfterGc - warm.heapAfterGc) / hours)} per hour), RSS ${mib(warm.rss)} → ${mib(last.rss)}, Redis ${warm.redisKeys} → ${last.redisKeys} keys.`);
    await deletePrefix(raw, prefix);
  } finally {
    raw.disconnect();
  }
});
