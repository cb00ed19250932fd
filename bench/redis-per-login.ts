/**
 * Redis commands per complete login, by command name and by key namespace.
 *
 *   node bench/redis-per-login.ts [--logins 100] [--result FILE]
 *
 * One saoma (in this process, through `startSaoma` of the test helpers, with its embedded emulator)
 * on a dedicated redis-server, so every command counted is saoma's, and beside it the baseline: the
 * same provider with an instant login (`bench/lib/instant-login.ts`, its own key prefix, idle while
 * saoma's rounds run and the other way round). Rounds of `--logins` logins, each counted from
 * `INFO commandstats` deltas (commands run inside Lua scripts included, as Redis counts them) and
 * from MONITOR (which tells client round trips from commands inside scripts, and the key each
 * touches):
 *   new users        `signIn` of the test helpers, each by a WeChat user never seen before;
 *   returning users  `signIn` again by the same users (a new browser each time);
 *   returning + page as "returning", plus what the login page itself does: its status long-poll
 *                    waits for the scan, then again for the confirm.
 * Each login: /auth, the login page, the code image (+ one getwxacodeunlimit), scan (wx.login +
 * jscode2session), confirm, complete, the RP's code exchange at /token (openid-client).
 *   instant login    saoma's own provider with an instant login: /auth → /interaction/<uid> (logged
 *                    in at once) → /auth/<uid> → the RP's callback → /token, counted the same way;
 *   bare provider    the same instant login on oidc-provider 9 with nothing of saoma and a plain
 *                    Redis adapter (`bench/lib/bare-provider.ts`): the baseline.
 * The summary holds "returning + page" (the whole login as a page and a phone do it) to ≤ 1.3 × the
 * bare provider's round trips (issue 16), and shows it against saoma's instant login too (what the
 * scan login adds to saoma's own provider); with `--result FILE` it is also written for `bench/all.ts`.
 */
import { Redis } from 'ioredis';
import { complete, fetchScene, mp, relyingParty, scan, signIn, startLogin } from '../test/helpers/login.ts';
import { startSaoma, type RunningSaoma } from '../test/helpers/saoma.ts';
import * as oidc from 'openid-client';
import { createLogger } from '../src/log.ts';
import { RedisStore } from '../src/store/redis.ts';
import { bounded, dedicatedRedis, onCleanup } from './lib/children.ts';
import { installFetch, remoteSaoma, until } from './lib/driver.ts';
import { installInstantLogin, instantLogin } from './lib/instant-login.ts';
import { startBareProvider } from './lib/bare-provider.ts';
import { report } from './lib/summary.ts';
import { argInt, commandStats, machine, statsDelta, table } from './lib/stats.ts';

const logins = argInt('logins', 100);

interface Round {
  name: string;
  stats: Map<string, number>;
  /** MONITOR tally: `client|lua  COMMAND  key-namespace` → count. */
  monitor: Map<string, number>;
}

