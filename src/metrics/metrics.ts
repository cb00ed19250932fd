import client from 'prom-client';
import type { Logger } from '../log.ts';
import type { LoginTicket } from '../login/ticket.ts';
import { effectiveState } from '../login/ticket-machine.ts';
import type { WeChatApi } from '../wechat/errors.ts';

/**
 * Every metric saoma exports, in one place (docs/operations.md has the table). One registry per
 * process: each process reports its own figures and Prometheus sums them. Labels are chosen from
 * small closed sets — a route template, a method, a status class, a client_id, a WeChat API name
 * and errcode, a store operation — and never carry a user, a `sub`, an IP, a uid or a scene.
 *
 * Hooks (the functions below) never throw: a metrics failure is logged and the request goes on.
 */
export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry, prefix: 'saoma_' });

const SECONDS_FAST = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const SECONDS_HUMAN = [1, 2, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300];

const httpRequests = new client.Counter({ name: 'saoma_http_requests_total', help: 'HTTP requests answered, by route template, method and status class.', labelNames: ['route', 'method', 'status'] as const, registers: [registry] });
const httpDuration = new client.Histogram({ name: 'saoma_http_request_duration_seconds', help: 'Time to answer an HTTP request (status long-polls included), by route template and method.', labelNames: ['route', 'method'] as const, buckets: SECONDS_FAST, registers: [registry] });

/** The funnel's steps: a ticket is issued, scanned, confirmed, then completed; or cancelled or expired. */
export const FUNNEL_STEPS = ['issued', 'scanned', 'confirmed', 'completed', 'cancelled', 'expired'] as const;
export type FunnelStep = (typeof FUNNEL_STEPS)[number];
const tickets = new client.Counter({ name: 'saoma_login_tickets_total', help: 'Login tickets reaching each step of the scan funnel, by client.', labelNames: ['step', 'client_id'] as const, registers: [registry] });
const issueToScan = new client.Histogram({ name: 'saoma_login_issue_to_scan_seconds', help: 'Time from a code being issued to its scan, by client.', labelNames: ['client_id'] as const, buckets: SECONDS_HUMAN, registers: [registry] });
const scanToConfirm = new client.Histogram({ name: 'saoma_login_scan_to_confirm_seconds', help: 'Time from a scan to the confirm in WeChat, by client.', labelNames: ['client_id'] as const, buckets: SECONDS_HUMAN, registers: [registry] });

const wechatCalls = new client.Counter({ name: 'saoma_wechat_calls_total', help: 'Calls to WeChat by API and errcode (0 = success; timeout, network, bad_response for transport failures).', labelNames: ['api', 'errcode'] as const, registers: [registry] });
const wechatDuration = new client.Histogram({ name: 'saoma_wechat_call_duration_seconds', help: 'Latency of WeChat calls by API.', labelNames: ['api'] as const, buckets: SECONDS_FAST, registers: [registry] });
const accessTokenFetches = new client.Counter({ name: 'saoma_wechat_access_token_fetches_total', help: 'Access-token fetches (stable_token) made by this process, by result.', labelNames: ['result'] as const, registers: [registry] });
const codesDrawn = new client.Counter({ name: 'saoma_wechat_codes_drawn_total', help: 'Mini-program codes drawn (getwxacodeunlimit successes); WeChat allows 5,000 a minute per mini-program.', registers: [registry] });
const urlLinks = new client.Counter({ name: 'saoma_wechat_url_links_total', help: 'URL links generated (generate_urllink successes).', registers: [registry] });
const phoneNumbers = new client.Counter({ name: 'saoma_wechat_phone_numbers_total', help: 'Phone numbers fetched (getuserphonenumber successes; each is billed).', registers: [registry] });
const phoneCost = new client.Counter({ name: 'saoma_wechat_phone_cost_yuan_total', help: 'What the phone numbers fetched cost, in yuan (WECHAT_PHONE_PRICE_YUAN each).', registers: [registry] });

const storeDuration = new client.Histogram({ name: 'saoma_store_operation_duration_seconds', help: 'Latency of store operations, by operation.', labelNames: ['operation'] as const, buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry] });
const storeErrors = new client.Counter({ name: 'saoma_store_errors_total', help: 'Store operations that failed, by operation.', labelNames: ['operation'] as const, registers: [registry] });

