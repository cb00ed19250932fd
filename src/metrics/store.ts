import type { Store } from '../store/store.ts';
import { recordStoreOperation } from './metrics.ts';

const MEASURED = ['get', 'set', 'create', 'compareAndSet', 'delete', 'deleteIfEquals', 'increment', 'indexAdd', 'indexMembers', 'indexRemove', 'publish', 'subscribe', 'ping'] as const;

/**
 * The same store, with every operation timed and its failures counted by operation name (never by
 * key: keys carry scenes, uids and account ids). Behaviour is unchanged: results and errors pass
 * through as they are.
 */
export function measuredStore(store: Store): Store {
  const measured = { close: () => store.close() } as Store;
  for (const operation of MEASURED) {
    const original = (store[operation] as (...args: unknown[]) => Promise<unknown>).bind(store);
    // A `then` on the call's own promise rather than an async wrapper: one promise fewer per
    // store call (the profile of a login load showed the wrapper's await among our own costs).
    (measured as unknown as Record<string, unknown>)[operation] = (...args: unknown[]) => {
      const started = performance.now();
      return call(original, args).then(
        (result) => {
          recordStoreOperation(operation, (performance.now() - started) / 1000, false);
          return result;
        },
        (err: unknown) => {
          recordStoreOperation(operation, (performance.now() - started) / 1000, true);
          throw err;
        },
      );
    };
  }
  return measured;
}

/** The operation's promise; one that throws instead of rejecting rejects all the same. */
function call(original: (...args: unknown[]) => Promise<unknown>, args: unknown[]): Promise<unknown> {
  try {
    return original(...args);
  } catch (err) {
    return Promise.reject(err);
  }
}
