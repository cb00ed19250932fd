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
    (measured as unknown as Record<string, unknown>)[operation] = async (...args: unknown[]) => {
      const started = performance.now();
      let failed = true;
      try {
        const result = await original(...args);
        failed = false;
        return result;
      } finally {
        recordStoreOperation(operation, (performance.now() - started) / 1000, failed);
      }
    };
  }
  return measured;
}
