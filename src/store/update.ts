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
  /**
   * The value the caller has just read from the key, if it has: the first attempt takes it as the
   * current value instead of reading the key again. It only ever saves a read: its write is a
   * compare-and-set against it, so it lands only when the key still holds exactly that value; and
   * when `change` refuses it or finds nothing to change, that answer is not trusted (the value may
   * be stale) and the attempts go on from a fresh read, as without it. Not counted in `attempts`.
   */
  expected?: string;
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
  if (options.expected !== undefined) {
    const written = await writeOnExpected(store, key, change, options.expected);
    if (written) return written;
  }
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

/** The attempt on the value the caller read: a write that lands, or undefined (go on from a fresh read). */
async function writeOnExpected<T>(
  store: Store,
  key: string,
  change: (current: string | undefined) => Change<T>,
  expected: string,
): Promise<{ result: T; written: true } | undefined> {
  let decided: Change<T>;
  try {
    decided = change(expected);
  } catch {
    return undefined; // a refusal is judged again on the stored value
  }
  if (decided.next === undefined) return undefined;
  return (await store.compareAndSet(key, expected, decided.next, decided.ttlMs)) ? { result: decided.result, written: true } : undefined;
}
