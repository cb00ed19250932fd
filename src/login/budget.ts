import { SaomaError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { storeKeys } from '../store/keys.ts';
import type { Store } from '../store/store.ts';
import type { LoginTicket } from './ticket.ts';

const MINUTE_MS = 60_000;

export interface CodeBudgetLimits {
  /** Codes per minute per browser address, per client, and for the deployment; 0 is no limit. */
  perIp: number;
  perClient: number;
  total: number;
  /** What to do when the store cannot count: draw anyway (`open`) or refuse with 503 (`closed`). */
  storeDown: 'open' | 'closed';
}

/**
 * The WeChat budget for login codes: every code drawn is one `getwxacodeunlimit`, and WeChat
 * allows the mini-program 5,000 a minute (45009 beyond, for everyone). Counted in the store in
 * fixed one-minute windows aligned to the clock, so every process shares the counts and the page
 * can say exactly when the window ends. The address is checked first and a refused draw counts
 * nowhere else, so one script cannot spend its client's or the deployment's budget.
 */
export class CodeBudget {
  readonly #store: Store;
  readonly #log: Logger;
  readonly #limits: CodeBudgetLimits;

  constructor(store: Store, log: Logger, limits: CodeBudgetLimits) {
    this.#store = store;
    this.#log = log;
    this.#limits = limits;
  }

  /** Takes one code from the budget for `ticket`, or throws `rate_limited` with the seconds until the window ends. */
  async draw(ticket: Pick<LoginTicket, 'client_id' | 'requester' | 'scene'>): Promise<void> {
    const now = Date.now();
    const window = Math.floor(now / MINUTE_MS);
    const retryAfter = Math.max(1, Math.ceil(((window + 1) * MINUTE_MS - now) / 1000));
    const checks: Array<[string, number]> = [
      [storeKeys.codesPerIp(ticket.requester.ip, window), this.#limits.perIp],
      [storeKeys.codesPerClient(ticket.client_id, window), this.#limits.perClient],
      [storeKeys.codesTotal(window), this.#limits.total],
    ];
    for (const [key, max] of checks) {
      if (max <= 0) continue;
      let count: number;
      try {
        // The TTL outlives the window a little, so a slow clock elsewhere still finds the count.
        count = await this.#store.increment(key, 2 * MINUTE_MS);
      } catch (err) {
        if (this.#limits.storeDown === 'closed') {
          throw new SaomaError('unavailable', 'Sign-ins are paused while the service cannot count them; try again shortly.', { retryAfter: 5, cause: err });
        }
        this.#log.warn({ event: 'budget.unchecked' }, 'the store could not count a login code; drawing it without the limits (CODE_LIMIT_STORE_DOWN=open)');
        return;
      }
      if (count > max) {
        // Remembered for the page, which asks why its image failed without drawing again.
        await this.#store.set(storeKeys.codeHeld(ticket.scene), String(now + retryAfter * 1000), retryAfter * 1000).catch(() => {});
        throw new SaomaError('rate_limited', `Too many sign-ins right now; try again in ${retryAfter} seconds.`, { retryAfter });
      }
    }
  }
}

/** Seconds until the ticket's code may be drawn again, when the budget held its last draw. */
export async function heldFor(store: Store, scene: string): Promise<number | undefined> {
  const until = Number(await store.get(storeKeys.codeHeld(scene)));
  const seconds = Math.ceil((until - Date.now()) / 1000);
  return Number.isFinite(seconds) && seconds > 0 ? seconds : undefined;
}

/** Why a ticket has no code image: held by the budget (429 with the seconds left), or WeChat (503). */
export async function whyNoCode(store: Store, scene: string): Promise<SaomaError> {
  const wait = await heldFor(store, scene);
  return wait
    ? new SaomaError('rate_limited', `Too many sign-ins right now; try again in ${wait} seconds.`, { retryAfter: wait })
    : new SaomaError('unavailable', 'WeChat could not provide a code just now; try again in a moment.');
}

/**
 * The monthly cap on phone numbers (each `getuserphonenumber` is billed). Months are China's
 * calendar months (UTC+8), as WeChat bills them. `cap` 0 is no cap.
 */
export class PhoneBudget {
  readonly #store: Store;
  readonly #cap: number;

  constructor(store: Store, cap: number) {
    this.#store = store;
    this.#cap = cap;
  }

  /** Whether another phone number may be fetched this month. A store that cannot say means no (nothing is billed). */
  async available(): Promise<boolean> {
    if (this.#cap <= 0) return true;
    try {
      return Number((await this.#store.get(monthKey())) ?? 0) < this.#cap;
    } catch {
      return false;
    }
  }

  /** Counts one phone number fetched. */
  async spent(): Promise<void> {
    await this.#store.increment(monthKey(), 40 * 24 * 3600_000).catch(() => {});
  }
}

function monthKey(now = Date.now()): string {
  const china = new Date(now + 8 * 3600_000);
  return storeKeys.phoneNumbers(`${china.getUTCFullYear()}-${String(china.getUTCMonth() + 1).padStart(2, '0')}`);
}
