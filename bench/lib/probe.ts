/**
 * What a process went through during a measured window: event-loop delay (how late its callbacks
 * ran) and garbage-collection pauses. Used in the saoma runners and in the load generator, so a
 * latency tail can be traced to the process that stalled.
 */
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

type IntervalHistogram = ReturnType<typeof monitorEventLoopDelay>;

export interface ProbeReport {
  loopP50: number;
  loopP99: number;
  loopMax: number;
  gcCount: number;
  gcTotalMs: number;
  gcMaxMs: number;
}

export class Probe {
  #loop: IntervalHistogram | undefined;
  #observer: PerformanceObserver | undefined;
  #gc: number[] = [];

  start(): void {
    this.stop();
    this.#gc = [];
    this.#loop = monitorEventLoopDelay({ resolution: 1 });
    this.#loop.enable();
    this.#observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) this.#gc.push(entry.duration);
    });
    this.#observer.observe({ entryTypes: ['gc'] });
  }

  stop(): ProbeReport {
    const loop = this.#loop;
    loop?.disable();
    this.#observer?.disconnect();
    this.#loop = undefined;
    this.#observer = undefined;
    const ns = 1e6;
    return {
      loopP50: loop ? loop.percentile(50) / ns : Number.NaN,
      loopP99: loop ? loop.percentile(99) / ns : Number.NaN,
      loopMax: loop ? loop.max / ns : Number.NaN,
      gcCount: this.#gc.length,
      gcTotalMs: this.#gc.reduce((a, b) => a + b, 0),
      gcMaxMs: Math.max(0, ...this.#gc),
    };
  }
}
