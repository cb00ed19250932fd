import { SaomaError } from '../errors.ts';
import { storeKeys } from '../store/keys.ts';
import type { Store } from '../store/store.ts';

/** A fixed-window limit shared by every process: at most `max` hits per `windowMs` for `key`. */
export async function rateLimit(store: Store, key: string, max: number, windowMs: number): Promise<void> {
  const count = await store.increment(storeKeys.rateLimit(key), windowMs);
  if (count > max) {
    throw new SaomaError('rate_limited', 'Too many requests; wait a minute and try again.', { retryAfter: Math.ceil(windowMs / 1000) });
  }
}
