/** The WeChat APIs the emulator serves, by the names /emulator/stats and /emulator/faults use. */
export const EMULATED_APIS = ['stable_token', 'getwxacodeunlimit', 'jscode2session', 'getuserphonenumber', 'generate_urllink'] as const;
export type EmulatedApi = (typeof EMULATED_APIS)[number];

export interface Fault {
  /** Answer this errcode instead of doing the call. */
  errcode?: number;
  /** Stall this long first (to test client timeouts). */
  delay_ms?: number;
  /** How many more calls this fault applies to. */
  times: number;
}

/**
 * Faults queued per API: each call takes the first fault in its queue, which applies to `times`
 * calls in a row before the next one does.
 */
export class Faults {
  #queues = new Map<EmulatedApi, Fault[]>();

  add(api: EmulatedApi, fault: Fault): void {
    const queue = this.#queues.get(api) ?? [];
    if (queue.length >= 100) queue.shift();
    queue.push({ ...fault });
    this.#queues.set(api, queue);
  }

  /** The fault for this call, if any, counted as used. */
  take(api: EmulatedApi): Fault | undefined {
    const queue = this.#queues.get(api);
    const fault = queue?.[0];
    if (!queue || !fault) return undefined;
    fault.times -= 1;
    if (fault.times <= 0) queue.shift();
    return fault;
  }

  reset(): void {
    this.#queues.clear();
  }

  list(): Partial<Record<EmulatedApi, Fault[]>> {
    return Object.fromEntries([...this.#queues].filter(([, queue]) => queue.length > 0));
  }
}
