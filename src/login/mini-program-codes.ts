import { nanoid } from 'nanoid';
import { storeKeys } from '../store/keys.ts';
import type { Store } from '../store/store.ts';
import type { WeChat } from '../wechat/client.ts';
import type { CodeBudget } from './budget.ts';
import { SingleFlight } from './single-flight.ts';
import type { LoginTicket } from './ticket.ts';

export interface CodeImage {
  contentType: string;
  image: Buffer;
}

/** How long one process may hold the right to fetch a ticket's image. */
const LOCK_MS = 10_000;
const WAIT_STEP_MS = 50;

/**
 * The mini-program code (the image the login page shows) of each ticket, fetched from WeChat once and kept in the store for the ticket's
 * life: reloads, other tabs and other processes read the kept copy. Concurrent first requests
 * share one WeChat call: in one process through a shared promise, across processes through a
 * short lock in the store (the others wait briefly for the kept copy, and fetch themselves only
 * if the holder gives no image in time).
 */
export class MiniProgramCodes {
  readonly #store: Store;
  readonly #wechat: WeChat;
  readonly #waitMs: number;
  readonly #budget: Pick<CodeBudget, 'draw'> | undefined;
  readonly #fetches = new SingleFlight<CodeImage>();

  /** `budget`, when given, is asked before each WeChat call (never for a kept copy). */
  constructor(store: Store, wechat: WeChat, waitMs = LOCK_MS, budget?: Pick<CodeBudget, 'draw'>) {
    this.#store = store;
    this.#wechat = wechat;
    this.#waitMs = waitMs;
    this.#budget = budget;
  }

  async image(ticket: LoginTicket): Promise<CodeImage> {
    const kept = await this.#kept(ticket.scene);
    if (kept) return kept;
    return this.#fetches.run(ticket.scene, () => this.#obtain(ticket));
  }

  async #obtain(ticket: LoginTicket): Promise<CodeImage> {
    const lock = storeKeys.codeImageLock(ticket.scene);
    const holder = nanoid();
    if (!(await this.#store.create(lock, holder, LOCK_MS))) {
      // Another process is fetching this image: wait for its copy rather than call WeChat again.
      const deadline = Date.now() + this.#waitMs;
      while (Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
        const kept = await this.#kept(ticket.scene);
        if (kept) return kept;
        if ((await this.#store.get(lock)) === undefined) break; // the holder gave up
      }
    }
    try {
      await this.#budget?.draw(ticket);
      const fresh = await this.#wechat.createCode(ticket.scene);
      const ttlMs = Math.max(1000, ticket.expires_at - Date.now() + 60_000);
      await this.#store.set(storeKeys.codeImage(ticket.scene), JSON.stringify({ contentType: fresh.contentType, image: fresh.image.toString('base64') }), ttlMs);
      return fresh;
    } finally {
      await this.#store.deleteIfEquals(lock, holder);
    }
  }

  async #kept(scene: string): Promise<CodeImage | undefined> {
    const raw = await this.#store.get(storeKeys.codeImage(scene));
    if (!raw) return undefined;
    try {
      const value = JSON.parse(raw) as { contentType?: unknown; image?: unknown };
      if (typeof value.contentType === 'string' && typeof value.image === 'string') {
        return { contentType: value.contentType, image: Buffer.from(value.image, 'base64') };
      }
    } catch {
      // a damaged copy is fetched again
    }
    return undefined;
  }
}
