/**
 * The load generator's side: a saoma in another process seen through the test helpers, keep-alive
 * undici agents, and logins prepared up to "page loaded" or "scanned" with the helpers of
 * `test/helpers/login.ts`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type * as oidc from 'openid-client';
import { Agent, fetch as undiciFetch, request } from 'undici';
import { scan, startLogin } from '../../test/helpers/login.ts';
import { RP, type RunningSaoma } from '../../test/helpers/saoma.ts';
import { onCleanup } from './children.ts';
import { machineBusyMs } from './stats.ts';

/** The interaction cookies the helpers' Browser sent for each login page, by interaction uid. */
const pageCookies = new Map<string, string>();
let nextIp = 0;

/** A different client IP (10.x.y.z) per call, as if every mini-program call came from its own phone. */
export function phoneIp(): string {
  const n = nextIp++;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/**
 * Routes every `fetch` of this process (the helpers use the global one) through a keep-alive undici
 * agent, remembers the cookie the Browser sends with each login page, and gives each `/mp/*` call
 * its own X-Forwarded-For (the saoma under test runs with TRUST_PROXY=true): saoma limits the
 * mini-program API to 120 calls a minute per client IP, and every call here comes from 127.0.0.1.
 */
export function installFetch(connections = 64): Agent {
  const agent = new Agent({ connections, keepAliveTimeout: 30_000 });
  onCleanup(() => agent.close());
  const wrapped = (input: string | URL | Request, init: RequestInit = {}) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const headers = { ...(init.headers as Record<string, string> | undefined) };
    const page = /^\/interaction\/([^/]+)$/.exec(url.pathname);
    if (page && headers.cookie) pageCookies.set(page[1]!, headers.cookie);
    if (url.pathname.startsWith('/mp/')) headers['x-forwarded-for'] = phoneIp();
    return undiciFetch(url, { ...(init as object), headers, dispatcher: agent } as Parameters<typeof undiciFetch>[1]);
  };
  globalThis.fetch = wrapped as unknown as typeof fetch;
  return agent;
}

/** The cookie header a browser sends to `/interaction/<uid>/…` (captured by `installFetch`). */
export function cookieOf(uid: string): string {
  const cookie = pageCookies.get(uid);
  if (!cookie) throw new Error(`no interaction cookie seen for ${uid}`);
  return cookie;
}

/**
 * A saoma running in another process, as the test helpers see one: they only use `issuer` and
 * the emulator calls. The in-process handles (`saoma`, `store`, `config`) are not available.
 */
export function remoteSaoma(issuer: string, emulatorBase: string): RunningSaoma {
  const emulator = async (path: string, body?: unknown) => {
    const res = await fetch(emulatorBase + path, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return res.json();
  };
  const absent = (what: string): never => {
    throw new Error(`${what} lives in another process`);
  };
  return {
    issuer,
    get saoma() { return absent('saoma'); },
    get store() { return absent('store'); },
    get config() { return absent('config'); },
    calls: async () => (await emulator('/emulator/stats')).calls,
    emulator,
    wxLogin: async (user, unionid) => (await emulator('/emulator/login', unionid === undefined ? { user } : { user, unionid })).code,
    close: async () => {},
  };
}

/** The clients file of the runners: the tests' confidential RP. */
export function clientsFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'saoma-bench-'));
  const file = join(dir, 'clients.json');
  writeFileSync(file, JSON.stringify([{
    client_id: RP.client_id,
    client_secret: RP.client_secret,
    client_name: 'Bench Shop',
    client_uri: 'https://shop.example',
    redirect_uris: [RP.redirect_uri],
    grant_types: ['authorization_code', 'refresh_token'],
  }]));
  return file;
}

/** The environment of one saoma runner on Redis with the shared standalone emulator. */
export function saomaEnv(options: { port?: number; issuer: string; redisUrl: string; prefix: string; emulator: string; clients: string; waitSeconds?: number }): Record<string, string> {
  return {
    NODE_ENV: 'development',
    PORT: String(options.port ?? 0),
    HOST: '127.0.0.1',
    ISSUER: options.issuer,
    CLIENTS_FILE: options.clients,
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    REDIS_URL: options.redisUrl,
    REDIS_KEY_PREFIX: options.prefix,
    WECHAT_API_BASE: options.emulator,
    TRUST_PROXY: 'true',
    // Every long-poll here comes from 127.0.0.1: no per-address cap on waiting polls.
    STATUS_POLLS_PER_IP: '0',
    // …and every login page too: no per-address budget on code images (the deployment-wide one stays).
    CODE_LIMIT_PER_IP: '0',
    // The benchmarks sign in to one website faster than its default per-client budget (1,000 codes a
    // minute) allows: measure saoma, not the guard.
    CODE_LIMIT_PER_CLIENT: '0',
    CODE_LIMIT_TOTAL: '0',
    DEMO: 'false',
    STATUS_WAIT_SECONDS: String(options.waitSeconds ?? 60),
  };
}

export interface PreparedLogin {
  uid: string;
  cookie: string;
  scene: string;
  /** The scan token (only for logins prepared up to "scanned"). */
  token?: string;
}

