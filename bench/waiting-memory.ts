/**
 * What a waiting login page costs the server (issue 16: ≤ 10 KB of server memory and zero store
 * reads while it waits), beside a bare `node:http` held request in the same run.
 *
 *   node bench/waiting-memory.ts [--pages 10000] [--window 10] [--snapshots DIR] [--result FILE]
 *
 * One saoma process (its own Node process, started with --expose-gc) on a dedicated redis-server,
 * with the standalone emulator. `--pages` logins are brought to "login page loaded"; then each
 * page's long-poll `status?state=pending` is opened and left waiting. The server reports
 * `process.memoryUsage()` after a full GC before the long-polls, while they all wait, and after
 * they are gone. During a `--window`-second quiet period with every page waiting, the Redis
 * commands run are counted from `INFO commandstats` deltas (the only other client of that Redis is
 * this script's INFO).
 *
 * Then the baseline, measured the same way: a bare `node:http` process (`bench/lib/held.ts`, runner
 * role `held`) holding as many requests on the same URLs, each a Map entry and a 'close' listener.
 * The summary holds saoma's heap per waiting page to ≤ 10,000 bytes and its store commands while
 * the pages wait to zero, and shows the ratio to the bare held request (the "twice a bare
 * node:http held request"); with `--result FILE` it is also written for `bench/all.ts`.
 */
import { Redis } from 'ioredis';
import { relyingParty } from '../test/helpers/login.ts';
import { freePort } from '../test/helpers/saoma.ts';
import { bounded, dedicatedRedis, startRunner, type Runner } from './lib/children.ts';
import { AgentShards, clientsFile, deletePrefix, installFetch, longPoll, prepareLogins, remoteSaoma, saomaEnv, sleep, until, type PollAnswer, type PreparedLogin } from './lib/driver.ts';
import { report } from './lib/summary.ts';
import type { RunnerMemory } from './lib/runner.ts';
import { argInt, argValue, commandStats, kib, machine, mib, statsDelta, table } from './lib/stats.ts';

const pages = argInt('pages', 10_000);
const windowSeconds = argInt('window', 10);
/** With --snapshots DIR: V8 heap snapshots of the server before and while the pages wait. */
const snapshots = argValue('snapshots');

interface Waited {
  before: RunnerMemory;
  during: RunnerMemory;
  after: RunnerMemory;
  /** Redis commands (INFO commandstats delta) during the quiet window. */
  commands: Map<string, number>;
  /** The same from MONITOR, by command and key (`GET keys:signing`), to tell what they were for. */
  byKey: Map<string, number>;
}

/**
 * Commands on these keys are each process's signing-key refresh (KEY_REFRESH_SECONDS, every 60 s),
 * which a 10 s window meets one time in six: not a read for a waiting page.
 */
const KEYRING = /^keys:/;

