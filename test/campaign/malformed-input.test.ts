import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EMULATOR_APPID } from '../../src/config/load.ts';
import { openidOf } from '../../src/emulator/identity.ts';
import { signIn } from '../helpers/login.ts';
import { RP, startSaoma, type RunningSaoma } from '../helpers/saoma.ts';
import { BROWSER_UA, generate, ROUTES, type Pool, type RouteName } from './cases.ts';
import { campaignSeed } from './prng.ts';
import { closeAgent, send, type Answer, type Case } from './sender.ts';

/** How many cases; CAMPAIGN_CASES changes it. CAMPAIGN_SEED replays a run, CAMPAIGN_CASE one case of it. */
const CASES = Number(process.env.CAMPAIGN_CASES ?? 10_000);
const CONCURRENCY = 16;
const ADMIN_TOKEN = 'campaign-admin-token-0123456789abcdefghijklmnop';

/**
 * Every `error` a 4xx JSON answer may carry: saoma's codes (src/errors.ts) and the OAuth 2.0 /
 * OpenID Connect codes oidc-provider answers with. Anything else is not a stable code.
 */
const STABLE_CODES = new Set([
  'invalid_request', 'invalid_token', 'invalid_code', 'login_blocked', 'interaction_not_found', 'ticket_not_found',
  'ticket_already_scanned', 'ticket_not_confirmed', 'ticket_in_progress', 'ticket_already_confirmed', 'ticket_expired',
  'ticket_cancelled', 'ticket_consumed', 'payload_too_large', 'rate_limited', 'not_found', 'unauthorized',
  'invalid_client_metadata', 'read_only', 'conflict', 'method_not_allowed', 'cross_site_request',
  'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope', 'access_denied',
  'unsupported_response_type', 'insufficient_scope', 'invalid_redirect_uri', 'invalid_software_statement',
  'unapproved_software_statement', 'login_required', 'consent_required', 'interaction_required', 'invalid_request_uri',
  'invalid_request_object', 'request_not_supported', 'request_uri_not_supported', 'registration_not_supported',
  'invalid_target', 'unsupported_token_type', 'invalid_dpop_proof', 'use_dpop_nonce', 'invalid_authorization_details',
  'unsupported_response_mode', 'invalid_binding_message', 'account_selection_required', 'unmet_authentication_requirements',
]);

