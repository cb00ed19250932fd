const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
/** WeChat's days start at midnight in Beijing (UTC+8). */
const BEIJING_OFFSET_MS = 8 * 3_600_000;
const MAX_KEYS = 10_000;

/** Calls counted in fixed windows (a calendar minute or a Beijing day), per key. */
class WindowCounter {
  readonly #windows = new Map<string, { window: number; count: number }>();
  readonly #windowMs: number;
  readonly #offsetMs: number;

  constructor(windowMs: number, offsetMs = 0) {
    this.#windowMs = windowMs;
    this.#offsetMs = offsetMs;
  }

  /** Counts one call; false when it is over `limit` in this window (the call is then refused and not counted). */
  take(key: string, limit: number, now: number): boolean {
    const window = Math.floor((now + this.#offsetMs) / this.#windowMs);
    const entry = this.#windows.get(key);
    const current = entry && entry.window === window ? entry : { window, count: 0 };
    if (current.count >= limit) return false;
    current.count += 1;
    if (!entry && this.#windows.size >= MAX_KEYS) this.#windows.clear();
    this.#windows.set(key, current);
    return true;
  }
}

/**
 * WeChat's rate limits, as counters the emulator consults only while the `quotas` setting is on.
 * Each method counts one call and says whether WeChat would serve it.
 */
export class Quotas {
  readonly #codes = new WindowCounter(MINUTE_MS);
  readonly #sessions = new WindowCounter(MINUTE_MS);
  readonly #forced = new WindowCounter(DAY_MS, BEIJING_OFFSET_MS);
  readonly #links = new WindowCounter(DAY_MS, BEIJING_OFFSET_MS);
  #lastForcedAt = -Infinity;

  code(limit: number, now = Date.now()): boolean {
    return this.#codes.take('', limit, now);
  }

  session(openid: string, limit: number, now = Date.now()): boolean {
    return this.#sessions.take(openid, limit, now);
  }

  urlLink(limit: number, now = Date.now()): boolean {
    return this.#links.take('', limit, now);
  }

  /**
   * A stable_token call with force_refresh: `refresh` when it may rotate the token, `too_soon`
   * within the interval of the last one (WeChat then hands back the current token), `spent` past
   * the daily count (45009).
   */
  forceRefresh(limit: number, intervalSeconds: number, now = Date.now()): 'refresh' | 'too_soon' | 'spent' {
    if (now - this.#lastForcedAt < intervalSeconds * 1000) return 'too_soon';
    if (!this.#forced.take('', limit, now)) return 'spent';
    this.#lastForcedAt = now;
    return 'refresh';
  }
}