/** Sources of waiting long-polls (one per Tickets of this process), read at scrape time. */
const waitingSources = new Set<() => number>();
new client.Gauge({
  name: 'saoma_login_waiting_polls',
  help: 'Status long-polls waiting in this process.',
  registers: [registry],
  collect() {
    let n = 0;
    for (const source of waitingSources) n += source();
    this.set(n);
  },
});

/**
 * Counts per period (a minute, a UTC day, a UTC month), keeping the last `keep` periods: the
 * status page's "now" figures, for operators without Prometheus. This process's counts only.
 */
class Periods {
  readonly #counts = new Map<number, number>();
  readonly periodOf: (ms: number) => number;
  readonly #keep: number;
  constructor(periodOf: (ms: number) => number, keep: number) {
    this.periodOf = periodOf;
    this.#keep = keep;
  }
  add(n: number, now = Date.now()): void {
    const period = this.periodOf(now);
    this.#counts.set(period, (this.#counts.get(period) ?? 0) + n);
    // Periods arrive in order, so the oldest come first in the map.
    for (const key of this.#counts.keys()) {
      if (this.#counts.size <= this.#keep) break;
      this.#counts.delete(key);
    }
  }
  at(period: number): number {
    return this.#counts.get(period) ?? 0;
  }
}
const minute = (ms: number) => Math.floor(ms / 60_000);
const utcDay = (ms: number) => Math.floor(ms / 86_400_000);
const utcMonth = (ms: number) => new Date(ms).getUTCFullYear() * 12 + new Date(ms).getUTCMonth();
const codesByMinute = new Periods(minute, 61);
const urlLinksByDay = new Periods(utcDay, 2);
const phoneNumbersByMonth = new Periods(utcMonth, 2);

let log: Logger | undefined;
let phonePriceYuan = 0.03;

/**
 * Where hook failures are logged, and what one phone number costs. Called by each saoma instance;
 * in the rare Node process holding several (tests), the last one's settings apply to all.
 */
export function configureMetrics(options: { log: Logger; phonePriceYuan: number }): void {
  log = options.log;
  phonePriceYuan = options.phonePriceYuan;
}

/** Runs a hook; a failure is logged, never thrown into the request. */
function safely(what: string, hook: () => void): void {
  try {
    hook();
  } catch (err) {
    log?.warn({ err, metric: what }, 'recording a metric failed; the request goes on');
  }
}

/** Counts the waiting long-polls `source` reports; returns the function that stops counting them. */
export function countWaitingPolls(source: () => number): () => void {
  waitingSources.add(source);
  return () => waitingSources.delete(source);
}

export function recordHttpRequest(route: string, method: string, status: number, seconds: number): void {
  safely('http', () => {
    httpRequests.inc({ route, method, status: `${Math.floor(status / 100)}xx` });
    httpDuration.observe({ route, method }, seconds);
  });
}

/**
 * A ticket was issued (a new code on a login page). At its expiry the issuing process reads it
 * back once (`read`) and counts it as expired if it never finished: a ticket expires by the clock,
 * with no event, and only the issuer looks, so each expiry is counted once per deployment.
 */
export function recordTicketIssued(ticket: LoginTicket, read: (scene: string) => Promise<LoginTicket | undefined>): void {
  safely('tickets', () => {
    const client_id = ticket.client_id;
    tickets.inc({ step: 'issued', client_id });
    const timer = setTimeout(() => {
      read(ticket.scene).then(
        (now) => now && effectiveState(now) === 'expired' && tickets.inc({ step: 'expired', client_id }),
        (err: unknown) => log?.debug({ err }, 'could not read a ticket back at its expiry; not counted'),
      );
    }, Math.max(0, ticket.expires_at - Date.now()));
    timer.unref();
  });
}

const STEP_OF_STATE: Partial<Record<LoginTicket['state'], FunnelStep>> = { scanned: 'scanned', confirmed: 'confirmed', consumed: 'completed', cancelled: 'cancelled' };

/** `after` stamped with `state_at` when its state differs from `before`'s: the next change reads it to time scan → confirm. */
export function withStateTime<T extends LoginTicket>(before: LoginTicket, after: T): T {
  return before.state === after.state ? after : { ...after, state_at: Date.now() };
}

/** A ticket changed from `before` to `after`: call only once the change is written (the compare-and-set won). */
export function recordTicketChange(before: LoginTicket, after: LoginTicket): void {
  if (before.state === after.state) return;
  safely('tickets', () => {
    const step = STEP_OF_STATE[after.state];
    const client_id = after.client_id;
    const now = after.state_at ?? Date.now();
    if (step) tickets.inc({ step, client_id });
    if (after.state === 'scanned') issueToScan.observe({ client_id }, Math.max(0, now - before.created_at) / 1000);
    if (after.state === 'confirmed' && before.state === 'scanned' && typeof before.state_at === 'number') {
      scanToConfirm.observe({ client_id }, Math.max(0, now - before.state_at) / 1000);
    }
  });
}

/** One WeChat call ended: `errcode` 0 on success, else WeChat's errcode or the transport failure. */
export function recordWeChatCall(api: WeChatApi, errcode: number | string, seconds: number): void {
  safely('wechat', () => {
    wechatCalls.inc({ api, errcode: String(errcode) });
    wechatDuration.observe({ api }, seconds);
    if (api === 'stable_token') accessTokenFetches.inc({ result: errcode === 0 ? 'ok' : 'failed' });
    if (errcode !== 0) return;
    if (api === 'getwxacodeunlimit') {
      codesDrawn.inc();
      codesByMinute.add(1);
    }
    if (api === 'generate_urllink') {
      urlLinks.inc();
      urlLinksByDay.add(1);
    }
    if (api === 'getuserphonenumber') {
      phoneNumbers.inc();
      phoneCost.inc(phonePriceYuan);
      phoneNumbersByMonth.add(1);
    }
  });
}

export function recordStoreOperation(operation: string, seconds: number, failed: boolean): void {
  safely('store', () => {
    storeDuration.observe({ operation }, seconds);
    if (failed) storeErrors.inc({ operation });
  });
}

/** The scrape: Prometheus text format. */
export async function scrape(): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}

