/**
 * What a waiting login page costs the server (product.md: ≤ 16 KB of server memory and zero store
 * reads while it waits).
 *
 *   node bench/waiting-memory.ts [--pages 10000] [--window 10] [--snapshots DIR]
 *
 * One saoma process (its own Node process, started with --expose-gc) on a dedicated redis-server,
 * with the standalone emulator. `--pages` logins are brought to "login page loaded"; then each
 * page's long-poll `status?state=pending` is opened and left waiting. The server reports
 * `process.memoryUsage()` after a full GC before the long-polls, while they all wait, and after
 * they are gone. During a `--window`-second quiet period with every page waiting, the Redis
 * commands run are counted from `INFO commandstats` deltas (the only other client of that Redis is
 * this script's INFO).
 */
import { Redis } from 'ioredis';
import { relyingParty } from '../test/helpers/login.ts';
import { freePort } from '../test/helpers/saoma.ts';
import { bounded, dedicatedRedis, startRunner } from './lib/children.ts';
import { AgentShards, clientsFile, deletePrefix, installFetch, longPoll, prepareLogins, remoteSaoma, saomaEnv, sleep, until, type PollAnswer } from './lib/driver.ts';
import type { RunnerMemory } from './lib/runner.ts';
import { argInt, argValue, commandStats, kib, machine, mib, statsDelta, table } from './lib/stats.ts';

const pages = argInt('pages', 10_000);
const windowSeconds = argInt('window', 10);
/** With --snapshots DIR: V8 heap snapshots of the server before and while the pages wait. */
const snapshots = argValue('snapshots');

bounded(20 * 60_000, async () => {
  const redis = await dedicatedRedis();
  const raw = new Redis(redis.url);
  try {
    console.log(`machine: ${await machine(raw)}`);
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
    const before = await saoma.memory();
    if (snapshots) console.log(`heap snapshot: ${await saoma.snapshot(snapshots)}`);

    const agents = new AgentShards();
    const polls: Promise<PollAnswer | Error>[] = [];
    const opening = performance.now();
    for (let i = 0; i < logins.length; i += 500) {
      for (const login of logins.slice(i, i + 500)) polls.push(longPoll(agents.for(polls.length), saoma.url, login, 'pending').catch((err: Error) => err));
      await until(async () => (await saoma.waiting()).waiting >= polls.length, 60_000, `${polls.length} waiting long-polls`, 20);
    }
    const openedIn = (performance.now() - opening) / 1000;
    console.log(`${pages} long-polls waiting (opened in ${openedIn.toFixed(1)} s); quiet window of ${windowSeconds} s…`);

    const statsBefore = await commandStats(raw);
    await sleep(windowSeconds * 1000);
    const statsAfter = await commandStats(raw);
    const commands = statsDelta(statsBefore, statsAfter);
    const during = await saoma.memory();
    if (snapshots) console.log(`heap snapshot: ${await saoma.snapshot(snapshots)}`);
    const stillWaiting = during.waiting;

    // Let them go: the pages leave (connections closed), the server drops its waiters.
    await agents.destroy();
    await Promise.all(polls);
    await until(async () => (await saoma.waiting()).waiting === 0, 30_000, 'the waiters to be released');
    await sleep(500);
    const after = await saoma.memory();
    await saoma.stop();
    await emulator.stop();

    const row = (name: string, m: RunnerMemory) => [name, m.waiting, m.connections, mib(m.heapUsed), mib(m.rss), mib(m.external), mib(m.arrayBuffers)];
    console.log(`\nsaoma process memory after a full GC (${pages} pages):\n`);
    console.log(table(['moment', 'waiting', 'sockets', 'heapUsed', 'rss', 'external', 'arrayBuffers'], [row('pages loaded, nothing waiting', before), row('every page long-polling', during), row('long-polls gone', after)]));
    const per = (field: keyof RunnerMemory) => (during[field] - before[field]) / pages;
    console.log(`\nper waiting page (while − before) / ${pages}:\n`);
    console.log(table(['measure', 'bytes', ''], [
      ['heapUsed', per('heapUsed').toFixed(0), kib(per('heapUsed'))],
      ['heapUsed + external', (per('heapUsed') + per('external')).toFixed(0), kib(per('heapUsed') + per('external'))],
      ['rss', per('rss').toFixed(0), kib(per('rss'))],
    ]));
    console.log(`\nRedis commands during the ${windowSeconds} s window with ${stillWaiting} pages waiting (INFO commandstats delta; the snapshot INFO excluded):\n`);
    const rows = [...commands].map(([name, calls]) => [name, calls]);
    console.log(rows.length ? table(['command', 'calls'], rows) : '(none: zero commands of any kind, so zero GET on ticket keys)');
    await deletePrefix(raw, prefix);
  } finally {
    raw.disconnect();
  }
});
