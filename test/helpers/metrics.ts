import assert from 'node:assert/strict';
import { ADMIN_TOKEN } from '../admin/helpers.ts';

/** One scrape, parsed: `name{labels}` → value, plus every label value seen. */
export interface Scrape {
  text: string;
  value(name: string, labels?: Record<string, string>): number;
  labelValues: Set<string>;
  names: Set<string>;
  /** Every metric the scrape declares (`# TYPE`), with its type: also those with no sample yet. */
  types: Map<string, string>;
}

export function parseScrape(text: string): Scrape {
  const samples: Array<{ name: string; labels: Record<string, string>; value: number }> = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const declared = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (declared) types.set(declared[1]!, declared[2]!);
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(match, `a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, raw] of match[2]?.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g) ?? []) labels[key!] = raw!.replace(/\\(.)/g, '$1');
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return {
    text,
    value: (name, wanted = {}) => samples.filter((s) => s.name === name && Object.entries(wanted).every(([k, v]) => s.labels[k] === v)).reduce((n, s) => n + s.value, 0),
    labelValues: new Set(samples.flatMap((s) => Object.values(s.labels))),
    names: new Set(samples.map((s) => s.name)),
    types,
  };
}

export async function scrapeMetrics(url: string, token = ADMIN_TOKEN): Promise<Scrape> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parseScrape(await res.text());
}

