import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { SaomaError } from '../src/errors.ts';
import { createLogger } from '../src/log.ts';
import { CodeBudget } from '../src/login/budget.ts';
import { MemoryStore } from '../src/store/memory.ts';
import { openStore } from '../src/store/open.ts';
import type { Store } from '../src/store/store.ts';
import { Browser, BrowserAt, type Answer } from './helpers/browser.ts';
import { complete, fetchScene, mp, scan, startLogin } from './helpers/login.ts';
import { startRedis, type ThrowawayRedis } from './helpers/redis.ts';
import { startSaoma, type RunningSaoma } from './helpers/saoma.ts';

// saoma runs behind one trusted proxy (TRUST_PROXY=true): BrowserAt (helpers/browser.ts) comes
// from an address the test chooses.

const SCRIPT_IP = '198.51.100.66';
const PER_IP = 5;

/** One new login page and its code, as a script would draw them: the code's answer. */
async function drawCode(saoma: RunningSaoma, browser: Browser): Promise<Answer & { uid: string }> {
  const login = await startLogin(saoma, { browser });
  const answer = await browser.request(`${saoma.issuer}/interaction/${login.uid}/qrcode`, { headers: { accept: 'application/json' } });
  return { ...answer, uid: login.uid };
}

/**
 * The WeChat budget guard: every new code is one getwxacodeunlimit, and WeChat allows 5,000 a
 * minute for the whole mini-program. A script looping on /auth is held at its address's limit,
 * real people elsewhere keep getting codes, and the deployment's total holds across processes.
 */
