import { MemoryStore } from '../../src/store/memory.ts';
import { storeConformance } from './conformance.ts';

// One process: "another instance on the same backend" is the same store.
storeConformance('memory', async () => new MemoryStore(), { peer: async (store) => store });
