import type { Store, Unsubscribe } from './store.ts';

interface Entry {
  value: string;
  expiresAt: number | undefined;
}

interface IndexEntry {
  members: Set<string>;
  expiresAt: number | undefined;
}

/**
 * The embedded store: one process, nothing on disk. It has no size cap, so nothing live is ever
 * evicted (unlike oidc-provider's LRU memory adapter); expired entries are dropped on read and by
 * a sweep once a minute. Every operation runs to completion inside one synchronous step, which is
 * what makes create / compareAndSet atomic here.
 */
export class MemoryStore implements Store {
  readonly #values = new Map<string, Entry>();
  readonly #indexes = new Map<string, IndexEntry>();
  readonly #channels = new Map<string, Set<(message: string) => void>>();
  readonly #sweeper: NodeJS.Timeout;

  constructor(sweepEveryMs = 60_000) {
    this.#sweeper = setInterval(() => this.#sweep(), sweepEveryMs);
    this.#sweeper.unref();
  }

  async get(key: string): Promise<string | undefined> {
    return this.#live(key)?.value;
  }

  async set(key: string, value: string, ttlMs?: number): Promise<void> {
    this.#values.set(key, { value, expiresAt: expiry(ttlMs) });
  }

  async create(key: string, value: string, ttlMs?: number): Promise<boolean> {
    if (this.#live(key)) return false;
    this.#values.set(key, { value, expiresAt: expiry(ttlMs) });
    return true;
  }

  async compareAndSet(key: string, expected: string, value: string, ttlMs?: number): Promise<boolean> {
    const entry = this.#live(key);
    if (!entry || entry.value !== expected) return false;
    this.#values.set(key, { value, expiresAt: ttlMs === undefined ? entry.expiresAt : expiry(ttlMs) });
    return true;
  }

  async delete(key: string): Promise<boolean> {
    const existed = this.#live(key) !== undefined || this.#liveIndex(key) !== undefined;
    this.#values.delete(key);
    this.#indexes.delete(key);
    return existed;
  }

  async deleteIfEquals(key: string, expected: string): Promise<boolean> {
    const entry = this.#live(key);
    if (!entry || entry.value !== expected) return false;
    this.#values.delete(key);
    return true;
  }

  async increment(key: string, ttlMs: number): Promise<number> {
    let entry = this.#live(key);
    // A value that is not a counter is treated as absent: a new window starts, as on Redis.
    if (entry && !/^(0|-?[1-9]\d*)$/.test(entry.value)) entry = undefined;
    const count = entry ? Number(entry.value) + 1 : 1;
    this.#values.set(key, { value: String(count), expiresAt: entry ? entry.expiresAt : expiry(ttlMs) });
    return count;
  }

  async indexAdd(index: string, member: string, ttlMs?: number): Promise<void> {
    let entry = this.#liveIndex(index);
    if (!entry) {
      entry = { members: new Set(), expiresAt: expiry(ttlMs) };
      this.#indexes.set(index, entry);
    } else if (entry.expiresAt !== undefined) {
      const wanted = expiry(ttlMs);
      entry.expiresAt = wanted === undefined ? undefined : Math.max(entry.expiresAt, wanted);
    }
    entry.members.add(member);
  }

  async indexMembers(index: string): Promise<string[]> {
    return [...(this.#liveIndex(index)?.members ?? [])];
  }

  async indexRemove(index: string, member: string): Promise<void> {
    this.#liveIndex(index)?.members.delete(member);
  }

  async publish(channel: string, message: string): Promise<void> {
    const handlers = this.#channels.get(channel);
    if (!handlers) return;
    // Delivered after the publisher's current step, as a network backend would.
    for (const handler of [...handlers]) {
      queueMicrotask(() => {
        try {
          handler(message);
        } catch (err) {
          // One faulty subscriber must not take the process (or the other subscribers) down.
          process.emitWarning(`a store subscriber threw: ${(err as Error).message}`);
        }
      });
    }
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<Unsubscribe> {
    let handlers = this.#channels.get(channel);
    if (!handlers) {
      handlers = new Set();
      this.#channels.set(channel, handlers);
    }
    handlers.add(handler);
    return async () => {
      handlers.delete(handler);
      if (handlers.size === 0 && this.#channels.get(channel) === handlers) this.#channels.delete(channel);
    };
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    this.#channels.clear();
  }

  /** How many live keys and indexes there are (for tests of growth). */
  get size(): number {
    this.#sweep();
    return this.#values.size + this.#indexes.size;
  }

  #live(key: string): Entry | undefined {
    return live(this.#values, key);
  }

  #liveIndex(key: string): IndexEntry | undefined {
    return live(this.#indexes, key);
  }

  #sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.#values) if (entry.expiresAt !== undefined && entry.expiresAt <= now) this.#values.delete(key);
    for (const [key, entry] of this.#indexes) if (entry.expiresAt !== undefined && entry.expiresAt <= now) this.#indexes.delete(key);
  }
}

function expiry(ttlMs: number | undefined): number | undefined {
  return ttlMs === undefined ? undefined : Date.now() + Math.max(1, ttlMs);
}

/** The entry under `key` unless it has expired; an expired one is removed on the way. */
function live<T extends { expiresAt?: number }>(entries: Map<string, T>, key: string): T | undefined {
  const entry = entries.get(key);
  if (entry && entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
    entries.delete(key);
    return undefined;
  }
  return entry;
}
