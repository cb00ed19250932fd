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
  readonly #byInteraction = new Map<string, WaitingPoll>();
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
    this.#byInteraction.get(uid)?.supersede();
    const held = this.#byAddress.get(address) ?? 0;
    if (this.#perAddress > 0 && held >= this.#perAddress) {
      throw new SaomaError('rate_limited', 'Too many login pages are waiting from your address; close some and try again.', { retryAfter: 5 });
    }
    this.#byAddress.set(address, held + 1);
    const poll = new WaitingPoll(this.#leave, uid, address, res);
    this.#byInteraction.set(uid, poll);
    return poll;
  }

  /** A poll gives its place back (once): its address holds one fewer, its page none if it was the page's. */
  readonly #leave = (poll: WaitingPoll): void => {
    const left = (this.#byAddress.get(poll.address) ?? 1) - 1;
    if (left > 0) this.#byAddress.set(poll.address, left);
    else this.#byAddress.delete(poll.address);
    if (this.#byInteraction.get(poll.uid) === poll) this.#byInteraction.delete(poll.uid);
  };
}

/**
 * One waiting poll: its place, and the connection its wait ends with (the response's 'close', or
 * a newer poll of the same page). One object per waiting page and no closures: a waiting page
 * should cost as little memory as possible (docs/benchmarks.md).
 */
class WaitingPoll implements PollSlot, Connection {
  readonly #leave: (poll: WaitingPoll) => void;
  readonly #res: ServerResponse;
  readonly uid: string;
  readonly address: string;
  #listener: (() => void) | undefined;
  #released = false;
  #superseded = false;

  constructor(leave: (poll: WaitingPoll) => void, uid: string, address: string, res: ServerResponse) {
    this.#leave = leave;
    this.uid = uid;
    this.address = address;
    this.#res = res;
  }

  get connection(): Connection {
    return this;
  }

  get superseded(): boolean {
    return this.#superseded;
  }

  once(_event: 'close', wake: () => void): void {
    this.#listener = wake;
    // `on`, not `once`: a response closes once, and `once` would add a wrapper per waiting page.
    this.#res.on('close', wake);
  }

  off(_event: 'close', wake: () => void): void {
    if (this.#listener === wake) this.#listener = undefined;
    this.#res.off('close', wake);
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#leave(this);
  }

  /** A newer poll of the same page takes over: this one gives its place back and its wait ends now. */
  supersede(): void {
    this.#superseded = true;
    this.release();
    const wake = this.#listener;
    this.#listener = undefined;
    if (wake) {
      this.#res.off('close', wake);
      wake();
    }
  }
}