/** WeChat's limit on mini-program codes, per minute and mini-program (45009 beyond). */
export const CODES_PER_MINUTE_QUOTA = 5000;

export interface StatusFigures {
  /** Each funnel step since this process started. */
  funnel: Record<FunnelStep, number>;
  /** Codes drawn in each of the last 60 minutes, oldest first (the last is the current minute). */
  codesPerMinute: number[];
  urlLinksToday: number;
  phoneNumbersThisMonth: number;
  phoneCostThisMonthYuan: number;
  phonePriceYuan: number;
  wechatCalls: number;
  wechatErrors: number;
  waitingPolls: number;
}

/** This process's figures as plain numbers, for the admin status page. */
export async function statusFigures(now = Date.now()): Promise<StatusFigures> {
  const sum = async (metric: client.Metric, keep: (labels: client.LabelValues<string>) => boolean = () => true) =>
    (await metric.get()).values.filter((v) => keep(v.labels)).reduce((n, v) => n + v.value, 0);
  const funnel = {} as Record<FunnelStep, number>;
  for (const step of FUNNEL_STEPS) funnel[step] = await sum(tickets, (l) => l.step === step);
  let waitingPolls = 0;
  for (const source of waitingSources) waitingPolls += source();
  const thisMinute = minute(now);
  const phoneNumbersThisMonth = phoneNumbersByMonth.at(utcMonth(now));
  return {
    funnel,
    codesPerMinute: Array.from({ length: 60 }, (_, i) => codesByMinute.at(thisMinute - 59 + i)),
    urlLinksToday: urlLinksByDay.at(utcDay(now)),
    phoneNumbersThisMonth,
    phoneCostThisMonthYuan: phoneNumbersThisMonth * phonePriceYuan,
    phonePriceYuan,
    wechatCalls: await sum(wechatCalls),
    wechatErrors: await sum(wechatCalls, (l) => l.errcode !== '0'),
    waitingPolls,
  };
}
