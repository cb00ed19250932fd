import { randomUUID } from 'node:crypto';
import type { Logger } from '../log.ts';
import { recordWeChatCall } from '../metrics/metrics.ts';
import { storeChannels, storeKeys } from '../store/keys.ts';
import type { Store } from '../store/store.ts';
import { WeChatApiError } from './errors.ts';
import { callWeChat, parseAnswer, stringField } from './http.ts';
import { recordTokenFetch } from './token-status.ts';

/** Store key of the deployment's one access token. */
export const ACCESS_TOKEN_KEY = storeKeys.accessToken;
const LOCK_KEY = storeKeys.accessTokenLock;
const LOCK_TTL_MS = 10_000;
/** Forget a token this long before WeChat does, so no call carries one about to expire. */
const SAFETY_MARGIN_MS = 5 * 60_000;
const MIN_CACHE_MS = 60_000;
/**
 * How long this process keeps a token it read from the store. The store copy lives at most until
 * SAFETY_MARGIN_MS before WeChat drops the token, and WeChat keeps every stable_token at least
 * 300 s (so a store copy is at least MIN_CACHE_MS short of WeChat's expiry): a token read from the
 * store is valid for at least this long after the read, whatever TTL the store copy had left.
 */
const LOCAL_COPY_MS = MIN_CACHE_MS;

/**
 * The mini-program's access token, shared by every process of a deployment through the store.
 * `get` returns the cached token, or fetches one (stable_token, normal mode) so that concurrent
 * callers in this process share one fetch and, across processes, one process fetches while the
 * others wait for its announcement. `renew` is for a token a business API rejected.
 */
export interface AccessTokenSource {
  /** `fromStore`: skip this process's copy (readiness asks whether the deployment has a token now). */
  get(options?: { fromStore?: boolean }): Promise<string>;
  /** Forgets `rejected` if it is still the cached token (another caller may have renewed it already) and returns a valid token. */
  renew(rejected: string): Promise<string>;
}

export interface AccessTokenOptions {
  appid: string;
  secret: string;
  apiBase: string;
  timeoutMs: number;
  store: Store;
  log: Logger;
}

export function createAccessTokenSource(options: AccessTokenOptions): AccessTokenSource {
  const { store, log } = options;
  let inFlight: Promise<string> | undefined;
  /**
   * This process's copy of the deployment's token, saving a store read per WeChat call. It holds
   * one token (no memory to bound) for LOCAL_COPY_MS from before it was read or fetched, so always
   * less than WeChat keeps it (normal-mode stable_token: another process fetching gets this same
   * token and does not invalidate it). A token WeChat rejects anyway (rotated by force elsewhere)
   * goes through `renew`, which drops the copy.
   */
  let local: { token: string; until: number } | undefined;
  /** Counts `renew`s: a read that began before one may bring back the rejected token, and is not kept. */
  let renewals = 0;

  async function get(options: { fromStore?: boolean } = {}): Promise<string> {
    if (!options.fromStore && local && Date.now() < local.until) return local.token;
    const since = Date.now();
    const generation = renewals;
    const token = (await store.get(ACCESS_TOKEN_KEY)) ?? (await (inFlight ??= fetchOnceForDeployment().finally(() => { inFlight = undefined; })));
    if (generation === renewals) local = { token, until: since + LOCAL_COPY_MS };
    return token;
  }

  async function fetchOnceForDeployment(): Promise<string> {
    const lock = randomUUID();
    if (await store.create(LOCK_KEY, lock, LOCK_TTL_MS)) {
      try {
        const token = await fetchAndCache(options);
        await store.publish(storeChannels.accessToken, 'fetched');
        return token;
      } catch (err) {
        await store.publish(storeChannels.accessToken, 'failed').catch(() => {});
        throw err;
      } finally {
        await store.deleteIfEquals(LOCK_KEY, lock).catch(() => {});
      }
    }
    const token = await waitForOtherFetcher(options);
    if (token) return token;
    // The other fetcher failed, died or is slow: fetching ourselves is safe, since normal-mode
    // stable_token hands every caller the same token.
    log.warn({ api: 'stable_token' }, 'no access token from the process holding the fetch lock; fetching it here');
    return fetchAndCache(options);
  }

  async function renew(rejected: string): Promise<string> {
    renewals++;
    if (local?.token === rejected) local = undefined;
    await store.deleteIfEquals(ACCESS_TOKEN_KEY, rejected);
    return get();
  }

  return { get, renew };
}

/** Waits (bounded) for the lock holder's announcement, then reads what it stored. */
async function waitForOtherFetcher(options: AccessTokenOptions): Promise<string | undefined> {
  const { store } = options;
  let announced!: () => void;
  const announcement = new Promise<void>((resolve) => (announced = resolve));
  // Subscribe before reading, so an announcement between the read and the wait is not lost.
  const unsubscribe = await store.subscribe(storeChannels.accessToken, () => announced());
  let timer: NodeJS.Timeout | undefined;
  try {
    const cached = await store.get(ACCESS_TOKEN_KEY);
    if (cached) return cached;
    const waitMs = Math.min(LOCK_TTL_MS, options.timeoutMs + 1_000);
    await Promise.race([announcement, new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    return await store.get(ACCESS_TOKEN_KEY);
  } finally {
    clearTimeout(timer);
    await unsubscribe().catch(() => {});
  }
}

async function fetchAndCache(options: AccessTokenOptions): Promise<string> {
  const { store, log } = options;
  const started = performance.now();
  try {
    const answer = parseAnswer('stable_token', await callWeChat({
      api: 'stable_token',
      url: `${options.apiBase}/cgi-bin/stable_token`,
      timeoutMs: options.timeoutMs,
      json: { grant_type: 'client_credential', appid: options.appid, secret: options.secret, force_refresh: false },
    }));
    const token = stringField('stable_token', answer, 'access_token');
    const expiresIn = Number(answer.expires_in);
    if (!Number.isFinite(expiresIn) || expiresIn <= 0) throw new WeChatApiError('stable_token', 'bad_response', 'answer has no expires_in');
    await store.set(ACCESS_TOKEN_KEY, token, Math.max(MIN_CACHE_MS, expiresIn * 1000 - SAFETY_MARGIN_MS));
    await recordTokenFetch(store);
    log.info({ api: 'stable_token', expires_in: expiresIn, duration_ms: Math.round(performance.now() - started) }, 'fetched WeChat access token');
    recordWeChatCall('stable_token', 0, (performance.now() - started) / 1000);
    return token;
  } catch (err) {
    const errcode = err instanceof WeChatApiError ? err.errcode : undefined;
    log.warn({ api: 'stable_token', errcode, duration_ms: Math.round(performance.now() - started) }, 'fetching the WeChat access token failed');
    recordWeChatCall('stable_token', errcode ?? 'exception', (performance.now() - started) / 1000);
    await recordTokenFetch(store, err);
    throw err;
  }
}
