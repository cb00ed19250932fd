/**
 * The one storage interface of saoma. Every model, ticket, account, key and cache goes through it,
 * so a deployment is stateless except for its store. Backends: `memory.ts` (one process) and
 * `redis.ts` (standalone, Sentinel, Cluster). `test/store/conformance.ts` checks every guarantee
 * below against every backend, each case on a fresh empty store.
 *
 * Guarantees:
 * - Values are opaque strings. A key past its TTL reads as absent and is never returned again.
 *   TTLs are in milliseconds; `undefined` means the key lives until deleted.
 * - `create` writes only when the key is absent: among concurrent creates of one key exactly one
 *   returns true.
 * - `compareAndSet` writes only when the current value equals `expected`; among concurrent calls
 *   with the same `expected` exactly one returns true. It keeps the key's remaining TTL unless a
 *   new `ttlMs` is given. An absent key never matches.
 * - `delete` and `deleteIfEquals` are atomic; they report whether a key was removed.
 * - `increment` adds one and returns the new count; the TTL is set when the counter is created
 *   and not extended after (a fixed window).
 * - An index is a set of members (typically other keys). `indexAdd` extends the index's TTL to at
 *   least `ttlMs` and never shortens it; an index with no TTL keeps none.
 * - `publish` delivers the message to every handler subscribed to the channel, in this process and
 *   every other process on the same store, at most once, with no history. `subscribe` resolves
 *   only once the subscription is live: a publish that starts after it resolves is delivered.
 *   A handler that throws affects neither the publisher nor the other handlers.
 * - Any call may reject with `SaomaError('unavailable')` when the backend cannot be reached; no
 *   call hangs longer than the backend's configured command timeout.
 */
export interface Store {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string, ttlMs?: number): Promise<void>;
  create(key: string, value: string, ttlMs?: number): Promise<boolean>;
  compareAndSet(key: string, expected: string, value: string, ttlMs?: number): Promise<boolean>;
  delete(key: string): Promise<boolean>;
  deleteIfEquals(key: string, expected: string): Promise<boolean>;
  increment(key: string, ttlMs: number): Promise<number>;
  indexAdd(index: string, member: string, ttlMs?: number): Promise<void>;
  indexMembers(index: string): Promise<string[]>;
  indexRemove(index: string, member: string): Promise<void>;
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, handler: (message: string) => void): Promise<Unsubscribe>;
  /** Resolves when the backend answers; rejects with `unavailable` otherwise (readiness). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export type Unsubscribe = () => Promise<void>;