/** What must never reach a client: a stack frame, a source or dependency path, the checkout's location. */
const LEAKS = [/\n\s+at [^\n]*[(/]/, /\bat (async )?[\w.$<>]+ \((file:|node:|\/)/, /node:internal/, /node_modules/, /\/src\/[\w/.-]+\.ts/, /\.ts:\d+:\d+/, new RegExp(process.cwd().replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))];

/** The methods saoma's routers implement; Koa answers any other with 501 Not Implemented. */
const ROUTED_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

const EMULATOR_PATHS = /^\/(cgi-bin|sns|wxa|emulator)(\/|\?|$)/;

/** What is wrong with one answer, or undefined. */
function judge(one: Case, answer: Answer): string | undefined {
  if (answer.status === 0 && !one.raw) return 'no answer';
  // 501 is HTTP's answer to a method the server does not implement at all (RFC 9110 §15.6.2).
  if (answer.status === 501 && !ROUTED_METHODS.has(one.method)) return undefined;
  if (answer.status >= 500) return `answered ${answer.status}`;
  const leak = LEAKS.find((pattern) => pattern.test(answer.body));
  if (leak) return `the body leaks ${leak}: ${answer.body.slice(0, 300)}`;
  if (answer.status >= 400 && /json/i.test(answer.type) && one.method !== 'HEAD' && answer.body !== '') {
    let json: any;
    try {
      json = JSON.parse(answer.body);
    } catch {
      return `a ${answer.status} said JSON but is not: ${answer.body.slice(0, 200)}`;
    }
    if (EMULATOR_PATHS.test(one.path)) {
      // The emulator answers as WeChat does: an errcode, not an OAuth error (unless saoma's own
      // HTTP entry refused the request before it reached the emulator, e.g. a Host that is not a host).
      if (typeof json?.errcode !== 'number' && !STABLE_CODES.has(json?.error)) return `the emulator's ${answer.status} has neither an errcode nor a stable error: ${answer.body.slice(0, 200)}`;
    } else if (typeof json?.error !== 'string' || !STABLE_CODES.has(json.error)) {
      return `a ${answer.status} without a stable error code: ${answer.body.slice(0, 200)}`;
    }
  }
  return undefined;
}

const describeCase = (one: Case) => `${one.route}: ${one.method} ${one.path.slice(0, 120)} ${JSON.stringify(one.headers).slice(0, 300)} body ${one.body ? JSON.stringify(one.body.subarray(0, 200).toString('latin1')) : '-'}`;

describe('a malformed-input campaign over every public route', () => {
  const seed = campaignSeed();
  let saoma: RunningSaoma;
  let port: number;
  let pool: Pool;
  const crashes: unknown[] = [];
  const onCrash = (err: unknown) => crashes.push(err);

  before(async () => {
    process.on('uncaughtException', onCrash);
    process.on('unhandledRejection', onCrash);
    // The emulator (development), Dynamic Client Registration and the admin API are all on:
    // every public route is served. Long-polls wait one second, so a case that waits is not a hang.
    saoma = await startSaoma({ TRUST_PROXY: 'true', ADMIN_TOKEN, REGISTRATION_ENABLED: 'true', STATUS_WAIT_SECONDS: '1', TICKET_TTL_SECONDS: '600' });
    port = Number(new URL(saoma.issuer).port);
    const emulator = saoma.saoma.emulator!.state;
    let user = 0;
    const wxCode = () => emulator.loginCodes.issue({ user: `fuzz-${user % 50}`, openid: openidOf(EMULATOR_APPID, `fuzz-${user++ % 50}`) });

    const { tokens } = await signIn(saoma, 'fuzz-owner', { scope: 'openid profile offline_access', extra: { prompt: 'consent' } });
    const pages: Pool['pages'] = [];
    for (let i = 0; i < 40; i++) {
      // Pages opened by odd browsers: the ticket keeps the User-Agent for the confirm screen.
      const ua = PAGE_USER_AGENTS[i % PAGE_USER_AGENTS.length];
      const page = await openPage(saoma, port, ua);
      if (ua === BROWSER_UA && i % 2 === 0) {
        const scanned = await post(saoma, '/mp/scan', { scene: page.scene, code: wxCode() });
        assert.equal(scanned.status, 200, JSON.stringify(scanned.json));
        pages.push({ ...page, token: scanned.json.token });
      } else pages.push(page);
    }
    const registration = await post(saoma, '/admin/registration-tokens', {}, { authorization: `Bearer ${ADMIN_TOKEN}` });
    assert.equal(registration.status, 201, JSON.stringify(registration.json));
    const wechat = await post(saoma, '/cgi-bin/stable_token', { grant_type: 'client_credential', appid: EMULATOR_APPID, secret: saoma.config.wechat.secret });
    assert.ok(wechat.json.access_token, JSON.stringify(wechat.json));
    pool = {
      issuer: saoma.issuer, pages, accessToken: tokens.access_token, refreshToken: tokens.refresh_token!, idToken: tokens.id_token!,
      adminToken: ADMIN_TOKEN, registrationToken: registration.json.token ?? registration.json.initial_access_token, wechatAccessToken: wechat.json.access_token, wxCode,
    };
    assert.ok(pool.registrationToken, JSON.stringify(registration.json));
  });

  after(async () => {
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
    closeAgent();
    await saoma?.close();
  });

  it(`${CASES} generated hostile requests: never a 5xx, a stack trace or an internal path; every 4xx JSON has a stable error code`, async (t) => {
    t.diagnostic(`seed ${seed}`);
    const only = process.env.CAMPAIGN_CASE === undefined ? undefined : Number(process.env.CAMPAIGN_CASE);
    const indexes = only === undefined ? Array.from({ length: CASES }, (_, i) => i) : [only];
    const failures: string[] = [];
    const perRoute = new Map<RouteName, Map<number, number>>();
    const slowest: [number, number][] = [];
    let closedOnOversized = 0;
    let next = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < indexes.length) {
        const index = indexes[next++]!;
        const one = generate(seed, index, pool);
        let answer: Answer;
        const started = performance.now();
        try {
          answer = await send(port, one);
          slowest.push([performance.now() - started, index]);
        } catch (err) {
          // A body past every limit may be refused by closing the connection while it is still
          // being sent: the client sees a reset instead of the 413. That is a refusal, not a failure.
          const code = (err as NodeJS.ErrnoException).code;
          if ((one.body?.length ?? 0) > 16 * 1024 && (code === 'ECONNRESET' || code === 'EPIPE')) {
            closedOnOversized++;
            continue;
          }
          failures.push(`case ${index}: ${(err as Error).message} — ${describeCase(one)}`);
          continue;
        }
        const statuses = perRoute.get(one.route as RouteName) ?? new Map<number, number>();
        perRoute.set(one.route as RouteName, statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1));
        const wrong = judge(one, answer);
        if (wrong) failures.push(`case ${index}: ${wrong} — ${describeCase(one)}`);
      }
    }));
    t.diagnostic(`oversized bodies refused by closing the connection: ${closedOnOversized}`);
    const sorted = slowest.map(([ms]) => ms).sort((a, b) => a - b);
    t.diagnostic(`ms per case: p50 ${Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0)}, p90 ${Math.round(sorted[Math.floor(sorted.length * 0.9)] ?? 0)}, p99 ${Math.round(sorted[Math.floor(sorted.length * 0.99)] ?? 0)}`);
    t.diagnostic(`slowest: ${slowest.sort((a, b) => b[0] - a[0]).slice(0, 8).map(([ms, i]) => `#${i} ${generate(seed, i, pool).route} ${Math.round(ms)} ms`).join(', ')}`);
    for (const [route, statuses] of [...perRoute].sort()) {
      t.diagnostic(`${route}: ${[...statuses].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}×${n}`).join(' ')}`);
    }
    assert.equal(failures.length, 0, `seed ${seed} (replay: CAMPAIGN_SEED=${seed}, one case: CAMPAIGN_CASE=<n>): ${failures.length} of ${indexes.length} cases failed; the first:\n${failures.slice(0, 10).join('\n')}`);
    if (only === undefined) {
      for (const route of Object.keys(ROUTES) as RouteName[]) {
        const count = [...(perRoute.get(route)?.values() ?? [])].reduce((a, b) => a + b, 0);
        assert.ok(count >= CASES / 400, `seed ${seed}: only ${count} cases reached ${route}`);
      }
    }
  });

  it('the process never crashed and still serves a whole login afterwards', async () => {
    assert.deepEqual(crashes, [], `seed ${seed}: uncaught errors during the campaign`);
    const health = await fetch(`${saoma.issuer}/healthz`);
    assert.equal(health.status, 200);
    const { claims } = await signIn(saoma, 'after-the-campaign');
    assert.ok(claims.sub);
  });
});

async function post(saoma: RunningSaoma, path: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any }> {
  const res = await fetch(`${saoma.issuer}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, json: await res.json() };
}

