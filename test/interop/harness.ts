import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Browser, Page } from 'playwright-core';
import { createLogger } from '../../src/log.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { launchChromium, snap } from '../helpers/chromium.ts';
import { sceneFromImage } from '../helpers/login.ts';
import { startProcess, type TestProcess } from '../helpers/process.ts';
import { freePort, startSaoma, type RunningSaoma } from '../helpers/saoma.ts';

/**
 * What every interop test shares: saoma with the website registered exactly as the library's page
 * in docs/integrations/ shows it (its `client.json`), the website started from the page's own
 * configuration files, real Chromium driving the sign-in with the emulator's phone page as the
 * phone, and a results file (test-artifacts/interop-results.json) that `test/interop/table.ts`
 * turns into the compatibility table of docs/integrations/README.md.
 *
 * Every example website follows one page contract: `/` shows `#signin` when signed out, and
 * `#sub`, `#nickname` and `#signout` (and `#refresh` where the library can refresh) when signed in;
 * `#refreshed` is on the page a refresh lands on.
 */

export const EXAMPLES = new URL('../../docs/integrations/examples/', import.meta.url);
export const RESULTS = new URL('../../test-artifacts/interop-results.json', import.meta.url);

/** The origin the pages' examples use for the website; the test puts the website's real one in. */
export const EXAMPLE_ORIGIN = 'https://app.example';
export const NICKNAME = 'Alice 爱丽丝';

export function example(key: string, file: string): URL {
  return new URL(`${key}/${file}`, EXAMPLES);
}

/** One row of the compatibility table. `true`/`false`, or a short reason when it does not apply. */
export interface Result {
  library: string;
  version: string;
  page: string;
  discovery: boolean | string;
  login: boolean | string;
  id_token_verified: boolean | string;
  userinfo: boolean | string;
  refresh: boolean | string;
  logout: boolean | string;
  ran_at: string;
}

export function recordResult(key: string, result: Omit<Result, 'ran_at'>): void {
  mkdirSync(new URL('.', RESULTS), { recursive: true });
  let all: Record<string, Result> = {};
  try {
    all = JSON.parse(readFileSync(RESULTS, 'utf8'));
  } catch {
    // first run
  }
  all[key] = { ...result, ran_at: new Date().toISOString() };
  writeFileSync(RESULTS, `${JSON.stringify(all, null, 2)}\n`);
}

/** A request saoma answered, from its access log. */
export interface Seen {
  method: string;
  path: string;
  status: number;
}

export interface Rig {
  saoma: RunningSaoma;
  chromium: Browser;
  /** The website's origin, e.g. http://127.0.0.1:40123 (free port). */
  appUrl: string;
  port: number;
  client: { client_id: string; client_secret?: string } & Record<string, unknown>;
  /** Every request saoma answered so far (its access log). */
  seen(): Seen[];
  close(): Promise<void>;
}

/**
 * saoma on the embedded default with the website registered from `<key>/client.json` (the
 * `https://app.example` of the page replaced by the website's real loopback origin), and Chromium.
 */
export async function startRig(key: string): Promise<Rig> {
  const port = await freePort();
  const appUrl = `http://127.0.0.1:${port}`;
  const client = JSON.parse(readFileSync(example(key, 'client.json'), 'utf8').replaceAll(EXAMPLE_ORIGIN, appUrl));
  const file = join(mkdtempSync(join(tmpdir(), `saoma-interop-${key}-`)), 'clients.json');
  writeFileSync(file, JSON.stringify([client]));
  const seen: Seen[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) {
        if (!line.includes('"msg":"request"')) continue;
        const entry = JSON.parse(line) as Seen;
        seen.push({ method: entry.method, path: entry.path, status: entry.status });
      }
      done();
    },
  });
  const saoma = await startSaoma({ CLIENTS_FILE: file }, new MemoryStore(), createLogger('info', sink));
  const chromium = await launchChromium();
  return {
    saoma,
    chromium,
    appUrl,
    port,
    client,
    seen: () => [...seen],
    close: async () => {
      await chromium.close();
      await saoma.close();
    },
  };
}

export type Website = TestProcess;

/** Starts a website's process and waits until `ready` answers (any HTTP status). */
export function startWebsite(command: string, args: string[], options: { env: Record<string, string>; cwd?: string; ready: string; timeoutMs?: number }): Promise<Website> {
  return startProcess(command, args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...options.env },
    ready: async () => Boolean(await fetch(options.ready, { redirect: 'manual' })),
    timeoutMs: options.timeoutMs ?? 20_000,
    name: command,
    keepChars: 30_000,
  });
}

/**
 * From the website's sign-in to saoma's login page: the desk browser follows the website, the
 * simulated phone scans the code on screen and confirms, and the desk lands back on the website.
 * `start` clicks whatever the website shows to sign in (default: `#signin`).
 */
