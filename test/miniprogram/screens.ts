import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { launchChromium } from '../helpers/chromium.ts';

/**
 * Pictures of the login page's screens, drawn by Chromium from what the component tests rendered.
 * Every run saves them to test-artifacts/screenshots/miniprogram/. docs/miniprogram.md shows
 * copies under docs/miniprogram/, with a fingerprint of each screen's HTML in screens.json, so a
 * test can tell when the page changed and the pictures in the docs no longer show it.
 */
export const ARTIFACTS = new URL('../../test-artifacts/screenshots/miniprogram/', import.meta.url);
export const DOCS = new URL('../../docs/miniprogram/', import.meta.url);

export const UPDATE_COMMAND = 'UPDATE_SCREENS=1 node --test test/miniprogram/login-page.test.ts';

export class Screens {
  readonly #html = new Map<string, string>();
  /** Each page's screens keep their fingerprints in a file of their own (the login page's: screens.json). */
  readonly #fingerprints: URL;

  constructor(fingerprints = 'screens.json') {
    this.#fingerprints = new URL(fingerprints, DOCS);
  }

  add(name: string, html: string): void {
    this.#html.set(name, html);
  }

  names(): string[] {
    return [...this.#html.keys()];
  }

  /** Draws every screen; with `toDocs`, also replaces the pictures and fingerprints in docs/. */
  async draw(toDocs: boolean): Promise<void> {
    mkdirSync(ARTIFACTS, { recursive: true });
    const chromium = await launchChromium();
    try {
      const page = await (await chromium.newContext({ viewport: { width: 750, height: 1334 } })).newPage();
      for (const [name, html] of this.#html) {
        await page.setContent(html, { waitUntil: 'load' });
        await page.screenshot({ path: new URL(`${name}.png`, ARTIFACTS).pathname, fullPage: true });
        if (toDocs) writeFileSync(new URL(`${name}.png`, DOCS), readFileSync(new URL(`${name}.png`, ARTIFACTS)));
      }
    } finally {
      await chromium.close();
    }
    if (toDocs) writeFileSync(this.#fingerprints, `${JSON.stringify(this.fingerprints(), null, 2)}\n`);
  }

  fingerprints(): Record<string, string> {
    return Object.fromEntries([...this.#html].sort(([a], [b]) => a.localeCompare(b)).map(([name, html]) => [name, createHash('sha256').update(html).digest('hex').slice(0, 16)]));
  }

  /** The fingerprints of the pictures in docs/ when they were drawn. */
  documented(): Record<string, string> {
    try {
      return JSON.parse(readFileSync(this.#fingerprints, 'utf8'));
    } catch {
      return {};
    }
  }
}