/**
 * `count` logins brought to "login page loaded" (and, with `scanOn`, "scanned"), `concurrency` at a
 * time, through the test helpers. The scene is read from the store (`ticket-of:<uid>`) instead of
 * decoding each code image: the image path is not what these benchmarks measure and decoding
 * thousands of PNGs would dominate the preparation.
 */
export async function prepareLogins(options: {
  page: RunningSaoma;
  scanOn?: RunningSaoma;
  config: oidc.Configuration;
  redis: Redis;
  prefix: string;
  count: number;
  concurrency?: number;
  progress?: (done: number) => void;
}): Promise<PreparedLogin[]> {
  const prepared: PreparedLogin[] = new Array(options.count);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < options.count) {
      const i = next++;
      const login = await startLogin(options.page, { config: options.config });
      const scene = await options.redis.get(`${options.prefix}ticket-of:${login.uid}`);
      if (!scene) throw new Error(`no ticket for interaction ${login.uid}`);
      const entry: PreparedLogin = { uid: login.uid, cookie: cookieOf(login.uid), scene };
      if (options.scanOn) {
        const scanned = await scan(options.scanOn, scene, `bench-user-${i}`);
        if (scanned.status !== 200) throw new Error(`scan answered ${scanned.status}: ${JSON.stringify(scanned.json)}`);
        entry.token = scanned.json.token;
      }
      prepared[i] = entry;
      done++;
      if (done % 500 === 0) options.progress?.(done);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 16 }, worker));
  return prepared;
}

/**
 * Keep-alive agents for thousands of concurrent long-polls, at most `perAgent` connections each.
 * One undici Agent holding every connection is quadratic: each connection it loses walks all the
 * others (Agent's `closeClientIfUnused` counts the pool's connected clients), so when the server
 * closes 16,000 idle keep-alive sockets the load generator stalls for minutes.
 */
export class AgentShards {
  readonly #agents: Agent[] = [];
  readonly #perAgent: number;

  constructor(perAgent = 250) {
    this.#perAgent = perAgent;
  }

  /** The agent for the i-th concurrent request. */
  for(i: number): Agent {
    const n = Math.floor(i / this.#perAgent);
    while (this.#agents.length <= n) this.#agents.push(new Agent({ connections: this.#perAgent, keepAliveTimeout: 120_000, pipelining: 1 }));
    return this.#agents[n]!;
  }

  async destroy(): Promise<void> {
    await Promise.all(this.#agents.map((agent) => agent.destroy()));
  }
}

export interface PollAnswer {
  /** performance.now() when the response head arrived. */
  at: number;
  status: number;
  state: string | undefined;
}

/** One status long-poll, as the login page sends it, on `agent`. */
export async function longPoll(agent: Agent, base: string, login: PreparedLogin, known: string): Promise<PollAnswer> {
  const res = await request(`${base}/interaction/${login.uid}/status?state=${known}`, {
    dispatcher: agent,
    headers: { cookie: login.cookie, accept: 'application/json' },
    headersTimeout: 120_000,
    bodyTimeout: 120_000,
  });
  const at = performance.now();
  const body = (await res.body.json()) as { state?: string };
  return { at, status: res.statusCode, state: body.state };
}

/** POST /mp/confirm as the mini-program sends it, from its own client IP. */
export async function confirm(agent: Agent, base: string, login: PreparedLogin): Promise<number> {
  const res = await request(`${base}/mp/confirm`, {
    dispatcher: agent,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': phoneIp() },
    body: JSON.stringify({ scene: login.scene, token: login.token }),
  });
  await res.body.dump();
  return res.statusCode;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until `check` is true, polling every `everyMs`; throws after `timeoutMs`. */
export async function until(check: () => Promise<boolean>, timeoutMs: number, what: string, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/**
 * Waits until the machine is idle apart from this benchmark (under 10 % of one core busy over 2 s,
 * while the benchmark itself idles), or `maxSeconds` have passed: the machine may be shared.
 */
export async function waitForQuiet(maxSeconds: number, label = ''): Promise<void> {
  const deadline = Date.now() + maxSeconds * 1000;
  const tag = label ? `[${label}] ` : '';
  let told = false;
  for (;;) {
    const before = machineBusyMs();
    const from = performance.now();
    await sleep(2000);
    const busy = ((machineBusyMs() - before) / (performance.now() - from)) * 100;
    if (!Number.isFinite(busy) || busy < 10) return;
    if (Date.now() > deadline) {
      console.log(`${tag}the machine is still busy (${busy.toFixed(0)} % of a core used by others); measuring anyway`);
      return;
    }
    if (!told) console.log(`${tag}the machine is busy (${busy.toFixed(0)} % of a core used by others); waiting up to ${maxSeconds} s for quiet…`);
    told = true;
  }
}

/** Deletes this run's keys (SCAN + UNLINK of `prefix*`), nothing else. */
export async function deletePrefix(raw: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await raw.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await raw.unlink(...keys);
  } while (cursor !== '0');
}
