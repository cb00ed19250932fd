import { randomBytes } from 'node:crypto';

export type Redeemed<T> = { ok: true; data: T } | { ok: false; errcode: 40029 | 40163 };

/**
 * Codes like wx.login's: single use, valid for `ttlMs`, at most `cap` kept. Every code lives
 * equally long, so insertion order is expiry order and pruning only looks at the oldest. A used
 * code is remembered until it expires, to tell "used" (40163) from "unknown or expired" (40029).
 */
export class OneTimeCodes<T> {
  readonly #codes = new Map<string, { data: T; expiresAt: number; used: boolean }>();
  readonly #ttlMs: number;
  readonly #cap: number;

  constructor(ttlMs: number, cap: number) {
    this.#ttlMs = ttlMs;
    this.#cap = cap;
  }

  issue(data: T): string {
    this.#prune();
    const code = randomBytes(24).toString('base64url');
    this.#codes.set(code, { data, expiresAt: Date.now() + this.#ttlMs, used: false });
    return code;
  }

  /** What a live, unused code stands for, without using it up. */
  peek(code: string): T | undefined {
    const entry = this.#codes.get(code);
    return entry && !entry.used && entry.expiresAt > Date.now() ? entry.data : undefined;
  }

  redeem(code: string): Redeemed<T> {
    const entry = this.#codes.get(code);
    if (!entry || entry.expiresAt <= Date.now()) return { ok: false, errcode: 40029 };
    if (entry.used) return { ok: false, errcode: 40163 };
    entry.used = true;
    return { ok: true, data: entry.data };
  }

  #prune(): void {
    const now = Date.now();
    for (const [code, entry] of this.#codes) {
      if (entry.expiresAt > now && this.#codes.size < this.#cap) break;
      this.#codes.delete(code);
    }
  }
}
