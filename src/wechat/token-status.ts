import { storeKeys } from '../store/keys.ts';
import type { Store } from '../store/store.ts';
import { ACCESS_TOKEN_KEY, type AccessTokenSource } from './access-token.ts';
import { WeChatApiError } from './errors.ts';

/** Store key of the last access-token fetch's outcome, shared by every process of a deployment. */
const LAST_FETCH_KEY = storeKeys.accessTokenLastFetch;
/** Kept longer than a token lives, so readiness still knows the last result after it expires. */
const LAST_FETCH_TTL_MS = 24 * 3600_000;
/** While there is no token, readiness asks WeChat at most this often across the deployment. */
const RETRY_KEY = storeKeys.accessTokenReadinessRetry;
export const READINESS_RETRY_MS = 5_000;

export interface TokenFetchOutcome {
  ok: boolean;
  /** When the fetch ended (ms since the epoch). */
  at: number;
  /** WeChat's errcode (or saoma's stand-in: `network`, `timeout`, `bad_response`) when it failed. */
  errcode?: number | string;
}

/** Written by the access-token source after each fetch; never carries the token or the AppSecret. */
export async function recordTokenFetch(store: Store, error?: unknown): Promise<void> {
  const outcome: TokenFetchOutcome = error === undefined
    ? { ok: true, at: Date.now() }
    : { ok: false, at: Date.now(), errcode: error instanceof WeChatApiError ? error.errcode : 'error' };
  // Readiness is a report: failing to record must not fail the fetch it reports on.
  await store.set(LAST_FETCH_KEY, JSON.stringify(outcome), LAST_FETCH_TTL_MS).catch(() => {});
}

export interface WeChatReadiness {
  status: 'ready' | 'not_ready';
  /** Whether a token is cached for the deployment now. */
  token: 'cached' | 'none';
  last_fetch?: { result: 'ok' | 'failed'; errcode?: number | string; at: string; age_seconds: number };
  error_description?: string;
}

/**
 * The access token's health for `/readyz`, from what the deployment already knows: a cached token
 * is ready. Without one, it fetches through the shared source (what the next login would do
 * anyway), at most once per READINESS_RETRY_MS for the whole deployment; between tries it
 * reports the last fetch's outcome, so probes never add WeChat calls of their own.
 */
export async function wechatReadiness(store: Store, tokens: AccessTokenSource): Promise<WeChatReadiness> {
  let cached = (await store.get(ACCESS_TOKEN_KEY)) !== undefined;
  if (!cached && (await store.create(RETRY_KEY, '1', READINESS_RETRY_MS))) {
    cached = await tokens.get({ fromStore: true }).then(() => true, () => false);
  }
  const last = parseOutcome(await store.get(LAST_FETCH_KEY));
  const lastFetch = last && {
    result: last.ok ? 'ok' as const : 'failed' as const,
    ...(last.errcode === undefined ? {} : { errcode: last.errcode }),
    at: new Date(last.at).toISOString(),
    age_seconds: Math.max(0, Math.round((Date.now() - last.at) / 1000)),
  };
  const base = { token: cached ? 'cached' as const : 'none' as const, ...(lastFetch ? { last_fetch: lastFetch } : {}) };
  // A cached token serves logins; without one, the last fetch says whether the next one will work.
  if (cached || !last || last.ok) return { status: 'ready', ...base };
  return { status: 'not_ready', ...base, error_description: 'WeChat refused the last access-token fetch (check WECHAT_APPID, WECHAT_SECRET and the IP whitelist; `saoma doctor` says which).' };
}

function parseOutcome(raw: string | undefined): TokenFetchOutcome | undefined {
  if (!raw) return undefined;
  try {
    const value = JSON.parse(raw) as TokenFetchOutcome;
    return typeof value.ok === 'boolean' && typeof value.at === 'number' ? value : undefined;
  } catch {
    return undefined;
  }
}