/** User-Agents of the browsers that open the pool's login pages (undefined: none at all). */
const PAGE_USER_AGENTS = [BROWSER_UA, undefined, '', ' ', '\t', 'M'.repeat(2048), 'Mozilla/5.0 (caf\u00e9; \u00ff) Gecko/20100101 Firefox/128.0', BROWSER_UA];

/** A browser on a login page: /auth, the page (which makes the ticket), and the cookie it holds. */
async function openPage(saoma: RunningSaoma, port: number, userAgent: string | undefined): Promise<{ uid: string; cookie: string; scene: string }> {
  const params = new URLSearchParams({ client_id: RP.client_id, response_type: 'code', scope: 'openid profile', redirect_uri: RP.redirect_uri, code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256', state: 's' });
  const auth = await fetch(`${saoma.issuer}/auth?${params}`, { redirect: 'manual' });
  const uid = /\/interaction\/([^/?#]+)$/.exec(auth.headers.get('location') ?? '')?.[1];
  assert.ok(uid, `no login page: ${auth.status}`);
  const cookie = auth.headers.getSetCookie().map((line) => line.split(';')[0]).join('; ');
  const page = await send(port, { route: 'setup', method: 'GET', path: `/interaction/${uid}`, headers: { cookie, ...(userAgent === undefined ? {} : { 'user-agent': userAgent }) } });
  assert.equal(page.status, 200, page.body.slice(0, 300));
  const ticket = await saoma.saoma.tickets.current(uid);
  assert.ok(ticket);
  return { uid, cookie, scene: ticket.scene };
}
