/**
 * Full logins per second: saoma vs oidc-provider with an instant login, on the same store, in the
 * same run (product.md: saoma reaches at least 0.75 × the instant-login figure).
 *
 *   node bench/logins-per-second.ts [--seconds 20] [--workers 16] [--rounds 2] [--quiet 120] [--result FILE]
 *
 * Three processes on one dedicated redis-server (each with its own key prefix), plus the standalone
 * WeChat emulator:
 *   instant  saoma's provider (createSaoma, same configuration, adapter, keys and client) whose
 *            GET /interaction/<uid> logs a fixed account in at once (bench/lib/runner.ts `bare`):
 *            /auth → /interaction/<uid> → /auth/<uid> → code → /token.
 *   provider the same instant login on oidc-provider 9 with nothing of saoma and a plain Redis
 *            adapter (bench/lib/bare-provider.ts): shown beside, not held to a target.
 *   saoma    the whole WeChat login as a page and a phone do it: /auth, the login page, the code
 *            image (one getwxacodeunlimit at the emulator), the page's long-poll, wx.login + /mp/scan
 *            (one jscode2session), its second long-poll, /mp/confirm, /complete, code → /token.
 * `--workers` logins run concurrently (each a fresh browser; openid-client as the RP) for
 * `--seconds`, alternating instant / saoma / provider for `--rounds` rounds. The scene is read from the store
 * rather than decoded from the image (decoding is the phone's work, and would load this machine).
 * Besides logins/s, the CPU each process spent per login is reported: on a 2-core machine shared
 * with the load generator and the emulator, server CPU per login is the steadier comparison, and it
 * is the one held to a target: saoma / instant ≤ 1.33 (the median round of each). The emulator runs
 * in its own process, so its QR drawing (WeChat's work in production) is not counted as saoma's.
 * With `--result FILE` the summary is also written as JSON for `bench/all.ts`.
 */
import { Redis } from 'ioredis';
import * as oidc from 'openid-client';
import { complete, mp, relyingParty, scan, startLogin } from '../test/helpers/login.ts';
import { freePort, type RunningSaoma } from '../test/helpers/saoma.ts';
import { bounded, dedicatedRedis, startRunner, type Runner } from './lib/children.ts';
import { instantLogin } from './lib/instant-login.ts';
import { report } from './lib/summary.ts';
import { clientsFile, deletePrefix, installFetch, remoteSaoma, saomaEnv, sleep, waitForQuiet } from './lib/driver.ts';
import { argInt, machine, machineBusyMs, table } from './lib/stats.ts';

const seconds = argInt('seconds', 20);
const workers = argInt('workers', 16);
const rounds = Math.max(1, argInt('rounds', 2));
const quietSeconds = argInt('quiet', 120);

interface Target {
  name: 'instant' | 'saoma' | 'provider';
  runner: Runner;
  remote: RunningSaoma;
  config: oidc.Configuration;
  prefix: string;
}

interface Measured {
  name: string;
  round: number;
  logins: number;
  errors: number;
  perSecond: number;
  /** CPU ms per login, per process. */
  cpuPerLogin: Record<string, number>;
  others: number;
}

