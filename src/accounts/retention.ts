import { isSaomaError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { Store } from '../store/store.ts';
import type { AccountService } from './service.ts';

const LOCK = 'retention:sweep';

/**
 * Deletes accounts unused for ACCOUNT_RETENTION_DAYS (off at 0), through the same path as an
 * administrator's delete, with an audit line each (`actor: "retention"`). "Unused" means no
 * sign-in and no website using the person's tokens (src/accounts/usage.ts); an account that never
 * had either counts from its creation. Every process runs the timer; a lock in the store lets one
 * of them sweep per period.
 */
export class Retention {
  readonly #accounts: AccountService;
  readonly #store: Store;
  readonly #log: Logger;
  readonly #days: number;
  readonly #everyMs: number;
  #timer: NodeJS.Timeout | undefined;

  constructor(deps: { accounts: AccountService; store: Store; log: Logger; days: number; everyMs: number }) {
    this.#accounts = deps.accounts;
    this.#store = deps.store;
    this.#log = deps.log;
    this.#days = deps.days;
    this.#everyMs = deps.everyMs;
  }

  start(): void {
    if (this.#days <= 0) return;
    this.#timer = setInterval(() => this.#tick(), this.#everyMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async #tick(): Promise<void> {
    try {
      if (!(await this.#store.create(LOCK, String(process.pid), Math.max(1000, this.#everyMs - 1000)))) return;
      await this.sweep();
    } catch (err) {
      this.#log.warn({ err }, 'account retention sweep failed; it runs again next period');
    }
  }

  /** Deletes every account idle longer than the retention; answers how many went. */
  async sweep(now = Date.now()): Promise<number> {
    if (this.#days <= 0) return 0;
    const cutoff = Math.floor(now / 1000) - this.#days * 24 * 3600;
    let deleted = 0;
    for (const sub of await this.#accounts.everySub()) {
      const last = await this.#accounts.lastActiveAt(sub);
      if (last === undefined || last >= cutoff) continue;
      try {
        await this.#accounts.delete(sub, { actor: 'retention', ip: 'local' });
        deleted++;
      } catch (err) {
        // Deleted meanwhile by someone else: what we wanted.
        if (!isSaomaError(err) || err.code !== 'account_not_found') throw err;
      }
    }
    if (deleted) this.#log.info({ event: 'retention.swept', deleted, days: this.#days }, 'deleted accounts past ACCOUNT_RETENTION_DAYS');
    return deleted;
  }
}
