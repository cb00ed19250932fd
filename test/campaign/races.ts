import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { Agent, request } from 'undici';
import { EMULATOR_APPID, EMULATOR_SECRET } from '../../src/config/load.ts';
import { createEmulator, type EmulatorState } from '../../src/emulator/emulator.ts';
import { openidOf } from '../../src/emulator/identity.ts';
import { hashToken } from '../../src/login/ticket.ts';
import { createLogger } from '../../src/log.ts';
import type { Store } from '../../src/store/store.ts';
import { RP, freePort, startSaoma, type RunningSaoma } from '../helpers/saoma.ts';

/**
 * The world a race runs in: one saoma app on the memory store, or two saoma apps on one Redis (as
 * two processes would be, each with its own connections), sharing one WeChat emulator of their
 * own. Racers are real HTTP requests, spread over the apps in turn. What a trial needs before its
 * race (a ticket in a given state, an interaction, a code) is made straight through the services
 * the routes themselves use, so thousands of trials fit in CI; the race itself is only HTTP.
 */
export interface RaceWorld {
  /** The apps; every app answers as the issuer of the first. */
  apps: RunningSaoma[];
  /** Where each app actually listens. */
  bases: string[];
  emulator: EmulatorState;
  close(): Promise<void>;
}

const agent = new Agent({ connections: 256, keepAliveTimeout: 10_000, pipelining: 0 });
let nextIp = 0;

/** A distinct client IP per call (the apps trust X-Forwarded-For): the per-IP limit of /mp/* is not what is raced. */
function phoneIp(): string {
  const n = nextIp++;
  return `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

export async function raceWorld(stores: Store[]): Promise<RaceWorld> {
  const emulator = createEmulator({ appid: EMULATOR_APPID, secret: EMULATOR_SECRET, log: createLogger('silent') });
  const emulatorServer: Server = emulator.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => emulatorServer.once('listening', resolve));
  const emulatorUrl = `http://127.0.0.1:${(emulatorServer.address() as { port: number }).port}`;
  const firstPort = await freePort();
  const issuer = `http://127.0.0.1:${firstPort}`;
  const apps: RunningSaoma[] = [];
  const bases: string[] = [];
  for (const [i, store] of stores.entries()) {
    const port = i === 0 ? firstPort : await freePort();
    apps.push(await startSaoma({ PORT: String(port), ISSUER: issuer, WECHAT_API_BASE: emulatorUrl, TRUST_PROXY: 'true' }, store));
    bases.push(`http://127.0.0.1:${port}`);
  }
  return {
    apps,
    bases,
    emulator: emulator.state,
    close: async () => {
      for (const app of apps) await app.close();
      emulatorServer.closeAllConnections();
      await new Promise((resolve) => emulatorServer.close(resolve));
    },
  };
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

/** A wx.login code for `user`, as the emulator's /emulator/login gives it. */
export function wxLogin(world: RaceWorld, user: string): string {
  return world.emulator.loginCodes.issue({ user, openid: openidOf(EMULATOR_APPID, user) });
}

/** A pending login ticket, as the login page's first load makes it (`Tickets.replace`). */
export async function pendingTicket(world: RaceWorld, uid = randomBytes(12).toString('base64url')): Promise<string> {
  const ticket = await world.apps[0]!.saoma.tickets.replace({
    uid,
    clientId: RP.client_id,
    scopes: ['openid', 'profile'],
    requester: { ip: '192.0.2.1', user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0', time: Date.now() },
    interactionExpiresAt: Date.now() + 10 * 60_000,
  }, undefined);
  return ticket.scene;
}

/** An account for a simulated WeChat user, as /mp/scan resolves it. */
export async function accountOf(world: RaceWorld, user: string): Promise<string> {
  return (await world.apps[0]!.saoma.accounts.resolve({ appid: EMULATOR_APPID, openid: openidOf(EMULATOR_APPID, user) })).sub;
}

/** A ticket scanned by `account`, as /mp/scan leaves it: the scanner holds the returned token. */
export async function scannedTicket(world: RaceWorld, account: string, uid?: string): Promise<{ scene: string; token: string }> {
  const scene = await pendingTicket(world, uid);
  const scanToken = randomBytes(24).toString('base64url');
  await world.apps[0]!.saoma.tickets.update(scene, (t) => ({ ...t, state: 'scanned', account_id: account, token_hash: hashToken(scanToken) }));
  return { scene, token: scanToken };
}

export async function ticketState(world: RaceWorld, scene: string): Promise<string | undefined> {
  return (await world.apps[0]!.saoma.tickets.get(scene))?.state;
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

/**
 * An authorization code for `account` on a grant of its own, made through oidc-provider's own
 * models (as `/auth/<uid>` makes it once the login is done), with the PKCE verifier to redeem it.
 * Each code gets its own grant, because reuse detection revokes the grant of a code redeemed twice.
 */
export async function authorizationCode(world: RaceWorld, account: string, scope = 'openid offline_access'): Promise<{ code: string; verifier: string }> {
  const provider = world.apps[0]!.saoma.provider;
  const grant = new provider.Grant({ accountId: account, clientId: RP.client_id });
  grant.addOIDCScope(scope);
  const grantId = await grant.save();
  const client = await provider.Client.find(RP.client_id);
  const verifier = randomBytes(32).toString('base64url');
  // The fields /auth/<uid> gives a code (process_response_types.js); the typings ask for a `gty` it never sets.
  const fields = {
    accountId: account, amr: ['wechat'], client: client!, grantId, scope, redirectUri: RP.redirect_uri,
    codeChallenge: s256(verifier), codeChallengeMethod: 'S256', authTime: Math.floor(Date.now() / 1000),
  };
  const code = await new provider.AuthorizationCode(fields as unknown as ConstructorParameters<typeof provider.AuthorizationCode>[0]).save();
  return { code, verifier };
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
