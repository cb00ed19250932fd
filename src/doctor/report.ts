import type { CheckResult, CheckStatus } from './check.ts';
import type { DoctorReport } from './doctor.ts';

const ICON: Record<CheckStatus, string> = { ok: '✅', warn: '⚠️', fail: '❌', skipped: '⏭️' };
const TITLE_WIDTH = 24;

/** Whether the deployment passes: no ❌ (warnings and unchecked lines do not fail it). */
export function passed(report: DoctorReport): boolean {
  return !report.checks.some((c) => c.status === 'fail');
}

/** The report for people: one line per check, its fix indented under it, and a count at the end. */
export function reportText(report: DoctorReport): string {
  const { issuer, wechat, store } = report.subject;
  const head = issuer ? `saoma doctor — ${issuer}\n  WeChat: ${wechat}\n  store:  ${store}\n\n` : 'saoma doctor\n\n';
  const indent = ' '.repeat(3 + TITLE_WIDTH + 1);
  const lines = report.checks.map((check) => {
    const line = `${ICON[check.status]} ${check.title.padEnd(TITLE_WIDTH)} ${check.message}`;
    if (!check.fix) return line;
    const [first, ...more] = check.fix.split('\n');
    return `${line}\n${indent}→ ${first}${more.map((l) => `\n${indent}  ${l}`).join('')}`;
  });
  return `${head}${lines.join('\n')}\n\n${summary(report.checks)}\n`;
}

/** The report for scripts: one JSON document; `fix` is null where there is nothing to do. */
export function reportJson(report: DoctorReport): string {
  const checks = report.checks.map(({ id, title, status, message, fix }) => ({ id, title, status, message, fix: fix ?? null }));
  const counts = Object.fromEntries((['ok', 'warn', 'fail', 'skipped'] as const).map((s) => [s, checks.filter((c) => c.status === s).length]));
  return `${JSON.stringify({ ok: passed(report), counts, subject: report.subject, checks }, null, 2)}\n`;
}

function summary(checks: CheckResult[]): string {
  const count = (status: CheckStatus) => checks.filter((c) => c.status === status).length;
  const parts = [`${count('ok')} ✅`, `${count('warn')} ⚠️`, `${count('fail')} ❌`];
  if (count('skipped')) parts.push(`${count('skipped')} not checked`);
  const verdict = count('fail') ? 'fix the ❌ lines before people sign in.' : count('warn') ? 'ready; read the ⚠️ lines.' : 'ready.';
  return `${parts.join(', ')} — ${verdict}`;
}
