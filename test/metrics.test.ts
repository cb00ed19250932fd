import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import { createLogger } from '../src/log.ts';
import { registry } from '../src/metrics/metrics.ts';
import { effectiveState, isFinished } from '../src/login/ticket-machine.ts';
import { Tickets } from '../src/login/tickets.ts';
import { MemoryStore } from '../src/store/memory.ts';
import { ADMIN_TOKEN } from './admin/helpers.ts';
import { complete, fetchScene, mp, scan, startLogin } from './helpers/login.ts';
import { scrapeMetrics, type Scrape } from './helpers/metrics.ts';
import { freePort, startSaoma, type RunningSaoma } from './helpers/saoma.ts';

const FUNNEL = ['issued', 'scanned', 'confirmed', 'completed', 'cancelled', 'expired'] as const;
const APIS = ['stable_token', 'jscode2session', 'getwxacodeunlimit', 'getuserphonenumber', 'generate_urllink'] as const;

/** How each funnel step and each WeChat API's calls moved between two scrapes. */
function moved(before: Scrape, after: Scrape) {
  const funnel: Record<string, number> = {};
  for (const step of FUNNEL) funnel[step] = after.value('saoma_login_tickets_total', { step, client_id: 'test-rp' }) - before.value('saoma_login_tickets_total', { step, client_id: 'test-rp' });
  const calls: Record<string, number> = {};
  for (const api of APIS) calls[api] = after.value('saoma_wechat_calls_total', { api }) - before.value('saoma_wechat_calls_total', { api });
  return { funnel, calls };
}

/** What the emulator (WeChat's stand-in) counted between two readings. */
function emulatorMoved(before: Record<string, number>, after: Record<string, number>) {
  return Object.fromEntries(APIS.map((api) => [api, (after[api] ?? 0) - (before[api] ?? 0)]));
}

