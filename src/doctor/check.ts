import type { Config } from '../config/load.ts';
import type { WeChatProbe } from './wechat-probe.ts';

/** How a check came out: ✅ ok, ⚠️ warn (works, but not as it should), ❌ fail, or not checked (skipped, with the reason). */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skipped';

/** One line of the doctor's report. `fix` is the exact thing to change; absent when there is nothing to do. */
export interface CheckResult {
  id: string;
  title: string;
  status: CheckStatus;
  message: string;
  fix?: string;
}

export type Verdict = Omit<CheckResult, 'id' | 'title'>;

/** What every check may look at: the configuration as loaded, and the deployment's WeChat as probed once. */
export interface DoctorContext {
  /** The configuration, loaded as saoma loads it (production rules relaxed when they alone fail, so the other checks still run). */
  config: Config;
  /** Whether the environment says NODE_ENV=production (whatever the relaxed load did). */
  production: boolean;
  /** The configuration's problems, when saoma would refuse to start with it. */
  configProblems: string[];
  wechat: WeChatProbe;
  /** The websites (from configuration and the store) that may ask for the phone scope; `complete` is false when the store could not be read. */
  phoneWebsites(): Promise<{ ids: string[]; complete: boolean }>;
  /** Bound on each network step (connect, answer) of the checks that are not WeChat calls. */
  timeoutMs: number;
}

/** One row of the table of checks: an id for scripts, a title for people, and the check itself. */
export interface Check {
  id: string;
  title: string;
  run(context: DoctorContext): Promise<Verdict>;
}

export const ok = (message: string): Verdict => ({ status: 'ok', message });
export const warn = (message: string, fix: string): Verdict => ({ status: 'warn', message, fix });
export const fail = (message: string, fix: string): Verdict => ({ status: 'fail', message, fix });
export const skipped = (message: string, fix?: string): Verdict => (fix ? { status: 'skipped', message, fix } : { status: 'skipped', message });
