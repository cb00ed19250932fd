import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { ADMIN_TOKEN } from './admin/helpers.ts';
import { scrapeMetrics, type Scrape } from './helpers/metrics.ts';
import { startSaoma, type RunningSaoma } from './helpers/saoma.ts';

interface Panel { type: string; title: string; targets?: Array<{ expr: string }> }
const dashboard = JSON.parse(readFileSync(new URL('../docs/grafana-dashboard.json', import.meta.url), 'utf8')) as { panels: Panel[]; templating: { list: Array<{ definition: string }> } };
const operations = readFileSync(new URL('../docs/operations.md', import.meta.url), 'utf8');

/** Every saoma metric name a PromQL expression reads. */
const metricNames = (expr: string) => [...expr.matchAll(/\bsaoma_[a-z0-9_]+/g)].map((m) => m[0]);

/** A sample name is known when the scrape declares it, or it is a histogram's `_bucket`, `_sum` or `_count`. */
function declared(scrape: Scrape, name: string): boolean {
  if (scrape.types.has(name)) return true;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return base !== name && scrape.types.get(base) === 'histogram';
}

describe('docs/grafana-dashboard.json and the metrics table', () => {
  let saoma: RunningSaoma;
  let scrape: Scrape;
  before(async () => {
    saoma = await startSaoma({ ADMIN_TOKEN });
    scrape = await scrapeMetrics(`${saoma.issuer}/admin/metrics`);
  });
  after(() => saoma?.close());

  it('every metric the dashboard queries exists in a scrape', () => {
    const exprs = [...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)), ...dashboard.templating.list.map((v) => v.definition)];
    assert.ok(exprs.length >= 20, 'the dashboard has its panels');
    const queried = new Set(exprs.flatMap(metricNames));
    for (const wanted of ['saoma_login_tickets_total', 'saoma_wechat_codes_drawn_total', 'saoma_wechat_phone_cost_yuan_total', 'saoma_wechat_calls_total', 'saoma_http_request_duration_seconds_bucket']) {
      assert.ok(queried.has(wanted), `the dashboard shows ${wanted}`);
    }
    assert.deepEqual([...queried].filter((name) => !declared(scrape, name)), [], 'queried metrics the scrape does not have');
  });

  it('docs/operations.md lists every metric saoma declares, and no metric it does not', () => {
    const own = [...scrape.types.keys()].filter((name) => !/^saoma_(process|nodejs)_/.test(name));
    assert.ok(own.length >= 15);
    const rows = new Set([...operations.matchAll(/^\| `(saoma_[a-z0-9_]+)` \|/gm)].map((m) => m[1]!));
    assert.deepEqual(own.filter((name) => !rows.has(name)), [], 'declared but not documented');
    assert.deepEqual([...rows].filter((name) => !scrape.types.has(name)), [], 'documented but not declared');
    assert.ok(scrape.types.has('saoma_process_cpu_user_seconds_total') && scrape.types.has('saoma_nodejs_eventloop_lag_p99_seconds'), 'the default process metrics the docs promise');
  });
});
