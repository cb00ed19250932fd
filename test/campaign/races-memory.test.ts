import { MemoryStore } from '../../src/store/memory.ts';
import { raceSuite } from './race-suite.ts';

/** One process on the memory store (the embedded default). */
raceSuite('one process, memory store', async () => [new MemoryStore()]);
