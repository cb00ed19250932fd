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
 * What the image key holds while a process fetches the image: this, then the holder's id. The
 * key is the lock too, so taking the right to fetch and finding a kept copy are one command.
 */
const FETCHING = 'fetching:';

/** A kept image: one data URL (`data:<type>;base64,<bytes>`), no JSON to build or parse. */
const KEPT = /^data:([^;,]+);base64,/;

/**
 * The mini-program code (the image the login page shows) of each ticket, fetched from WeChat once and kept in the store for the ticket's
 * life: reloads, other tabs and other processes read the kept copy. Concurrent first requests
 * share one WeChat call: in one process through a shared promise, across processes through the
 * image's key itself, which the fetching process creates holding a short-lived mark (the others
 * wait briefly for the kept copy, and fetch themselves only if the holder gives no image in time).
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
    return this.#fetches.run(ticket.scene, () => this.#obtain(ticket));
  }

  /**
   * The right to fetch first (every ticket's image is fetched once, and then this one command
   * finds the key taken): taken, fetch; else the kept copy, or wait for the holder's.
   */
  async #obtain(ticket: LoginTicket): Promise<CodeImage> {
    const key = storeKeys.codeImage(ticket.scene);
    const mark = `${FETCHING}${nanoid()}`;
    if (await this.#store.create(key, mark, LOCK_MS)) return this.#fetch(ticket, key, mark);
    const kept = await this.#keptOrWait(key);
    // The holder gave up or gave no image in time (or the kept copy is damaged): fetch here.
    return kept ?? this.#fetch(ticket, key, undefined);
  }

  /** The kept copy, waiting while another process holds the right to fetch it. */
  async #keptOrWait(key: string): Promise<CodeImage | undefined> {
    const deadline = Date.now() + this.#waitMs;
    for (;;) {
      const raw = await this.#store.get(key);
      if (raw === undefined || !raw.startsWith(FETCHING)) return raw === undefined ? undefined : decode(raw);
      if (Date.now() >= deadline) return undefined;
      await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
    }
  }

  /** One WeChat call, kept for the ticket's life; `mark`: the right to fetch, given back on failure. */
  async #fetch(ticket: LoginTicket, key: string, mark: string | undefined): Promise<CodeImage> {
    let fresh: CodeImage;
    try {
      await this.#budget?.draw(ticket);
      fresh = await this.#wechat.createCode(ticket.scene);
    } catch (err) {
      if (mark) await this.#store.deleteIfEquals(key, mark);
      throw err;
    }
    const ttlMs = Math.max(1000, ticket.expires_at - Date.now() + 60_000);
    const text = `data:${fresh.contentType};base64,${fresh.image.toString('base64')}`;
    // Holding the right: the mark becomes the image (unless the mark outlived LOCK_MS and another
    // process has kept its own copy since: that one stands). Without it: written as it is.
    if (mark) await this.#store.compareAndSet(key, mark, text, ttlMs);
    else await this.#store.set(key, text, ttlMs);
    return fresh;
  }
}

/** A kept copy (or one an earlier version kept, as JSON); a damaged one is undefined and fetched again. */
function decode(raw: string): CodeImage | undefined {
  const kept = KEPT.exec(raw);
  if (kept) return { contentType: kept[1]!, image: Buffer.from(raw.slice(kept[0].length), 'base64') };
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
