import './dom.ts';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * The mini-program's login page, rendered by miniprogram-simulate (Tencent's component test tool)
 * from the very files WeChat's tools upload, with WeChat's official WXML compiler.
 */
const require = createRequire(import.meta.url);

export const MINIPROGRAM = fileURLToPath(new URL('../../miniprogram/', import.meta.url));

/** One node of simulate's JSON view of the rendered tree: built-in tags with all their attributes. */
export interface Node {
  tagName: string;
  attrs: Array<{ name: string; value: unknown }>;
  children: Array<Node | string>;
}

interface Rendered {
  dom: HTMLElement;
  instance: { onLoad(options: Record<string, string>): void; data: Record<string, any> };
  attach(parent: Element): void;
  detach(): void;
  querySelector(selector: string): Rendered | undefined;
  querySelectorAll(selector: string): Rendered[];
  dispatchEvent(name: string, options?: { detail?: unknown }): void;
  toJSON(): Node;
}

interface Simulate {
  load(path: string, tagName: string, options: { compiler: 'official' | 'simulate'; rootPath: string }): string;
  render(id: string, properties?: Record<string, unknown>): Rendered;
}

const simulate = require('miniprogram-simulate') as Simulate;

/** The `wx` object simulate installed; tests replace the functions the page calls. */
export const wx = (globalThis as unknown as { wx: Record<string, unknown> }).wx;

/** The page's config.js, the same module object the page reads its server address from. */
export const pageConfig = require(`${MINIPROGRAM}config.js`) as { server: string; page: string };

/** Loads a page of the mini-program (`pages/<name>/<name>`) for rendering; its id for `render`. */
export function loadPage(name = 'login'): string {
  const path = `${MINIPROGRAM}pages/${name}/${name}`;
  try {
    return simulate.load(path, 'page', { compiler: 'official', rootPath: MINIPROGRAM });
  } catch (err) {
    // WeChat's compiler is a prebuilt binary for Linux x64, macOS and Windows only.
    console.warn(`WeChat's WXML compiler cannot run here (${(err as Error).message}); using simulate's own`);
    return simulate.load(path, 'page', { compiler: 'simulate', rootPath: MINIPROGRAM });
  }
}

const pageId = loadPage();

export class LoginPage {
  readonly root: Rendered;

  constructor(root: Rendered) {
    this.root = root;
  }

  /** WeChat opens the page: `onLoad` with the page's query, e.g. { scene: 'encoded scene' }. */
  static open(query: Record<string, string>, id = pageId): LoginPage {
    const root = simulate.render(id);
    root.attach(document.createElement('parent-wrapper'));
    root.instance.onLoad(query);
    return new LoginPage(root);
  }

  /** Which screen shows: 'confirm', or the state screen's name (loading, done, expired, …). */
  screen(): string {
    if (this.root.querySelector('.confirm')) return 'confirm';
    const state = this.root.querySelector('.state');
    const name = state && /\bstate-(\w+)/.exec(String(attr(state.toJSON(), 'class')))?.[1];
    return name || 'blank';
  }

  has(selector: string): boolean {
    return this.root.querySelector(selector) !== undefined;
  }

  text(selector: string): string {
    const node = this.root.querySelector(selector);
    if (!node) throw new Error(`nothing matches ${selector} on the ${this.screen()} screen`);
    return node.dom.textContent!.trim();
  }

  texts(selector: string): string[] {
    return this.root.querySelectorAll(selector).map((node) => node.dom.textContent!.trim());
  }

  /** An attribute as the page set it on a built-in component (src, disabled, open-type, …). */
  attr(selector: string, name: string): unknown {
    const node = this.root.querySelector(selector);
    if (!node) throw new Error(`nothing matches ${selector} on the ${this.screen()} screen`);
    return attr(node.toJSON(), name);
  }

  /** Fires a WeChat event (tap, submit, chooseavatar, getphonenumber, error) on an element. */
  fire(selector: string, event: string, detail: unknown = {}): void {
    const node = this.root.querySelector(selector);
    if (!node) throw new Error(`nothing matches ${selector} on the ${this.screen()} screen`);
    node.dispatchEvent(event, { detail });
  }

  tap(selector: string): void {
    this.fire(selector, 'tap');
  }

  /** The form's submit, as WeChat fires it for the Confirm button, with the form's values. */
  submit(values: Record<string, string> = {}): void {
    this.fire('.confirm', 'submit', { value: values });
  }

  get data(): Record<string, any> {
    return this.root.instance.data;
  }

  tree(): Node {
    return this.root.toJSON();
  }

  close(): void {
    this.root.detach();
  }
}

/** An attribute by its WXML name (WeChat's compiler hands `open-type` over as `openType`). */
export function attr(node: Node, name: string): unknown {
  const camel = name.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
  return node.attrs.find((a) => a.name === camel || a.name === name)?.value;
}

/** Lets every answer that is due arrive and the page react to it (a few turns of the event loop). */
export async function settle(wx: { due: number }): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (let quiet = 0; quiet < 3;) {
    if (Date.now() > deadline) throw new Error('the page did not settle');
    await new Promise((resolve) => setTimeout(resolve, 0));
    quiet = wx.due === 0 ? quiet + 1 : 0;
  }
}

/**
 * Collects whatever the page throws, in handlers or in promises nobody awaits. WeChat's component
 * framework catches handler errors and only logs them, so console.error counts as a throw.
 */
export class Throws {
  readonly #seen: unknown[] = [];
  readonly #record = (err: unknown) => void this.#seen.push(err);
  readonly #consoleError = console.error;

  start(): void {
    this.#seen.length = 0;
    process.on('uncaughtException', this.#record);
    process.on('unhandledRejection', this.#record);
    console.error = (...args: unknown[]) => this.#record(args);
  }

  /** Stops collecting; returns what was thrown meanwhile. */
  stop(): unknown[] {
    process.off('uncaughtException', this.#record);
    process.off('unhandledRejection', this.#record);
    console.error = this.#consoleError;
    return [...this.#seen];
  }
}
