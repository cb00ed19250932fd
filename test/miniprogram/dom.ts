import { createRequire } from 'node:module';

/**
 * A browser-like global DOM (jsdom) for miniprogram-simulate, which renders components into
 * `document`. Node's own Event and CustomEvent are replaced too: simulate dispatches events built
 * with the global constructors onto jsdom nodes, and jsdom only accepts its own.
 * Import this before miniprogram-simulate.
 */
const require = createRequire(import.meta.url);
const { JSDOM } = require('jsdom') as { JSDOM: new (html: string, options: object) => { window: Window & Record<string, unknown> } };

const { window } = new JSDOM('<!doctype html><html><head></head><body></body></html>', { pretendToBeVisual: true, url: 'http://localhost/' });
const globals = globalThis as unknown as Record<string, unknown>;
for (const key of Object.getOwnPropertyNames(window)) {
  if (!key.startsWith('_') && !(key in globals)) globals[key] = window[key];
}
globals.window = window;
globals.document = window.document;
globals.Event = window.Event;
globals.CustomEvent = window.CustomEvent;