describe('/metrics on the admin listener', () => {
  let saoma: RunningSaoma;
  let quick: RunningSaoma;
  let metricsUrl: string;
  /** Everything a label must never carry, collected as the test goes. */
  const secrets = new Set<string>(['127.0.0.1', '::1', '::ffff:127.0.0.1', 'alice', 'bob', 'carol']);

  before(async () => {
    const adminPort = await freePort();
    saoma = await startSaoma({ ADMIN_TOKEN, ADMIN_PORT: String(adminPort) });
    // A second process in this test's Node process, whose codes expire quickly (one registry per
    // Node process: its figures appear in the same scrape).
    quick = await startSaoma({ TICKET_TTL_SECONDS: '2' });
    metricsUrl = `http://127.0.0.1:${adminPort}/admin/metrics`;
  });
  after(async () => {
    await saoma?.close();
    await quick?.close();
  });

  it('a scrape without the admin token, or with a wrong one, is refused with 401 like the admin API', async () => {
    const none = await fetch(metricsUrl);
    assert.equal(none.status, 401);
    assert.equal((await none.json()).error, 'unauthorized');
    const wrong = await fetch(metricsUrl, { headers: { authorization: 'Bearer not-the-admin-token-at-all-0123456789' } });
    assert.equal(wrong.status, 401);
    // Not on the public listener unless configured.
    assert.equal((await fetch(`${saoma.issuer}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status, 404);
  });

  it('a full login with a phone number moves each funnel step and each WeChat call count by exactly what happened', async () => {
    const scrapeBefore = await scrapeMetrics(metricsUrl);
    const emulatorBefore = await saoma.calls();
    const login = await startLogin(saoma, { scope: 'openid profile phone' });
    secrets.add(login.uid);
    const scene = await fetchScene(saoma, login);
    secrets.add(scene);
    const scanned = await scan(saoma, scene, 'alice');
    assert.equal(scanned.status, 200);
    const phoneCode = (await saoma.emulator('/emulator/phone_code', { user: 'alice' })).code;
    const confirmed = await mp(saoma, 'confirm', { scene, token: scanned.json.token, phone_code: phoneCode });
    assert.equal(confirmed.status, 200, JSON.stringify(confirmed.json));
    const callback = await complete(saoma, login);
    const tokens = await oidc.authorizationCodeGrant(login.config, callback, { pkceCodeVerifier: login.verifier, expectedState: login.state, idTokenExpected: true });
    const claims = tokens.claims()!;
    const userinfo = await oidc.fetchUserInfo(login.config, tokens.access_token, claims.sub);
    assert.ok(userinfo.phone_number, 'the phone number was shared');
    secrets.add(claims.sub).add(String(userinfo.phone_number).replace(/^\+/, ''));

    const scrapeAfter = await scrapeMetrics(metricsUrl);
    const { funnel, calls } = moved(scrapeBefore, scrapeAfter);
    assert.deepEqual(funnel, { issued: 1, scanned: 1, confirmed: 1, completed: 1, cancelled: 0, expired: 0 });
    const wechat = emulatorMoved(emulatorBefore, await saoma.calls());
    assert.deepEqual(calls, wechat, 'saoma counts the calls WeChat (the emulator) saw');
    assert.equal(calls.getwxacodeunlimit, 1);
    assert.equal(calls.jscode2session, 1);
    assert.equal(calls.getuserphonenumber, 1);
    const delta = (name: string) => scrapeAfter.value(name) - scrapeBefore.value(name);
    assert.equal(delta('saoma_wechat_codes_drawn_total'), 1);
    assert.equal(delta('saoma_wechat_phone_numbers_total'), 1);
    assert.ok(Math.abs(delta('saoma_wechat_phone_cost_yuan_total') - 0.03) < 1e-9, 'one phone number costs 0.03 yuan');
    assert.equal(delta('saoma_login_issue_to_scan_seconds_count'), 1);
    assert.equal(delta('saoma_login_scan_to_confirm_seconds_count'), 1);
    // Requests are counted by route template, never by the raw path.
    assert.ok(scrapeAfter.value('saoma_http_requests_total', { route: '/interaction/:uid/qrcode', method: 'GET', status: '2xx' }) >= 1);
    assert.ok(scrapeAfter.value('saoma_http_requests_total', { route: '/mp/confirm', method: 'POST', status: '2xx' }) >= 1);
    assert.ok(scrapeAfter.value('saoma_http_request_duration_seconds_count', { route: '/mp/scan', method: 'POST' }) >= 1);
    assert.ok(delta('saoma_store_operation_duration_seconds_count') > 0, 'store operations are timed');
    assert.ok(scrapeAfter.names.has('saoma_process_cpu_user_seconds_total'), 'default Node process metrics');
  });

  it('a login cancelled in WeChat counts as issued, scanned and cancelled', async () => {
    const scrapeBefore = await scrapeMetrics(metricsUrl);
    const emulatorBefore = await saoma.calls();
    const login = await startLogin(saoma);
    secrets.add(login.uid);
    const scene = await fetchScene(saoma, login);
    secrets.add(scene);
    const scanned = await scan(saoma, scene, 'bob');
    const cancelled = await mp(saoma, 'cancel', { scene, token: scanned.json.token });
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.json));
    const { funnel, calls } = moved(scrapeBefore, await scrapeMetrics(metricsUrl));
    assert.deepEqual(funnel, { issued: 1, scanned: 1, confirmed: 0, completed: 0, cancelled: 1, expired: 0 });
    assert.deepEqual(calls, emulatorMoved(emulatorBefore, await saoma.calls()));
  });

  it('a code left to expire counts as issued and expired, and its waiting page is counted while it waits', async () => {
    const scrapeBefore = await scrapeMetrics(metricsUrl);
    const emulatorBefore = await quick.calls();
    const login = await startLogin(quick);
    secrets.add(login.uid);
    secrets.add(await fetchScene(quick, login));
    const waiting = login.browser.request(`${quick.issuer}/interaction/${login.uid}/status?state=pending`);
    let seenWaiting = 0;
    for (let i = 0; i < 100 && seenWaiting === 0; i++) seenWaiting = (await scrapeMetrics(metricsUrl)).value('saoma_login_waiting_polls');
    assert.equal(seenWaiting, 1, 'the waiting long-poll is counted');
    assert.equal((await waiting).json.state, 'expired');
    // The issuing process reads the ticket back at its expiry: wait for that count (bounded).
    let funnel: Record<string, number> = {};
    let calls: Record<string, number> = {};
    for (let i = 0; i < 100 && funnel.expired !== 1; i++) ({ funnel, calls } = moved(scrapeBefore, await scrapeMetrics(metricsUrl)));
    assert.deepEqual(funnel, { issued: 1, scanned: 0, confirmed: 0, completed: 0, cancelled: 0, expired: 1 });
    assert.deepEqual(calls, emulatorMoved(emulatorBefore, await quick.calls()));
    assert.equal((await scrapeMetrics(metricsUrl)).value('saoma_login_waiting_polls'), 0, 'the finished long-poll is no longer counted');
  });

  it('no label value is a scene, a uid, a sub, an IP, a user or a phone number seen in the test', async () => {
    const scrape = await scrapeMetrics(metricsUrl);
    assert.ok(secrets.size > 8);
    for (const value of scrape.labelValues) {
      for (const secret of secrets) assert.ok(!value.includes(secret), `label value ${JSON.stringify(value)} carries ${secret}`);
    }
    for (const secret of secrets) assert.ok(!scrape.text.includes(secret), `the scrape mentions ${secret}`);
  });
});

describe('/metrics on the main port', () => {
  let saoma: RunningSaoma;
  before(async () => {
    saoma = await startSaoma({ ADMIN_TOKEN, METRICS_ON_MAIN_PORT: 'true' });
  });
  after(() => saoma?.close());

  it('is served there only when configured, still behind the admin token', async () => {
    assert.equal((await fetch(`${saoma.issuer}/metrics`)).status, 401);
    const scrape = await scrapeMetrics(`${saoma.issuer}/metrics`);
    assert.ok(scrape.names.has('saoma_http_requests_total'));
  });
});

describe('a metrics failure', () => {
  let saoma: RunningSaoma;
  const lines: string[] = [];
  before(async () => {
    const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
    saoma = await startSaoma({}, new MemoryStore(), createLogger('warn', sink));
  });
  after(() => saoma?.close());

  it('is logged and never fails the request', async () => {
    const counter = registry.getSingleMetric('saoma_http_requests_total') as unknown as { inc: (...args: unknown[]) => void };
    const inc = counter.inc;
    counter.inc = () => {
      throw new Error('metric broken on purpose');
    };
    try {
      const login = await startLogin(saoma);
      assert.equal(login.page.status, 200, 'the login page still answers');
      assert.ok((await fetchScene(saoma, login)).length > 0, 'and its code');
    } finally {
      counter.inc = inc;
    }
    assert.ok(lines.some((line) => line.includes('recording a metric failed') && line.includes('metric broken on purpose')), 'the failure is logged');
  });
});

describe('the funnel under concurrent changes', () => {
  it('of five concurrent cancels of one ticket, one wins, and the funnel counts one cancel', async () => {
    const store = new MemoryStore();
    const tickets = new Tickets(store, createLogger('silent'), 60_000);
    await tickets.start();
    try {
      const cancelled = () => registry.getSingleMetric('saoma_login_tickets_total')!.get().then((m) => m.values.filter((v) => v.labels.step === 'cancelled' && v.labels.client_id === 'race-rp').reduce((n, v) => n + v.value, 0));
      const ticket = await tickets.ensure({ uid: 'race-uid', clientId: 'race-rp', scopes: ['openid'], requester: { ip: '192.0.2.1', user_agent: 'test', time: Date.now() }, interactionExpiresAt: Date.now() + 600_000 });
      const before = await cancelled();
      const results = await Promise.all(Array.from({ length: 5 }, () => tickets.update(ticket.scene, (t) => (isFinished(effectiveState(t)) ? t : { ...t, state: 'cancelled' }))));
      assert.ok(results.every((t) => t.state === 'cancelled'));
      assert.equal((await cancelled()) - before, 1);
    } finally {
      await tickets.stop();
      await store.close();
    }
  });
});