bounded(15 * 60_000, async () => {
  const redis = await dedicatedRedis();
  const raw = new Redis(redis.url);
  onCleanup(async () => { raw.disconnect(); });
  const machineLine = await machine(raw);
  console.log(`machine: ${machineLine}`);
  installFetch(8);
  const log = createLogger('warn');
  const start = async (keyPrefix: string) => {
    const store = await new RedisStore({ kind: 'redis', url: redis.url }, { keyPrefix, commandTimeoutMs: 2000, log }).connect();
    const running = await startSaoma({ TRUST_PROXY: 'true', REDIS_URL: redis.url, REDIS_KEY_PREFIX: keyPrefix }, store, log);
    onCleanup(() => running.close());
    return { running, config: await relyingParty(running) };
  };
  const { running: saoma, config } = await start(`bench-commands-${process.pid}:`);
  const bare = await start(`bench-commands-bare-${process.pid}:`);
  await installInstantLogin(bare.running.saoma);
  const plain = await startBareProvider(redis.url, `bench-commands-plain-${process.pid}:`);
  onCleanup(() => plain.close());
  const plainRemote = remoteSaoma(plain.issuer, 'http://127.0.0.1:9');
  const plainConfig = await relyingParty(plainRemote);

  // Warm up: Lua scripts loaded (EVALSHA → NOSCRIPT → EVAL happens once), keys and caches made.
  for (let i = 0; i < 3; i++) await signIn(saoma, `warmup-${i}`, { config });
  await withPage(saoma, config, 'warmup-0');
  for (let i = 0; i < 3; i++) await instantLogin(bare.running, bare.config);
  for (let i = 0; i < 3; i++) await instantLogin(plainRemote, plainConfig);

  const monitor = await raw.duplicate().monitor();
  onCleanup(async () => { monitor.disconnect(); });
  let tally: Map<string, number> | undefined;
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (!tally) return;
    const command = String(args[0]).toUpperCase();
    if (command === 'INFO') return;
    const key = command === 'EVALSHA' || command === 'EVAL' ? args[3] : args[1];
    const entry = `${source === 'lua' ? 'in a script' : 'round trip'}\t${command}\t${namespace(key)}`;
    tally.set(entry, (tally.get(entry) ?? 0) + 1);
  });

  const round = async (name: string, login: (user: string) => Promise<unknown>): Promise<Round> => {
    tally = new Map();
    const before = await commandStats(raw);
    for (let i = 0; i < logins; i++) await login(`bench-user-${i}`);
    const after = await commandStats(raw);
    await new Promise((resolve) => setTimeout(resolve, 200)); // let MONITOR catch up
    const counted = tally;
    tally = undefined;
    return { name, stats: statsDelta(before, after), monitor: counted };
  };

  const rounds = [
    await round('new users', (user) => signIn(saoma, user, { config })),
    await round('returning users', (user) => signIn(saoma, user, { config })),
    await round('returning + page', (user) => withPage(saoma, config, user)),
    await round('instant login', () => instantLogin(bare.running, bare.config)),
    await round('bare provider', () => instantLogin(plainRemote, plainConfig)),
  ];

  const names = [...new Set(rounds.flatMap((r) => [...r.stats.keys()]))];
  const per = (r: Round, name: string) => ((r.stats.get(name) ?? 0) / logins).toFixed(2);
  const totals = rounds.map((r) => [...r.stats.values()].reduce((a, b) => a + b, 0) / logins);
  const trips = rounds.map((r) => [...r.monitor].filter(([k]) => k.startsWith('round trip')).reduce((a, [, v]) => a + v, 0) / logins);
  console.log(`\nRedis commands per complete login (INFO commandstats delta / ${logins}; commands inside Lua scripts are counted by Redis too):\n`);
  console.log(table(['command', ...rounds.map((r) => r.name)], [
    ...names.map((name) => [name, ...rounds.map((r) => per(r, name))]),
    ['**all commands**', ...totals.map((t) => t.toFixed(2))],
    ['**round trips** (MONITOR, not in scripts)', ...trips.map((t) => t.toFixed(2))],
  ]));

  for (const shown of rounds.slice(-3)) {
    console.log(`\n"${shown.name}" by key namespace (MONITOR / ${logins}):\n`);
    const rows = [...shown.monitor].sort((a, b) => b[1] - a[1]).map(([key, count]) => [...key.split('\t'), (count / logins).toFixed(2)]);
    console.log(table(['where', 'command', 'key', 'per login'], rows));
  }
  // The whole login as a page and a phone do it, against the bare provider and saoma's instant login.
  const [page, instant, bareProvider] = [2, 3, 4];
  report('redis-per-login', machineLine, [
    { measure: 'Redis round trips per login (returning + page), vs the bare provider', unit: 'round trips', saoma: trips[page]!, baseline: trips[bareProvider]!, target: { of: 'ratio', max: 1.3 } },
    { measure: 'Redis commands per login (inside scripts too), vs the bare provider', unit: 'commands', saoma: totals[page]!, baseline: totals[bareProvider]! },
    { measure: 'Redis round trips per login, vs saoma\'s instant login', unit: 'round trips', saoma: trips[page]!, baseline: trips[instant]! },
  ]);
});

/** One login as the real page does it: its long-poll waits for the scan, then for the confirm. */
async function withPage(saoma: RunningSaoma, config: oidc.Configuration, user: string): Promise<void> {
  const login = await startLogin(saoma, { config });
  const scene = await fetchScene(saoma, login);
  const status = (known: string) => login.browser.request(`${saoma.issuer}/interaction/${login.uid}/status?state=${known}`);
  const waiting = () => until(async () => saoma.saoma.tickets.waiting === 1, 5000, 'the page to wait', 1);

  const first = status('pending');
  await waiting();
  const scanned = await scan(saoma, scene, user);
  if (scanned.status !== 200 || (await first).json?.state !== 'scanned') throw new Error(`scan: ${JSON.stringify(scanned.json)}`);
  const second = status('scanned');
  await waiting();
  const confirmed = await mp(saoma, 'confirm', { scene, token: scanned.json.token });
  if (confirmed.status !== 200 || (await second).json?.state !== 'confirmed') throw new Error(`confirm: ${JSON.stringify(confirmed.json)}`);
  const callback = await complete(saoma, login);
  const tokens = await oidc.authorizationCodeGrant(login.config, callback, { pkceCodeVerifier: login.verifier, expectedState: login.state, idTokenExpected: true });
  if (!tokens.claims()?.sub) throw new Error('no sub in the ID token');
}

/**
 * `bench-commands-…:` + `oidc:Interaction:<id>` → `oidc:Interaction:*`: the last part and any id
 * inside (`account-used:<sub>:<client>` → `account-used:*:*`) become `*`, so one kind of key is
 * one row; a channel or a bare name stays.
 */
function namespace(key: string | undefined): string {
  if (key === undefined) return '';
  const parts = key.replace(/^bench-commands-[^:]*:/, '').split(':');
  if (parts.length === 1) return parts[0]!;
  const id = (part: string) => /^[A-Za-z0-9_-]{16,}$/.test(part) && !/^([A-Z][a-z]+)+$/.test(part); // not a model name like AuthorizationCode
  return parts.map((part, i) => (i === parts.length - 1 || (i > 0 && id(part)) ? '*' : part)).join(':');
}
