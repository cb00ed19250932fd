import { readFileSync } from 'node:fs';
import { metadataProblems } from '../clients/metadata.ts';
import { envSchema, type Env } from './env.ts';
import type { Branding } from '../branding/branding.ts';
import { loadBranding } from '../branding/load.ts';

import type { ClientMetadata } from 'oidc-provider';

export type { ClientMetadata };

export interface Config {
  env: Env;
  production: boolean;
  port: number;
  host: string;
  issuer: string;
  /** Which WeChat we talk to: the real one (appid + secret) or the built-in emulator. */
  /**
   * Which WeChat we talk to: the real one (appid + secret) or the emulator; `embeddedEmulator`
   * when the emulator is served by this process itself.
   */
  wechat: { emulator: boolean; embeddedEmulator: boolean; appid: string; secret: string; apiBase: string };
  store: { kind: 'memory' } | { kind: 'redis'; url: string } | { kind: 'sentinel'; sentinels: string[]; name: string } | { kind: 'cluster'; nodes: string[] };
  clients: ClientMetadata[];
  /** The operator's look of every page (BRANDING_FILE), checked at start. */
  branding: Branding;
  demo: boolean;
}

/** The app id and secret the emulator uses; they exist only in development. */
export const EMULATOR_APPID = 'wx00000000e1e1e1e1';
export const EMULATOR_SECRET = 'emulator-secret';

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`saoma cannot start; fix the configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/**
 * Reads the environment and the clients file, checks both, and reports every problem at once
 * (each with the variable or field it concerns) instead of stopping at the first.
 */
export function loadConfig(environment: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const parsed = envSchema.safeParse(pickEnv(environment));
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(`${issue.path.join('.') || 'environment'}: ${issue.message}`);
    throw new ConfigError(problems);
  }
  const env = parsed.data;
  const production = env.NODE_ENV === 'production';
  const issuer = (env.ISSUER ?? `http://localhost:${env.PORT}`).replace(/\/$/, '');

  const emulator = env.WECHAT_APPID === undefined;
  if (env.WECHAT_APPID !== undefined && env.WECHAT_SECRET === undefined) problems.push('WECHAT_SECRET: required when WECHAT_APPID is set');
  if (emulator && env.WECHAT_SECRET !== undefined) problems.push('WECHAT_APPID: required when WECHAT_SECRET is set');

  // The emulator's settings describe the emulated mini-program: meaningless anywhere else.
  const embeddedEmulator = emulator && env.WECHAT_API_BASE === undefined;
  for (const name of Object.keys(env).filter((key) => key.startsWith('EMULATOR_') && env[key as keyof Env] !== undefined)) {
    if (production) problems.push(`${name}: the WeChat emulator is for development only; production refuses its settings`);
    else if (!embeddedEmulator) problems.push(`${name}: only the built-in WeChat emulator reads it (no WECHAT_APPID, no WECHAT_API_BASE); set it on the emulator you run instead`);
  }

  const store = storeOf(env, problems);
  if (production) {
    if (store.kind === 'memory') problems.push('REDIS_URL: production needs Redis (REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES); the in-memory store loses every login on restart and cannot be shared');
    if (emulator) problems.push('WECHAT_APPID: production needs a real mini-program (WECHAT_APPID and WECHAT_SECRET); the WeChat emulator is for development only');
    if (!env.COOKIE_KEYS?.length) problems.push('COOKIE_KEYS: production needs cookie signing keys from configuration');
    if (!issuer.startsWith('https://')) problems.push('ISSUER: production needs an https issuer');
    if (env.DEMO) problems.push('DEMO: the demo relying party is not served in production');
  }
  for (const key of env.COOKIE_KEYS ?? []) if (key.length < 32) problems.push('COOKIE_KEYS: every key must be at least 32 characters');

  const clients = loadClients(env.CLIENTS_FILE, production, problems);
  const branding = loadBranding(env.BRANDING_FILE, problems);
  if (problems.length) throw new ConfigError(problems);

  return {
    env,
    production,
    port: env.PORT,
    host: env.HOST,
    issuer,
    wechat: {
      emulator,
      appid: env.WECHAT_APPID ?? EMULATOR_APPID,
      secret: env.WECHAT_SECRET ?? EMULATOR_SECRET,
      embeddedEmulator,
      apiBase: (env.WECHAT_API_BASE ?? (emulator ? `http://127.0.0.1:${env.PORT}` : 'https://api.weixin.qq.com')).replace(/\/$/, ''),
    },
    store,
    clients,
    branding,
    demo: env.DEMO ?? !production,
  };
}

function pickEnv(environment: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const value = environment[key];
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}

function storeOf(env: Env, problems: string[]): Config['store'] {
  const chosen = [env.REDIS_URL && 'REDIS_URL', env.REDIS_SENTINELS && 'REDIS_SENTINELS', env.REDIS_CLUSTER_NODES && 'REDIS_CLUSTER_NODES'].filter(Boolean);
  if (chosen.length > 1) problems.push(`${chosen.join(', ')}: set only one of them`);
  if (env.REDIS_CLUSTER_NODES) return { kind: 'cluster', nodes: env.REDIS_CLUSTER_NODES };
  if (env.REDIS_SENTINELS) return { kind: 'sentinel', sentinels: env.REDIS_SENTINELS, name: env.REDIS_SENTINEL_NAME };
  if (env.REDIS_URL) return { kind: 'redis', url: env.REDIS_URL };
  return { kind: 'memory' };
}

function loadClients(file: string, production: boolean, problems: string[]): ClientMetadata[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return [];
    problems.push(`CLIENTS_FILE (${file}): ${code ? `cannot read: ${code}` : `not valid JSON: ${(err as Error).message}`}`);
    return [];
  }
  if (!Array.isArray(raw)) {
    problems.push(`CLIENTS_FILE (${file}): must be a JSON array of client metadata objects`);
    return [];
  }
  const clients: ClientMetadata[] = [];
  const seen = new Set<string>();
  for (const [i, item] of raw.entries()) {
    const where = `CLIENTS_FILE (${file}) [${i}`;
    const id = (item as { client_id?: unknown } | null)?.client_id;
    if (typeof id === 'string') {
      if (seen.has(id)) problems.push(`${where}.client_id]: duplicate client_id ${id}`);
      seen.add(id);
    }
    const found = metadataProblems(item, { source: 'file', production });
    for (const { path, message } of found) problems.push(`${where}${path.length ? `.${path.join('.')}` : ''}]: ${message}`);
    if (!found.length) clients.push(item as ClientMetadata);
  }
  return clients;
}
