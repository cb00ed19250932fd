import type { Store } from './store.ts';

/** What one attempt decided, seeing the value as it stands. */
export interface Change<T> {
  /** What the caller gets back when this attempt is the one that counts. */
  result: T;
  /** The value to write; absent: write nothing (the current value stands, e.g. nothing to change). */
  next?: string;
  /** A new TTL for the written value; absent: the key keeps its remaining TTL (none when created). */
  ttlMs?: number;
}

export interface RetryOptions {
  /** How many reads and writes to try before giving up. */
  attempts: number;
  /** The error thrown when every attempt lost to another writer. */
  exhausted: () => Error;
}

/**
 * Read, change, write back, atomically: `change` sees the key's value (undefined when absent) and
 * decides the next one; it is written with compare-and-set (create when the key was absent), so a
 * writer that came first in between makes this attempt start again from a fresh read, up to
 * `attempts` times. Of concurrent updates each is applied exactly once, none is lost and none
 * merges silently. `change` may be called several times and so must have no side effects; it may
 * throw to refuse (the error passes through, nothing is written).
 */
export async function updateWithRetry<T>(
  store: Store,
  key: string,
  change: (current: string | undefined) => Change<T>,
  options: RetryOptions,
): Promise<{ result: T; written: boolean }> {
  for (let attempt = 0; attempt < options.attempts; attempt++) {
    const current = await store.get(key);
    const { result, next, ttlMs } = change(current);
    if (next === undefined) return { result, written: false };
    const written = current === undefined
      ? await store.create(key, next, ttlMs)
      : await store.compareAndSet(key, current, next, ttlMs);
    if (written) return { result, written: true };
  }
  throw options.exhausted();
}