bounded(20 * 60_000, async () => {
  const redis = await dedicatedRedis();
  const raw = new Redis(redis.url);
  try {
    const machineLine = await machine(raw);
    console.log(`machine: ${machineLine}`);
    const prefix = `bench-memory-${process.pid}-${Date.now()}:`;
    installFetch(32);
    const emulator = await startRunner('emulator');
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    const saoma = await startRunner('saoma', saomaEnv({ port, issuer, redisUrl: redis.url, prefix, emulator: emulator.url, clients: clientsFile(), waitSeconds: 60 }));
    const remote = remoteSaoma(saoma.url, emulator.url);
    const config = await relyingParty(remote);

    const started = performance.now();
    console.log(`preparing ${pages} login pages…`);
    const logins = await prepareLogins({ page: remote, config, redis: raw, prefix, count: pages, concurrency: 16, progress: (done) => process.stdout.write(`  ${done}/${pages}\r`) });
    console.log(`prepared in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    await sleep(1000);
    const ours = await waitOn('saoma', saoma, logins, raw);
    await saoma.stop();
    await emulator.stop();
    await deletePrefix(raw, prefix);

    const held = await startRunner('held', { REDIS_URL: redis.url, PORT: String(await freePort()) });
    const ids: PreparedLogin[] = Array.from({ length: pages }, (_, i) => ({ uid: `held-${i}`, cookie: '', scene: `held-${i}` }));
    const bare = await waitOn('bare node:http', held, ids, raw);
    await held.stop();

    const row = (name: string, m: RunnerMemory) => [name, m.waiting, m.connections, mib(m.heapUsed), mib(m.rss), mib(m.external), mib(m.arrayBuffers)];
    const moments = (name: string, w: Waited) => [row(`${name}: pages loaded, nothing waiting`, w.before), row(`${name}: every page long-polling`, w.during), row(`${name}: long-polls gone`, w.after)];
    console.log(`\nprocess memory after a full GC (${pages} pages; the baseline holds as many requests):\n`);
    console.log(table(['moment', 'waiting', 'sockets', 'heapUsed', 'rss', 'external', 'arrayBuffers'], [...moments('saoma', ours), ...moments('bare node:http', bare)]));
    const per = (w: Waited, field: keyof RunnerMemory) => (w.during[field] - w.before[field]) / pages;
    console.log(`\nper waiting page (while − before) / ${pages}, bytes:\n`);
    console.log(table(['measure', 'saoma', '', 'bare node:http', ''], (['heapUsed', 'rss'] as const).map((field) => [field, per(ours, field).toFixed(0), kib(per(ours, field)), per(bare, field).toFixed(0), kib(per(bare, field))])));
    const count = (w: Waited) => [...w.commands.values()].reduce((a, b) => a + b, 0);
    const forPages = (w: Waited) => [...w.byKey].filter(([key]) => !KEYRING.test(key.split(' ')[1] ?? '')).reduce((a, [, n]) => a + n, 0);
    console.log(`\nRedis commands during the ${windowSeconds} s window with every page waiting (INFO commandstats delta, the snapshot INFO excluded; by key from MONITOR):\n`);
    const rows = [...ours.commands].map(([name, calls]) => [name, calls]);
    console.log(rows.length ? table(['command', 'calls'], rows) : 'saoma: none (zero commands of any kind, so zero GET on ticket keys)');
    if (ours.byKey.size) console.log(`\n${table(['saoma: command and key', 'calls'], [...ours.byKey])}`);
    console.log(`bare node:http: ${count(bare)} commands`);
    report('waiting-memory', machineLine, [
      // The target is saoma's own figure (issue 16: ≤ 10 KB, twice the bare request it measured, 4.9 KB).
      { measure: 'heap per waiting page', unit: 'B', saoma: per(ours, 'heapUsed'), baseline: per(bare, 'heapUsed'), target: { of: 'saoma', max: 10_000 } },
      { measure: 'RSS per waiting page', unit: 'B', saoma: per(ours, 'rss'), baseline: per(bare, 'rss') },
      { measure: `store commands for ${pages} waiting pages in ${windowSeconds} s (keyring refresh aside)`, unit: 'commands', saoma: forPages(ours), baseline: forPages(bare), target: { of: 'saoma', max: 0 } },
      { measure: `store commands of any kind in those ${windowSeconds} s`, unit: 'commands', saoma: count(ours), baseline: count(bare) },
    ]);
  } finally {
    raw.disconnect();
  }
});

/**
 * Memory of `server` after a full GC before, while and after every one of `logins` waits in a
 * `status?state=pending` long-poll, and the Redis commands of a quiet window while they wait.
 */
async function waitOn(name: string, server: Runner, logins: PreparedLogin[], raw: Redis): Promise<Waited> {
  const before = await server.memory();
  if (snapshots) console.log(`heap snapshot: ${await server.snapshot(snapshots)}`);
  const agents = new AgentShards();
  const polls: Promise<PollAnswer | Error>[] = [];
  const opening = performance.now();
  for (let i = 0; i < logins.length; i += 500) {
    for (const login of logins.slice(i, i + 500)) polls.push(longPoll(agents.for(polls.length), server.url, login, 'pending').catch((err: Error) => err));
    await until(async () => (await server.waiting()).waiting >= polls.length, 60_000, `${polls.length} waiting long-polls`, 20);
  }
  console.log(`${name}: ${logins.length} long-polls waiting (opened in ${((performance.now() - opening) / 1000).toFixed(1)} s); quiet window of ${windowSeconds} s…`);
  const monitor = await raw.duplicate().monitor();
  const byKey = new Map<string, number>();
  monitor.on('monitor', (_time: string, args: string[]) => {
    const command = String(args[0]).toUpperCase();
    if (command === 'INFO') return;
    const key = `${command} ${String(args[1] ?? '').replace(/^bench-memory-[^:]*:/, '').replace(/:[^:]+$/, ':*')}`;
    byKey.set(key, (byKey.get(key) ?? 0) + 1);
  });
  const statsBefore = await commandStats(raw);
  await sleep(windowSeconds * 1000);
  const commands = statsDelta(statsBefore, await commandStats(raw));
  await sleep(200); // let MONITOR catch up
  monitor.disconnect();
  const during = await server.memory();
  if (snapshots) console.log(`heap snapshot: ${await server.snapshot(snapshots)}`);

  // Let them go: the pages leave (connections closed), the server drops its waiters.
  await agents.destroy();
  await Promise.all(polls);
  await until(async () => (await server.waiting()).waiting === 0, 30_000, 'the waiters to be released');
  await sleep(500);
  return { before, during, after: await server.memory(), commands, byKey };
}
