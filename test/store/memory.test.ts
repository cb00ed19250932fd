import { MemoryStore } from '../../src/store/memory.ts';
import { storeConformance } from './conformance.ts';

// One process: "another instance on the same backend" is the same store.
storeConformance('memory', async () => new MemoryStore(), {
  peer: async (store) => store,
  // The memory store reports a handler that threw as a process warning.
  handlerFaults: () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    return () => warnings;
  },
});
