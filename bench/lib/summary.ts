/**
 * The one table of `bench/all.ts`: each measure with saoma's figure beside its baseline's from the
 * same run, the ratio, the target and whether it was met (and if not, by how much). Each script
 * prints the table of its own measures, and with `--result FILE` also writes them as JSON for
 * `bench/all.ts` to gather. `summaryTable` and `verdict` are pure, so a unit test holds them to
 * their word (test/bench-summary.test.ts); nothing here times anything.
 */
import { writeFileSync } from 'node:fs';
import { argValue, table } from './stats.ts';

export interface Measure {
  /** What is measured, in the product's words. */
  measure: string;
  /** The unit of `saoma` and `baseline` (`ms`, `B`, `round trips`…). */
  unit: string;
  saoma: number;
  /** The same measure of the baseline in the same run; absent where there is none. */
  baseline?: number;
  /** At most `max`: of the ratio saoma / baseline, or of saoma's own figure. No target: shown only. */
  target?: { of: 'ratio' | 'saoma'; max: number };
  /** Why the target is not judged in this run (e.g. the baseline itself is over it). */
  notJudged?: string;
}

/** What one script hands to `bench/all.ts`. */
export interface ScriptResult {
  script: string;
  machine: string;
  measures: Measure[];
}

/** saoma / baseline, or undefined when there is no usable baseline. */
export function ratioOf(m: Measure): number | undefined {
  if (m.baseline === undefined || !(m.baseline > 0) || !Number.isFinite(m.saoma)) return undefined;
  return m.saoma / m.baseline;
}

/** `met`, `missed by N %`, `not judged: …`, or `–` when there is no target. */
export function verdict(m: Measure): string {
  if (!m.target) return '–';
  if (m.notJudged) return `not judged: ${m.notJudged}`;
  const value = m.target.of === 'ratio' ? ratioOf(m) : m.saoma;
  if (value === undefined || !Number.isFinite(value)) return 'not judged: no figure';
  if (value <= m.target.max) return 'met';
  // A target of zero (store reads) has no percentage to miss by.
  if (m.target.max === 0) return `missed by ${figure(value)}`;
  return `missed by ${Math.round((value / m.target.max - 1) * 100)} %`;
}

/** A figure as a person reads it: three significant digits or so, thousands separated. */
export function figure(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '–';
  const digits = Math.abs(value) >= 100 || Number.isInteger(value) ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function targetText(m: Measure): string {
  if (!m.target) return '–';
  return m.target.of === 'ratio' ? `≤ ${m.target.max} ×` : `≤ ${figure(m.target.max)} ${m.unit}`;
}

/** measure | saoma | baseline | ratio | target | met? — one row per measure. */
export function summaryTable(measures: Measure[]): string {
  return table(['measure', 'saoma', 'baseline', 'ratio', 'target', 'met?'], measures.map((m) => {
    const ratio = ratioOf(m);
    return [
      m.measure,
      `${figure(m.saoma)} ${m.unit}`,
      m.baseline === undefined ? '–' : `${figure(m.baseline)} ${m.unit}`,
      ratio === undefined ? '–' : `${ratio.toFixed(2)} ×`,
      targetText(m),
      verdict(m),
    ];
  }));
}

/** Prints the script's own summary and, with `--result FILE`, writes it for `bench/all.ts`. */
export function report(script: string, machine: string, measures: Measure[]): void {
  console.log(`\nAgainst the targets (issue 16; saoma and its baseline from this run):\n`);
  console.log(summaryTable(measures));
  const file = argValue('result');
  if (file) writeFileSync(file, JSON.stringify({ script, machine, measures } satisfies ScriptResult));
}
