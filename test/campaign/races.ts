import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { Agent, request } from 'undici';
import { RP, freePort } from '../helpers/saoma.ts';
import type { AppOptions, Setup } from './race-app.ts';

/**
 * The world a race runs in: one saoma app on the memory store, or two saoma apps on one Redis (as
 * two processes would be, each with its own connections), each app in a worker thread of its own
 * (`race-app.ts`), the first also serving the WeChat emulator. Racers are real HTTP requests from
 * this thread, spread over the apps in turn. What a trial needs before its race (a ticket in a
 * given state, an interaction, a code) is made by the first app straight through the services the
 * routes themselves use (`setup`), so thousands of trials fit in CI; the race itself is only HTTP.
 */
export interface RaceWorld {
  /** Where each app listens; every app answers as the issuer of the first. */
  bases: string[];
  /** The first app's services, for what a trial needs before its race. */
  setup: Remote<Setup>;
  /** Each app's services (the first is `setup`). */
  apps: Remote<Setup>[];
  close(): Promise<void>;
}

type Remote<T> = { [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => Promise<R> : never };

/** Starts `race-app.ts` in a worker and waits until it listens; its services, called by message. */
async function startApp(options: AppOptions): Promise<{ remote: Remote<Setup>; worker: Worker }> {
  const worker = new Worker(new URL('./race-app.ts', import.meta.url), { workerData: options });
  const pending = new Map<number, { resolve(value: unknown): void; reject(err: Error): void }>();
  let next = 0;
  await new Promise<void>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('message', () => resolve());
  });
  worker.on('message', ({ id, value, error }: { id: number; value?: unknown; error?: string }) => {
    const call = pending.get(id)!;
    pending.delete(id);
    if (error === undefined) call.resolve(value);
    else call.reject(new Error(error));
  });
  worker.on('error', (err) => {
    for (const call of pending.values()) call.reject(err);
  });
  const remote = new Proxy({}, {
    get: (_target, op) => (...args: unknown[]) => new Promise((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve, reject });
      worker.postMessage({ id, op, args });
    }),
  }) as Remote<Setup>;
  return { remote, worker };
}

/** A world of `count` apps on `store` (memory: one app; Redis: one key prefix shared by all). */
export async function raceWorld(store: AppOptions['store'], count: number): Promise<RaceWorld> {
  const ports = [await freePort(), await freePort()];
  const issuer = `http://127.0.0.1:${ports[0]}`;
  const emulatorUrl = `http://127.0.0.1:${ports[1]}`;
  const started = [await startApp({ store, port: ports[0]!, issuer, emulatorPort: ports[1] })];
  const bases = [issuer];
  for (let i = 1; i < count; i++) {
    const port = await freePort();
    started.push(await startApp({ store, port, issuer, emulatorUrl }));
    bases.push(`http://127.0.0.1:${port}`);
  }
  return {
    bases,
    setup: started[0]!.remote,
    apps: started.map((s) => s.remote),
    close: async () => {
      for (const { remote, worker } of started.reverse()) {
        await remote.close();
        await worker.terminate();
      }
    },
  };
}

/** Keep-alive connections, as browsers and HTTP clients keep them (`pipelining: 0` would open one per request). */
const agent = new Agent({ connections: 256, keepAliveTimeout: 10_000, pipelining: 1 });
let nextIp = 0;

/** A distinct client IP per call (the apps trust X-Forwarded-For): the per-IP limit of /mp/* is not what is raced. */
function phoneIp(): string {
  const n = nextIp++;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

export interface Reply {
  status: number;
  json: any;
  text: string;
  location: string | undefined;
  cookies: string[];
}

async function send(url: string, init: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string }): Promise<Reply> {
  const res = await request(url, { method: init.method ?? 'GET', headers: init.headers, body: init.body, dispatcher: agent });
  const text = await res.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const location = res.headers.location;
  const setCookie = res.headers['set-cookie'];
  return {
    status: res.statusCode,
    json,
    text,
    location: typeof location === 'string' ? location : undefined,
    cookies: setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie],
  };
}

