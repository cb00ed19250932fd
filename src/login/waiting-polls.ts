import type { ServerResponse } from 'node:http';
import { SaomaError } from '../errors.ts';
import type { Connection } from './tickets.ts';

/** One waiting status poll's place: the connection its wait ends with, and `release()` when done. */
export interface PollSlot {
  /** Closes when the request's connection closes, or when a newer poll of the same login page takes over. */
  connection: Connection;
  /** Whether a newer poll took over (then the answer says so: the page pauses before polling again). */
  readonly superseded: boolean;
  release(): void;
}

/**
 * Bounds what waiting login pages can hold in this process:
 *
 * - one waiting status poll per interaction: a newer poll answers the older one at once (with the
 *   current state), so a page, or someone holding its cookie, cannot pile up waits on one login;
 * - at most `perAddress` waiting polls per client address (`STATUS_POLLS_PER_IP`; 0: no cap): one
 *   more is refused with 429 `rate_limited` before it waits, and nobody else is disturbed.
 *
 * Per process: behind a balancer each process holds at most one poll per login page.
 */
export class WaitingPolls {
  readonly #perAddress: number;
  readonly #byInteraction = new Map<string, () => void>();
  readonly #byAddress = new Map<string, number>();

  constructor(perAddress: number) {
    this.#perAddress = perAddress;
  }

  /** How many polls wait now (for tests and benchmarks). */
  get size(): number {
    return this.#byInteraction.size;
  }

  /** Takes a place for a poll of interaction `uid` from `address`, or throws `rate_limited`. */
  enter(uid: string, address: string, res: ServerResponse): PollSlot {
    this.#byInteraction.get(uid)?.();
    const held = this.#byAddress.get(address) ?? 0;
    if (this.#perAddress > 0 && held >= this.#perAddress) {
      throw new SaomaError('rate_limited', 'Too many login pages are waiting from your address; close some and try again.', { retryAfter: 5 });
    }
    this.#byAddress.set(address, held + 1);

    let listener: (() => void) | undefined;
    let released = false;
    let superseded = false;
    const release = () => {
      if (released) return;
      released = true;
      const left = (this.#byAddress.get(address) ?? 1) - 1;
      if (left > 0) this.#byAddress.set(address, left);
      else this.#byAddress.delete(address);
      if (this.#byInteraction.get(uid) === supersede) this.#byInteraction.delete(uid);
    };
    const supersede = () => {
      superseded = true;
      release();
      const wake = listener;
      listener = undefined;
      if (wake) {
        res.off('close', wake);
        wake();
      }
    };
    this.#byInteraction.set(uid, supersede);
    const connection: Connection = {
      once: (_event, wake) => {
        listener = wake;
        return res.once('close', wake);
      },
      off: (_event, wake) => {
        if (listener === wake) listener = undefined;
        return res.off('close', wake);
      },
    };
    return { connection, get superseded() { return superseded; }, release };
  }
}
