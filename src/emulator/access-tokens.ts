import { randomBytes } from 'node:crypto';

const LIFETIME_MS = 7200_000;
/** WeChat rotates a stable token this long before it expires; old and new both work meanwhile. */
const ROTATION_MS = 300_000;
/** Expired tokens are remembered this long, to answer 42001 rather than 40001. */
const REMEMBER_EXPIRED_MS = 3600_000;
const CAP = 1000;

export type TokenCheck = 0 | 40001 | 42001;

/**
 * The access tokens the emulator hands out, with WeChat's rules for stable_token: normal mode gives
 * the same token while it has more than five minutes left; `force_refresh` gives a new one.
 */
export class AccessTokens {
  readonly #tokens = new Map<string, { expiresAt: number }>();
  #stable: string | undefined;

  /** POST /cgi-bin/stable_token. `force` issues a new token and kills the previous one. */
  stable(force: boolean): { token: string; expiresIn: number } {
    const now = Date.now();
    const current = this.#stable === undefined ? undefined : this.#tokens.get(this.#stable);
    if (force && this.#stable !== undefined) this.#tokens.delete(this.#stable);
    if (!force && current && current.expiresAt - now > ROTATION_MS) {
      return { token: this.#stable!, expiresIn: Math.floor((current.expiresAt - now) / 1000) };
    }
    this.#stable = this.#issue();
    return { token: this.#stable, expiresIn: LIFETIME_MS / 1000 };
  }

  /** 0 when the token is valid, 40001 when unknown or invalidated, 42001 when expired. */
  check(token: string): TokenCheck {
    const entry = this.#tokens.get(token);
    if (!entry) return 40001;
    return entry.expiresAt > Date.now() ? 0 : 42001;
  }

  /** Makes every current token fail: `invalid` (40001, as after a forced refresh) or `expired` (42001). */
  invalidate(how: 'invalid' | 'expired'): void {
    this.#stable = undefined;
    if (how === 'invalid') this.#tokens.clear();
    else for (const entry of this.#tokens.values()) entry.expiresAt = Math.min(entry.expiresAt, Date.now());
  }

  #issue(): string {
    const now = Date.now();
    for (const [token, entry] of this.#tokens) {
      if (entry.expiresAt + REMEMBER_EXPIRED_MS < now || this.#tokens.size >= CAP) this.#tokens.delete(token);
    }
    const token = `emu_${randomBytes(72).toString('base64url')}`;
    this.#tokens.set(token, { expiresAt: now + LIFETIME_MS });
    return token;
  }
}