/** What the mini-program sends: POST /mp/<path> with JSON, from a phone of its own. */
export function mp(base: string, path: 'scan' | 'confirm' | 'cancel', body: unknown): Promise<Reply> {
  return send(`${base}/mp/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': phoneIp() }, body: JSON.stringify(body) });
}

const basic = `Basic ${Buffer.from(`${RP.client_id}:${RP.client_secret}`).toString('base64')}`;

/** What the website's server sends: POST /token with its client credentials. */
export function token(base: string, params: Record<string, string>): Promise<Reply> {
  return send(`${base}/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic }, body: new URLSearchParams(params).toString() });
}

const s256 = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

/** A browser on the login page: /auth on the first app, its cookies kept. */
export async function openLoginPage(world: RaceWorld): Promise<{ uid: string; cookie: string }> {
  const params = new URLSearchParams({
    client_id: RP.client_id, response_type: 'code', scope: 'openid profile', redirect_uri: RP.redirect_uri,
    code_challenge: s256(randomBytes(32).toString('base64url')), code_challenge_method: 'S256', state: randomBytes(8).toString('hex'),
  });
  const answer = await send(`${world.bases[0]}/auth?${params}`, {});
  assert.equal(answer.status, 303, `/auth answered ${answer.status}`);
  const uid = /\/interaction\/([^/?#]+)$/.exec(answer.location ?? '')?.[1];
  assert.ok(uid, `expected a redirect to the login page, got ${answer.location}`);
  // Every cookie goes with every request here; oidc-provider reads the ones it needs.
  const cookie = answer.cookies.map((line) => line.split(';')[0]).join('; ');
  return { uid, cookie };
}

/** POST /interaction/<uid>/complete as the login page's form does. */
export function postComplete(base: string, page: { uid: string; cookie: string }): Promise<Reply> {
  return send(`${base}/interaction/${page.uid}/complete`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: page.cookie }, body: '' });
}

/** Follows a 303 of /complete back through /auth/<uid>: where the browser is sent next, if anywhere. */
export async function resume(base: string, page: { uid: string; cookie: string }, location: string): Promise<URL | undefined> {
  const answer = await send(new URL(location, base).href.replace(/^http:\/\/[^/]+/, base), { headers: { cookie: page.cookie } });
  return answer.status === 303 && answer.location ? new URL(answer.location) : undefined;
}

export function redeemCode(base: string, code: { code: string; verifier: string }): Promise<Reply> {
  return token(base, { grant_type: 'authorization_code', code: code.code, code_verifier: code.verifier, redirect_uri: RP.redirect_uri });
}

/**
 * Runs `trials` trials, `concurrency` at a time, and collects what went wrong in each (a trial
 * throws to say so). Fails once at the end with the count and the first few, so one run shows
 * how often a race is lost, not just that it was.
 */
export async function runTrials(name: string, trials: number, concurrency: number, trial: (i: number) => Promise<void>): Promise<void> {
  const failures: string[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < trials) {
      const i = next++;
      try {
        await trial(i);
      } catch (err) {
        failures.push(`trial ${i}: ${(err as Error).message}`);
      }
    }
  }));
  assert.equal(failures.length, 0, `${name}: ${failures.length} of ${trials} trials failed; the first:\n${failures.slice(0, 5).join('\n')}`);
}

/** The racers' answers: exactly one `won`, and every other one a refusal with one of `lost`'s codes. */
export function oneWinner(answers: Reply[], won: (a: Reply) => boolean, lost: { status: number[]; error: string[] }): Reply {
  const winners = answers.filter(won);
  const summary = () => answers.map((a) => `${a.status} ${a.json?.error ?? ''}`.trim()).join(', ');
  if (winners.length !== 1) throw new Error(`${winners.length} winners: ${summary()}`);
  for (const loser of answers.filter((a) => !won(a))) {
    if (!lost.status.includes(loser.status) || (lost.error.length && !lost.error.includes(loser.json?.error))) throw new Error(`a loser answered ${loser.status} ${JSON.stringify(loser.json)}: ${summary()}`);
  }
  return winners[0]!;
}

/** The i-th racer's app: racers take the apps in turn. */
export function baseFor(world: RaceWorld, i: number, trial: number): string {
  return world.bases[(i + trial) % world.bases.length]!;
}
