import { raceSuite } from './race-suite.ts';

/** One process on the memory store (the embedded default). */
raceSuite('one process, memory store', 1, async () => ({ kind: 'memory' }));