bounded(30 * 60_000, async () => {
  const redis = await dedicatedRedis();
  const raw = new Redis(redis.url);
  try {
    const machineLine = await machine(raw);
    console.log(`machine: ${machineLine}`);
    console.log(`${workers} concurrent logins for ${seconds} s per measurement, ${rounds} round(s)\n`);
    installFetch(workers * 4);
    const clients = clientsFile();
    const emulator = await startRunner('emulator');
    const start = async (name: Target['name']): Promise<Target> => {
      const prefix = `bench-lps-${name}-${process.pid}:`;
      const port = await freePort();
      const runner = await startRunner(({ instant: 'bare', saoma: 'saoma', provider: 'provider' } as const)[name], saomaEnv({ port, issuer: `http://127.0.0.1:${port}`, redisUrl: redis.url, prefix, emulator: emulator.url, clients, waitSeconds: 25 }));
      const remote = remoteSaoma(runner.url, emulator.url);
      return { name, runner, remote, config: await relyingParty(remote), prefix };
    };
    const targets = [await start('instant'), await start('saoma'), await start('provider')];
    let user = 0;
    const login = async (target: Target) => (target.name === 'saoma' ? saomaLogin(target, raw, `bench-user-${user++ % 1000}`) : instantLogin(target.remote, target.config));

    // Warm up both (JIT, scripts, accounts of the first users).
    for (const target of targets) await run(target, login, 3, 0, emulator, raw);

    const results: Measured[] = [];
    for (let round = 1; round <= rounds; round++) {
      for (const target of targets) {
        await waitForQuiet(quietSeconds);
        const measured = await run(target, login, seconds, round, emulator, raw);
        console.log(`${target.name} #${round}: ${measured.perSecond.toFixed(1)} logins/s (${measured.logins} logins, ${measured.errors} errors, others ${measured.others.toFixed(0)} % CPU)`);
        results.push(measured);
      }
    }
    for (const target of targets) await target.runner.stop();
    await emulator.stop();

    const processes = [...new Set(results.flatMap((r) => Object.keys(r.cpuPerLogin)))];
    console.log('\nFull logins per second, and CPU ms per login by process ("others": CPU % of one core used outside this benchmark):\n');
    console.log(table(
      ['target, round', 'logins', 'errors', 'logins/s', ...processes.map((p) => `${p} ms/login`), 'others %'],
      results.map((r) => [`${r.name} #${r.round}`, r.logins, r.errors, r.perSecond.toFixed(1), ...processes.map((p) => (r.cpuPerLogin[p] === undefined ? '–' : r.cpuPerLogin[p]!.toFixed(2))), r.others.toFixed(0)]),
    ));
    const median = (name: string, pick: (r: Measured) => number) => {
      const values = results.filter((r) => r.name === name).map(pick).sort((a, b) => a - b);
      return values[Math.floor((values.length - 1) / 2)]!;
    };
    const instantRate = median('instant', (r) => r.perSecond);
    const saomaRate = median('saoma', (r) => r.perSecond);
    const instantCpu = median('instant', (r) => r.cpuPerLogin.server!);
    const saomaCpu = median('saoma', (r) => r.cpuPerLogin.server!);
    const providerCpu = median('provider', (r) => r.cpuPerLogin.server!);
    const providerRate = median('provider', (r) => r.perSecond);
    console.log(`\nWhere a saoma login's time goes (mean wall time per step over every saoma login, ms, ${workers} at once):\n`);
    console.log(table(['step', 'ms'], [...steps].map(([name, total]) => [name, (total / Math.max(1, stepLogins)).toFixed(1)])));
    console.log(`\nsaoma / instant: ${(saomaRate / instantRate).toFixed(2)} × the logins per second; server CPU per login ${saomaCpu.toFixed(2)} ms vs ${instantCpu.toFixed(2)} ms (medians of ${rounds} round(s)).`);
    report('logins-per-second', machineLine, [
      // The target (issue 16): ≤ 1.33 × the instant login's server CPU, i.e. ≥ 0.75 × its rate when CPU-bound.
      { measure: 'server CPU per login (emulator in its own process)', unit: 'ms', saoma: saomaCpu, baseline: instantCpu, target: { of: 'ratio', max: 1.33 } },
      // Shown, not judged: on a small shared box the emulator's QR drawing caps saoma's rate.
      { measure: 'logins per second (whole machine)', unit: '/s', saoma: saomaRate, baseline: instantRate },
      // Shown: what saoma's own provider (its adapter, indexes, app) adds to oidc-provider itself.
      { measure: 'server CPU per login, vs the bare provider', unit: 'ms', saoma: saomaCpu, baseline: providerCpu },
      { measure: 'logins per second, vs the bare provider', unit: '/s', saoma: saomaRate, baseline: providerRate },
    ]);
    for (const target of targets) await deletePrefix(raw, target.prefix);
  } finally {
    raw.disconnect();
  }
});