describe('the WeChat budget guard', () => {
  let redis: ThrowawayRedis;
  const opened: Store[] = [];
  const running: RunningSaoma[] = [];
  const redisStore = async (prefix: string) => {
    const store = await openStore({ kind: 'redis', url: redis.url }, { keyPrefix: prefix, commandTimeoutMs: 1000, log: createLogger('silent') });
    opened.push(store);
    return store;
  };
  const start = async (env: Record<string, string>, store: Store) => {
    const saoma = await startSaoma({ TRUST_PROXY: 'true', ...env }, store);
    running.push(saoma);
    return saoma;
  };

  before(async () => {
    redis = await startRedis();
  });
  after(async () => {
    for (const saoma of running) await saoma.close();
    await redis?.stop();
  });

  it('holds a script drawing codes in a loop from one address (429 rate_limited, Retry-After), while a real login from another address gets its code and completes', async () => {
    const saoma = await start({ CODE_LIMIT_PER_IP: String(PER_IP) }, await redisStore('budget-ip:'));
    const script = new BrowserAt(SCRIPT_IP);
    const drawnBefore = (await saoma.calls()).getwxacodeunlimit as number;
    let served = 0;
    let held: (Answer & { uid: string }) | undefined;
    // A loop as long as two windows' worth: even across a minute's boundary it must be held.
    for (let i = 0; i < 2 * PER_IP + 2 && !held; i++) {
      const answer = await drawCode(saoma, script);
      if (answer.status === 200) served += 1;
      else held = answer;
    }
    assert.ok(held, `the script drew ${served} codes and was never held`);
    assert.equal(held.status, 429, held.text);
    assert.equal(held.json.error, 'rate_limited');
    assert.match(held.json.error_description, /try again in \d+ seconds/);
    assert.ok(served <= 2 * PER_IP, `at most the limit per window is served (${served})`);
    assert.equal((await saoma.calls()).getwxacodeunlimit - drawnBefore, served, 'a held request costs no WeChat call');
    // Retry-After: the seconds to the end of the minute's window, which the page counts down.
    const retryAfter = Number(held.retryAfter);
    assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After ${held.retryAfter}`);
    assert.match(held.json.error_description, new RegExp(`try again in ${retryAfter} seconds`));
    assert.equal((await drawCode(saoma, script)).status, 429, 'and it stays held');
    // The page, its image failed, asks why (`&why`): the same answer, without a draw or a WeChat call.
    const drawn = (await saoma.calls()).getwxacodeunlimit;
    const why = await script.request(`${saoma.issuer}/interaction/${held.uid}/qrcode?v=x&why`, { headers: { accept: 'application/json' } });
    assert.equal(why.status, 429, why.text);
    assert.equal(why.json.error, 'rate_limited');
    assert.ok(Number(why.retryAfter) >= 1 && Number(why.retryAfter) <= 60);
    assert.equal((await saoma.calls()).getwxacodeunlimit, drawn);

    // Meanwhile someone else signs in from another address: the code comes, and the login completes.
    const login = await startLogin(saoma, { browser: new BrowserAt('203.0.113.20') });
    const scene = await fetchScene(saoma, login);
    const scanned = await scan(saoma, scene, 'real-person');
    assert.equal(scanned.status, 200, JSON.stringify(scanned.json));
    assert.equal((await mp(saoma, 'confirm', { scene, token: scanned.json.token })).status, 200);
    const callback = await complete(saoma, login);
    const tokens = await oidc.authorizationCodeGrant(login.config, callback, { pkceCodeVerifier: login.verifier, expectedState: login.state, idTokenExpected: true });
    assert.ok(tokens.claims()!.sub);
  });

  it('reloading a page already holding its code costs nothing from the budget', async () => {
    const saoma = await start({ CODE_LIMIT_PER_IP: '1' }, await redisStore('budget-reload:'));
    const browser = new BrowserAt('198.51.100.88');
    const login = await startLogin(saoma, { browser });
    for (let i = 0; i < 5; i++) {
      const image = await browser.request(`${saoma.issuer}/interaction/${login.uid}/qrcode`);
      assert.equal(image.status, 200, `reload ${i}: ${image.text.slice(0, 100)}`);
    }
  });

  it('the deployment\'s total is counted in the store, over every process: one address per code, two processes, held at the total', async () => {
    const store = () => redisStore('budget-total:');
    const first = await start({ CODE_LIMIT_TOTAL: '3' }, await store());
    const second = await start({ CODE_LIMIT_TOTAL: '3' }, await store());
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await drawCode(i % 2 ? second : first, new BrowserAt(`192.0.2.${10 + i}`))).status);
    assert.ok(statuses.includes(429), `never held: ${statuses.join(',')}`);
    // Fixed minute windows: a boundary inside the loop allows at most one more window's total.
    assert.ok(statuses.filter((s) => s === 200).length <= 6, statuses.join(','));
    assert.deepEqual([...new Set(statuses)].sort(), [200, 429]);
  });

  it('per client: one website\'s codes are limited over all addresses', async () => {
    const saoma = await start({ CODE_LIMIT_PER_CLIENT: '2' }, await redisStore('budget-client:'));
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await drawCode(saoma, new BrowserAt(`192.0.2.${100 + i}`))).status);
    assert.ok(statuses.includes(429), statuses.join(','));
    assert.ok(statuses.filter((s) => s === 200).length <= 4, statuses.join(','));
  });

  it('MP_RATE_LIMIT_PER_IP sets the /mp/* limit per address (carrier NAT): one address is held, another is not', async () => {
    const saoma = await start({ MP_RATE_LIMIT_PER_IP: '3' }, await redisStore('budget-mp:'));
    const from = (ip: string) => fetch(`${saoma.issuer}/mp/scan`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': ip }, body: JSON.stringify({ scene: 'nosuchscene', code: 'x' }) });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await from('198.51.100.9')).status);
    assert.ok(statuses.includes(429), statuses.join(','));
    assert.ok(statuses.filter((s) => s !== 429).length <= 6, statuses.join(','));
    const other = await from('198.51.100.10');
    assert.equal(other.status, 404, 'another address is not held (it learns the scene is unknown)');
  });

  describe('when the store cannot count', () => {
    const failing = new (class extends MemoryStore {
      override increment(): Promise<number> {
        return Promise.reject(new SaomaError('unavailable', 'The store is unreachable.'));
      }
    })();
    const ticket = { scene: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', client_id: 'shop', requester: { ip: '192.0.2.1', user_agent: '', time: 0 } };

    it('CODE_LIMIT_STORE_DOWN=open draws the code anyway', async () => {
      await new CodeBudget(failing, createLogger('silent'), { perIp: 1, perClient: 1, total: 1, storeDown: 'open' }).draw(ticket);
    });

    it('CODE_LIMIT_STORE_DOWN=closed refuses with 503 unavailable and Retry-After, never a 500', async () => {
      await assert.rejects(
        new CodeBudget(failing, createLogger('silent'), { perIp: 1, perClient: 1, total: 1, storeDown: 'closed' }).draw(ticket),
        (err: SaomaError) => err.code === 'unavailable' && err.status === 503 && err.retryAfter! > 0,
      );
    });
  });
});
