/**
 * One fetch per key at a time in this process: a caller that finds a fetch of its key under way
 * shares its answer (or its failure) instead of starting another. The key is forgotten once the
 * fetch settles, so the next caller finds the kept copy (the caller's own cache) or fetches again.
 */
export class SingleFlight<T> {
  readonly #inflight = new Map<string, Promise<T>>();

  run(key: string, fetch: () => Promise<T>): Promise<T> {
    let pending = this.#inflight.get(key);
    if (!pending) {
      pending = fetch().finally(() => this.#inflight.delete(key));
      this.#inflight.set(key, pending);
    }
    return pending;
  }
}