/** `workers` loops of `login` for `forSeconds`; counts the logins that finished in time. */
async function run(target: Target, login: (target: Target) => Promise<void>, forSeconds: number, round: number, emulator: Runner, raw: Redis): Promise<Measured> {
  const before = await cpu(target.runner, emulator, raw);
  const started = performance.now();
  const deadline = started + forSeconds * 1000;
  let logins = 0;
  let errors = 0;
  let lastError: unknown;
  await Promise.all(Array.from({ length: workers }, async () => {
    while (performance.now() < deadline) {
      try {
        await login(target);
        logins++;
      } catch (err) {
        errors++;
        lastError = err;
        await sleep(50);
      }
    }
  }));
  const elapsed = performance.now() - started;
  const after = await cpu(target.runner, emulator, raw);
  if (errors) console.error(`${target.name}: ${errors} failed logins; the last: ${String((lastError as Error)?.stack ?? lastError)}`);
  const cpuPerLogin: Record<string, number> = {};
  let ours = 0;
  for (const name of Object.keys(after)) {
    const used = after[name]! - before[name]!;
    if (name === 'machine') continue;
    ours += used;
    cpuPerLogin[name] = used / Math.max(1, logins);
  }
  const others = (((after.machine! - before.machine!) - ours) / elapsed) * 100;
  return { name: target.name, round, logins, errors, perSecond: (logins / elapsed) * 1000, cpuPerLogin, others };
}

/** CPU ms used so far by the server under test, the emulator, redis-server, this process and the machine. */
async function cpu(server: Runner, emulator: Runner, raw: Redis): Promise<Record<string, number>> {
  const s = await server.cpu();
  const e = await emulator.cpu();
  const info = await raw.info('cpu');
  const redisSeconds = Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1] ?? 0) + Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1] ?? 0);
  const own = process.cpuUsage();
  return {
    server: (s.user + s.system) / 1000,
    emulator: (e.user + e.system) / 1000,
    'redis-server': redisSeconds * 1000,
    'load generator': (own.user + own.system) / 1000,
    machine: machineBusyMs(),
  };
}

/** Wall time per step of the saoma login, summed over the measured logins (ms). */
const steps = new Map<string, number>();
let stepLogins = 0;
function step(name: string, since: number): number {
  const now = performance.now();
  steps.set(name, (steps.get(name) ?? 0) + now - since);
  return now;
}

/** The whole saoma login, as the page and the phone do it. */
async function saomaLogin(target: Target, raw: Redis, user: string): Promise<void> {
  const { remote } = target;
  let t = performance.now();
  const login = await startLogin(remote, { config: target.config });
  t = step('/auth + login page', t);
  const base = `${remote.issuer}/interaction/${login.uid}`;
  const image = await login.browser.request(`${base}/qrcode`);
  if (image.status !== 200) throw new Error(`qrcode answered ${image.status}`);
  const scene = await raw.get(`${target.prefix}ticket-of:${login.uid}`);
  if (!scene) throw new Error(`no ticket for ${login.uid}`);
  t = step('code image', t);
  const first = login.browser.request(`${base}/status?state=pending`);
  const scanned = await scan(remote, scene, user);
  if (scanned.status !== 200) throw new Error(`scan answered ${scanned.status}: ${JSON.stringify(scanned.json)}`);
  t = step('wx.login + /mp/scan', t);
  if ((await first).json?.state !== 'scanned') throw new Error('the page did not see the scan');
  t = step('page sees the scan', t);
  const second = login.browser.request(`${base}/status?state=scanned`);
  const confirmed = await mp(remote, 'confirm', { scene, token: scanned.json.token });
  if (confirmed.status !== 200) throw new Error(`confirm answered ${confirmed.status}: ${JSON.stringify(confirmed.json)}`);
  t = step('/mp/confirm', t);
  if ((await second).json?.state !== 'confirmed') throw new Error('the page did not see the confirm');
  t = step('page sees the confirm', t);
  const callback = await complete(remote, login);
  t = step('/complete → callback', t);
  const tokens = await oidc.authorizationCodeGrant(login.config, callback, { pkceCodeVerifier: login.verifier, expectedState: login.state, idTokenExpected: true });
  if (!tokens.claims()?.sub) throw new Error('no sub in the ID token');
  step('/token', t);
  stepLogins++;
}
