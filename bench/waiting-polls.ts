/**
 * How many waiting status polls one saoma process holds before it refuses (issue 10, "bounded
 * waiting"), and what a refusal costs the others.
 *
 *   node bench/waiting-polls.ts [--pages 3000] [--per-address 100]
 *
 * One saoma process (its own Node process) on a dedicated redis-server, with the standalone
 * emulator, `TRUST_PROXY=true` (each long-poll names its client address in X-Forwarded-For) and
 * `STATUS_POLLS_PER_IP=--per-address`. `--pages + --per-address + 2` logins are brought to "login
 * page loaded"; then:
 *
 * 1. one address opens `status?state=pending` polls one at a time until the first refusal;
 * 2. `--pages` polls from `--pages / --per-address` addresses, each address at its cap, are
 *    opened and left waiting; then one more poll from each of ten of those addresses, and one poll
 *    from a fresh address.
 *
 * Reported: polls held, refusals (status and error), and the server's memory after a full GC.
 */
import { Redis } from 'ioredis';
import { request, type Agent } from 'undici';
import { relyingParty } from '../test/helpers/login.ts';
import { freePort } from '../test/helpers/saoma.ts';
import { bounded, dedicatedRedis, startRunner } from './lib/children.ts';
import { AgentShards, clientsFile, deletePrefix, installFetch, prepareLogins, remoteSaoma, saomaEnv, until, type PreparedLogin } from './lib/driver.ts';
import { argInt, machine, mib, table } from './lib/stats.ts';

const pages = argInt('pages', 3000);
const perAddress = argInt('per-address', 100);

/** What a poll ended with. */
type Outcome = { status: number; error?: string } | Error;

function poll(agent: Agent, base: string, login: PreparedLogin, address: string): Promise<Outcome> {
  return request(`${base}/interaction/${login.uid}/status?state=pending`, {
    dispatcher: agent,
    headers: { cookie: login.cookie, accept: 'application/json', 'x-forwarded-for': address },
    headersTimeout: 120_000,
    bodyTimeout: 120_000,
  }).then(async (res) => {
    const body = (await res.body.json()) as { error?: string };
    return { status: res.statusCode, ...(body.error ? { error: body.error } : {}) };
  }, (err: Error) => err);
}

bounded(15 * 60_000, async () => {
  const redis = await dedicatedRedis();
  const raw = new Redis(redis.url);
  try {
    console.log(`machine: ${await machine(raw)}`);
    const prefix = `bench-polls-${process.pid}-${Date.now()}:`;
    installFetch(32);
    const emulator = await startRunner('emulator');
    const port = await freePort();
    const issuer = `http://127.0.0.1:${port}`;
    const saoma = await startRunner('saoma', { ...saomaEnv({ port, issuer, redisUrl: redis.url, prefix, emulator: emulator.url, clients: clientsFile(), waitSeconds: 60 }), STATUS_POLLS_PER_IP: String(perAddress) });
    const remote = remoteSaoma(saoma.url, emulator.url);
    const config = await relyingParty(remote);

    const total = pages + perAddress + 2;
    console.log(`preparing ${total} login pages…`);
    const logins = await prepareLogins({ page: remote, config, redis: raw, prefix, count: total, concurrency: 16, progress: (done) => process.stdout.write(`  ${done}/${total}\r`) });
    const agents = new AgentShards();
    const outcomes: Promise<Outcome>[] = [];
    const open = (login: PreparedLogin, address: string) => {
      const answer = poll(agents.for(outcomes.length), saoma.url, login, address);
      outcomes.push(answer);
      return answer;
    };
    const baseline = await saoma.memory();

    // 1. One address, one poll at a time, until the first refusal.
    let held = 0;
    let firstRefusal: Outcome | undefined;
    for (const login of logins.slice(0, perAddress + 1)) {
      const answered: { outcome?: Outcome } = {};
      void open(login, '203.0.113.1').then((outcome) => { answered.outcome = outcome; });
      await until(async () => answered.outcome !== undefined || (await saoma.waiting()).waiting >= held + 1, 10_000, `poll ${held + 1} of one address`, 5);
      if (answered.outcome) {
        firstRefusal = answered.outcome;
        break;
      }
      held++;
    }
    const oneAddress = await saoma.memory();
    console.log(`one address: ${held} polls waiting, then ${JSON.stringify(firstRefusal ?? 'no refusal')}`);

    // 2. Many addresses, each at its cap.
    const many = logins.slice(perAddress + 1, perAddress + 1 + pages);
    const addressOf = (i: number) => `198.18.${Math.floor(i / perAddress) >> 8}.${Math.floor(i / perAddress) & 255}`;
    const opening = performance.now();
    for (let i = 0; i < many.length; i += 500) {
      many.slice(i, i + 500).forEach((login, k) => void open(login, addressOf(i + k)));
      await until(async () => (await saoma.waiting()).waiting >= held + Math.min(i + 500, many.length), 60_000, `${i + 500} polls from many addresses`, 20);
    }
    const openedIn = (performance.now() - opening) / 1000;
    const during = await saoma.memory();
    // One more from ten full addresses (each a login page of those addresses polling again would
    // replace its own wait, so these use pages of the first address, already refused there).
    const extra = await Promise.all(Array.from({ length: 10 }, (_, k) => poll(agents.for(outcomes.length + k), saoma.url, logins[perAddress]!, addressOf(k * perAddress))));
    const fresh = open(logins[total - 1]!, '192.0.2.99');
    await until(async () => (await saoma.waiting()).waiting >= during.waiting + 1, 10_000, 'a poll from a fresh address', 10);
    const after = await saoma.memory();

    const refusedExtra = extra.filter((o) => !(o instanceof Error) && o.status === 429 && o.error === 'rate_limited').length;
    console.log(`\n${pages} polls from ${Math.ceil(pages / perAddress)} addresses opened in ${openedIn.toFixed(1)} s\n`);
    console.log(table(['moment', 'polls waiting', 'sockets', 'heapUsed', 'rss'], [
      ['pages loaded, nothing waiting', baseline.waiting, baseline.connections, mib(baseline.heapUsed), mib(baseline.rss)],
      [`one address (cap ${perAddress})`, oneAddress.waiting, oneAddress.connections, mib(oneAddress.heapUsed), mib(oneAddress.rss)],
      [`+ ${pages} from many addresses`, during.waiting, during.connections, mib(during.heapUsed), mib(during.rss)],
      ['+ one from a fresh address', after.waiting, after.connections, mib(after.heapUsed), mib(after.rss)],
    ]));
    console.log(`\none more poll from 10 full addresses: ${refusedExtra}/10 answered 429 rate_limited; a fresh address's poll waits: ${after.waiting === during.waiting + 1 ? 'yes' : 'no'}`);
    console.log(`errors among waiting polls so far: ${(await Promise.all(outcomes.map((o) => Promise.race([o, Promise.resolve('waiting' as const)])))).filter((o) => o instanceof Error).length}`);

    await agents.destroy();
    void fresh;
    await saoma.stop();
    await emulator.stop();
    await deletePrefix(raw, prefix);
  } finally {
    raw.disconnect();
  }
});