export async function signInThroughSaoma(rig: Rig, desk: Page, phone: Page, start: (page: Page) => Promise<void> = (page) => page.locator('#signin').click()): Promise<void> {
  await desk.goto(`${rig.appUrl}/`);
  await start(desk);
  await desk.waitForURL(new RegExp(`^${rig.saoma.issuer}/interaction/`));
  await desk.locator('#login[data-view="pending"]').waitFor();
  const code = desk.getByTestId('qrcode');
  await code.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0 || new Promise((resolve) => img.addEventListener('load', resolve, { once: true })));
  const scene = await sceneFromImage(await code.screenshot());
  await phone.goto(`${rig.saoma.issuer}/emulator?scene=${encodeURIComponent(scene)}`);
  await phone.getByTestId('user').fill('alice');
  await phone.getByTestId('scan').click();
  await phone.getByTestId('confirm-screen').waitFor();
  await phone.getByTestId('nickname').fill(NICKNAME);
  await phone.getByTestId('confirm').click();
  await desk.waitForURL((url) => url.href.startsWith(rig.appUrl));
}

/** What the website shows once signed in. */
export async function shown(page: Page): Promise<{ sub: string; nickname: string }> {
  await page.locator('#sub').waitFor();
  return { sub: (await page.locator('#sub').textContent())!.trim(), nickname: (await page.locator('#nickname').textContent())!.trim() };
}

/** saoma's sign-out confirmation, then back to the website, signed out. */
export async function signOutThroughSaoma(rig: Rig, desk: Page, click: (page: Page) => Promise<void> = (page) => page.locator('#signout').click()): Promise<void> {
  await click(desk);
  await desk.waitForURL(new RegExp(`^${rig.saoma.issuer}/`));
  await desk.getByTestId('logout-yes').click();
  await desk.waitForURL((url) => url.href.startsWith(rig.appUrl));
  await desk.locator('#signin').waitFor();
}

/** The desk (a desktop browser) and the phone (the emulator's phone page), in their own contexts. */
export async function deskAndPhone(chromium: Browser): Promise<{ desk: Page; phone: Page }> {
  const desk = await (await chromium.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' })).newPage();
  const phone = await (await chromium.newContext({ viewport: { width: 390, height: 844 }, isMobile: true })).newPage();
  return { desk, phone };
}

export const SUB = /^[A-Za-z0-9]{24}$/;

/** Which of saoma's endpoints the website called, from saoma's access log. */
export function calls(seen: Seen[]) {
  const count = (method: string, path: string) => seen.filter((s) => s.method === method && s.path === path && s.status < 400).length;
  return {
    discovery: count('GET', '/.well-known/openid-configuration') > 0,
    jwks: count('GET', '/jwks') > 0,
    userinfo: count('GET', '/me') + count('POST', '/me') > 0,
    tokens: count('POST', '/token'),
  };
}

export { assert, snap };

/** The environment the examples read: saoma's issuer, the website's registration, its own URL. */
export function exampleEnv(rig: Rig): Record<string, string> {
  return { SAOMA_ISSUER: rig.saoma.issuer, SAOMA_CLIENT_ID: rig.client.client_id, SAOMA_CLIENT_SECRET: rig.client.client_secret ?? '', APP_URL: rig.appUrl, SESSION_SECRET: 'interop-test-session-secret-0123456789' };
}

/** The version of an installed npm package. */
export function npmVersion(pkg: string): string {
  return JSON.parse(readFileSync(new URL(`../../node_modules/${pkg}/package.json`, import.meta.url), 'utf8')).version;
}

/**
 * The whole journey on a website that follows the page contract: sign in (sub and nickname shown),
 * refresh when the website offers it, sign out at saoma and back. Answers what was seen.
 */
export async function journey(rig: Rig, key: string, options: { refresh: boolean; start?: (page: Page) => Promise<void>; signOut?: (page: Page) => Promise<void> }) {
  const { desk, phone } = await deskAndPhone(rig.chromium);
  await signInThroughSaoma(rig, desk, phone, options.start);
  const user = await shown(desk);
  assert.match(user.sub, SUB, 'the website shows saoma\'s sub');
  assert.equal(user.nickname, NICKNAME, 'the website shows the nickname given in WeChat');
  await snap(desk, `interop-${key}-signed-in`);
  const afterLogin = calls(rig.seen());
  let refreshed = false;
  if (options.refresh) {
    await desk.locator('#refresh').click();
    await desk.locator('#refreshed').waitFor();
    assert.equal((await shown(desk)).sub, user.sub, 'still the same person after the refresh');
    refreshed = calls(rig.seen()).tokens > afterLogin.tokens;
    assert.ok(refreshed, 'the refresh went to saoma\'s token endpoint');
  }
  await signOutThroughSaoma(rig, desk, options.signOut);
  return { user, seen: afterLogin, refreshed };
}

/** A website started with `node <example>/<file>`. */
export function nodeWebsite(rig: Rig, key: string, file = 'server.ts', env: Record<string, string> = {}): Promise<Website> {
  return startWebsite(process.execPath, [example(key, file).pathname], { env: { ...exampleEnv(rig), ...env }, cwd: new URL('../../', import.meta.url).pathname, ready: `${rig.appUrl}/` });
}

export const SIGNATURE_NOT_CHECKED = 'claims checked; signature not (token from the token endpoint, OIDC Core 3.1.3.7)';
