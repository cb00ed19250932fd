/**
 * The whole picture in one command (issue 16): the four per-login and waiting-page benchmarks with
 * short settings, each in its own child process one after the other, and at the end ONE table of
 * each measure against its baseline from the same run (measure, saoma, baseline, ratio, target,
 * met?), with the machine and the commit it ran on.
 *
 *   node bench/all.ts            sized to stay under 10 minutes on a quiet 2-core machine
 *   node bench/all.ts --quick    a smoke run of a minute or two: tiny counts, figures meaningless
 *   node bench/all.ts --only redis-per-login,waiting-memory
 *
 * Each script stays runnable on its own (`node bench/<name>.ts`, its own defaults are longer);
 * here each is given the arguments below and `--result FILE`, where it writes its measures as JSON
 * (`bench/lib/summary.ts`). Figures for docs/benchmarks.md come from a quiet machine only.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { argFlag, argValue, machine } from './lib/stats.ts';
import { summaryTable, type Measure, type ScriptResult } from './lib/summary.ts';

const quick = argFlag('quick');

/** Each script with its short settings for this run (`quick`: a smoke run). */
const SCRIPTS: { name: string; args: string[]; quick: string[] }[] = [
  { name: 'redis-per-login', args: ['--logins', '100'], quick: ['--logins', '5'] },
  { name: 'waiting-memory', args: ['--pages', '10000', '--window', '10'], quick: ['--pages', '300', '--window', '2'] },
  {
    name: 'confirm-latency',
    args: ['--setups', 'two', '--rate', '1000', '--rounds', '3', '--confirms', '3000', '--warmup', '500', '--quiet', '60'],
    quick: ['--setups', 'two', '--rate', '200', '--rounds', '1', '--confirms', '200', '--warmup', '0', '--quiet', '0'],
  },
  {
    name: 'logins-per-second',
    args: ['--workers', '16', '--seconds', '10', '--rounds', '3', '--quiet', '60'],
    quick: ['--workers', '4', '--seconds', '3', '--rounds', '1', '--quiet', '0'],
  },
];

const only = argValue('only')?.split(',').map((s) => s.trim());
const chosen = SCRIPTS.filter((s) => !only || only.includes(s.name));
if (only && chosen.length !== only.length) {
  console.error(`--only knows ${SCRIPTS.map((s) => s.name).join(', ')}`);
  process.exit(2);
}

let current: ChildProcess | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  // The child stops its own processes on the signal; wait for it, then go.
  process.on(signal, () => {
    console.error(`\nstopped by ${signal}`);
    if (!current) process.exit(130);
    current.kill(signal);
    current.once('exit', () => process.exit(130));
  });
}

/** Runs one script to its end; resolves to its measures, or to why there are none. */
function run(script: (typeof SCRIPTS)[number], dir: string): Promise<ScriptResult | string> {
  const result = join(dir, `${script.name}.json`);
  const args = [join(import.meta.dirname, `${script.name}.ts`), ...(quick ? script.quick : script.args), '--result', result];
  console.log(`\n=== node bench/${script.name}.ts ${args.slice(1, -2).join(' ')}\n`);
  const started = performance.now();
  return new Promise((resolve) => {
    current = spawn(process.execPath, args, { stdio: 'inherit' });
    current.once('exit', (code, signal) => {
      current = undefined;
      const took = `${((performance.now() - started) / 1000).toFixed(0)} s`;
      if (code !== 0) return resolve(`exited with ${code ?? signal} after ${took}`);
      console.log(`\n=== bench/${script.name}.ts took ${took}`);
      try {
        resolve(JSON.parse(readFileSync(result, 'utf8')) as ScriptResult);
      } catch (err) {
        resolve(`wrote no result (${(err as Error).message})`);
      }
    });
  });
}

/** The commit measured, and whether the checkout had changes on top of it. */
function commit(): string {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim();
    return dirty ? `${head} with uncommitted changes (not a clean checkout)` : `${head} (clean checkout)`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

const started = performance.now();
const dir = mkdtempSync(join(tmpdir(), 'saoma-bench-all-'));
const measures: Measure[] = [];
const failures: string[] = [];
let machineLine: string | undefined;
for (const script of chosen) {
  const outcome = await run(script, dir);
  if (typeof outcome === 'string') {
    failures.push(`bench/${script.name}.ts ${outcome}`);
    continue;
  }
  machineLine ??= outcome.machine;
  measures.push(...outcome.measures);
}

console.log(`\n${'='.repeat(72)}\n`);
if (quick) console.log('SMOKE RUN (--quick): tiny counts; these figures show the scripts work, not how saoma performs.\n');
console.log(`machine: ${machineLine ?? (await machine())}`);
console.log(`saoma: commit ${commit()}`);
console.log(`took: ${((performance.now() - started) / 60_000).toFixed(1)} min; figures are only worth quoting from a quiet machine\n`);
console.log(summaryTable(measures));
for (const failure of failures) console.log(`\nNO FIGURES: ${failure}`);
process.exit(failures.length ? 1 : 0);
