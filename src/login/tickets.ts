import { SaomaError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { recordTicketChange, recordTicketIssued, withStateTime } from '../metrics/metrics.ts';
import { storeChannels, storeKeys } from '../store/keys.ts';
import type { Store } from '../store/store.ts';
import { updateWithRetry } from '../store/update.ts';
import { newScene } from '../wechat/scene.ts';
import type { LoginTicket, TicketStatus } from './ticket.ts';
import { STEPS, effectiveState, isFinished, publicStatus, type RequestedTransition, type TransitionInput } from './ticket-machine.ts';

/** How long a finished ticket stays readable, so late polls and scans get a precise answer. */
const AFTERLIFE_MS = 10 * 60_000;

interface TicketNews {
  scene: string;
  version: number;
  status: TicketStatus;
}

type Waiter = (news: TicketNews) => void;

/** The waiting request's connection: when it closes, the wait ends (the page has gone). */
export interface Connection {
  once(event: 'close', listener: () => void): unknown;
  off(event: 'close', listener: () => void): unknown;
}

export interface NewTicket {
  uid: string;
  clientId: string;
  scopes: string[];
  requester: LoginTicket['requester'];
  /** When the interaction (the login page) itself ends, in ms; a ticket never outlives it. */
  interactionExpiresAt: number;
}

/**
 * The login tickets of this deployment. Every change is one compare-and-set in the store followed
 * by a publish on one channel; each process subscribes once at start and wakes its own waiting
 * pages, so a waiting page costs no store read and no Redis command until something happens.
 */
export class Tickets {
  readonly #store: Store;
  readonly #log: Logger;
  readonly #ttlMs: number;
  /** The waiting pages of each ticket: usually one, held as itself; a Set only when there are more. */
  readonly #waiters = new Map<string, Waiter | Set<Waiter>>();
  #unsubscribe: (() => Promise<void>) | undefined;

  constructor(store: Store, log: Logger, ttlMs: number) {
    this.#store = store;
    this.#log = log;
    this.#ttlMs = ttlMs;
  }

  /** Subscribes to ticket news; must resolve before the first page waits. */
  async start(): Promise<void> {
    this.#unsubscribe = await this.#store.subscribe(storeChannels.tickets, (message) => this.#dispatch(message));
  }

  async stop(): Promise<void> {
    await this.#unsubscribe?.();
  }

  get waiting(): number {
    let n = 0;
    for (const one of this.#waiters.values()) n += typeof one === 'function' ? 1 : one.size;
    return n;
  }

  /** The interaction's ticket if it still has a live one, else a new one (the page's first load). */
  async ensure(request: NewTicket): Promise<LoginTicket> {
    const current = await this.current(request.uid);
    if (current && !isFinished(effectiveState(current))) return current;
    return this.replace(request, current?.scene);
  }

  /** A new ticket for the interaction in place of `previous` (refresh). Concurrent calls agree on one. */
  async replace(request: NewTicket, previous: string | undefined): Promise<LoginTicket> {
    const now = Date.now();
    const expiresAt = Math.min(now + this.#ttlMs, request.interactionExpiresAt);
    if (request.interactionExpiresAt - now < 10_000) {
      throw new SaomaError('interaction_not_found', 'This login page has expired; go back to the website and sign in again.');
    }
    const ticket: LoginTicket = {
      scene: newScene(),
      uid: request.uid,
      state: 'pending',
      version: 1,
      created_at: now,
      expires_at: expiresAt,
      interaction_expires_at: request.interactionExpiresAt,
      client_id: request.clientId,
      scopes: request.scopes,
      requester: request.requester,
    };
    await this.#store.set(storeKeys.ticket(ticket.scene), JSON.stringify(ticket), expiresAt - now + AFTERLIFE_MS);
    const mapping = storeKeys.ticketOfInteraction(request.uid);
    const mappingTtl = request.interactionExpiresAt - now + AFTERLIFE_MS;
    const won = previous === undefined
      ? await this.#store.create(mapping, ticket.scene, mappingTtl)
      : await this.#store.compareAndSet(mapping, previous, ticket.scene, mappingTtl);
    if (won) {
      recordTicketIssued(ticket, (scene) => this.get(scene));
      if (previous) await this.#cancelReplaced(previous);
      return ticket;
    }
    // Another request replaced it first: use theirs, drop ours.
    await this.#store.delete(storeKeys.ticket(ticket.scene));
    const theirs = await this.current(request.uid);
    if (!theirs) throw new SaomaError('ticket_not_found', 'The login code could not be created; reload the page.');
    return theirs;
  }

  async current(uid: string): Promise<LoginTicket | undefined> {
    const scene = await this.#store.get(storeKeys.ticketOfInteraction(uid));
    return scene ? this.get(scene) : undefined;
  }

  async get(scene: string): Promise<LoginTicket | undefined> {
    const raw = await this.#store.get(storeKeys.ticket(scene));
    return raw === undefined ? undefined : this.#parse(raw);
  }

  /**
   * Applies one step to the ticket atomically: `step` sees the current ticket and returns the next
   * one (or the same object for "no change"), or throws. Concurrent steps are serialised by
   * compare-and-set, so of two confirms or two completes exactly one wins; the other re-reads and
   * is judged against the new state.
   */
  async update(scene: string, step: (ticket: LoginTicket) => LoginTicket): Promise<LoginTicket> {
    const { result, written } = await updateWithRetry(this.#store, storeKeys.ticket(scene), (raw) => {
      const ticket = raw === undefined ? undefined : this.#parse(raw);
      if (!raw || !ticket) throw new SaomaError('ticket_not_found', 'No login code matches this scene.');
      const next = step(ticket);
      if (next === ticket) return { result: { before: ticket, after: ticket } };
      const after = withStateTime(ticket, { ...next, version: ticket.version + 1 });
      return { result: { before: ticket, after }, next: JSON.stringify(after) };
    }, { attempts: 16, exhausted: () => new SaomaError('unavailable', 'The login code is changing too fast; try again.') });
    if (written) {
      recordTicketChange(result.before, result.after);
      await this.#announce(result.after);
    }
    return result.after;
  }

  /**
   * Takes one transition of the ticket state machine (`ticket-machine.ts`) atomically: the
   * transition is judged against the stored ticket, and its refusal is thrown as it is.
   */
  async apply<T extends RequestedTransition>(scene: string, transition: T, ...input: TransitionInput[T] extends undefined ? [] : [TransitionInput[T]]): Promise<LoginTicket> {
    const step = STEPS[transition] as (ticket: LoginTicket, input: TransitionInput[T] | undefined, now: number) => LoginTicket | Error;
    return this.update(scene, (ticket) => {
      const next = step(ticket, input[0], Date.now());
      if (next instanceof Error) throw next;
      return next;
    });
  }

  /**
   * The long-poll: answers at once when the ticket's state is not `known`, else waits for news of
   * a change, the ticket's expiry or `timeoutMs`, whichever comes first. The waiter is registered
   * before the ticket is read and keeps the news that comes before the wait begins, so a change
   * that lands between the read and the wait is not lost.
   */
  async waitForChange(scene: string, known: string | undefined, timeoutMs: number, connection?: Connection): Promise<TicketStatus> {
    // Until the wait begins, news is kept: it may arrive while the read is still on its way back.
    let early: TicketNews | undefined;
    let wake: Waiter = (news) => {
      if (!early || news.version > early.version) early = news;
    };
    const waiter: Waiter = (news) => wake(news);
    this.#addWaiter(scene, waiter);
    try {
      const { status, version, held } = await this.#readForWait(scene);
      if (status.state !== known) return status;
      if (early && early.version > version) return early.status;
      return await new Promise<TicketStatus>((resolve) => {
        const finish = (answer: TicketStatus) => {
          clearTimeout(timer);
          connection?.off('close', onGone);
          wake = () => {};
          resolve(answer);
        };
        const onGone = () => finish(publicStatus(held));
        wake = (news) => {
          if (news.version > version) finish(news.status);
        };
        // One timer per waiting page: the long-poll timeout, or the ticket's expiry if that comes
        // first (a ticket expires by the clock, not by an event, so nothing else would wake it).
        const untilExpiry = isFinished(status.state) ? Infinity : Math.max(0, held.expires_at - Date.now() + 5);
        const timer = setTimeout(() => finish(publicStatus(held)), Math.min(timeoutMs, untilExpiry));
        connection?.once('close', onGone);
      });
    } finally {
      this.#removeWaiter(scene, waiter);
    }
  }

  /**
   * The ticket as a wait needs it: its public status, its version and only what the answer needs
   * (`held`), not the whole ticket. Read in its own function so that the ticket is not one of the
   * waiting function's locals, which a suspended async function keeps for the whole wait: a
   * waiting page should cost as little memory as possible (docs/benchmarks.md).
   */
  async #readForWait(scene: string): Promise<{ status: TicketStatus; version: number; held: LoginTicket }> {
    const ticket = await this.get(scene);
    if (!ticket) throw new SaomaError('ticket_not_found', 'No login code matches this page; reload it.');
    const held = { state: ticket.state, expires_at: ticket.expires_at, scanner: ticket.scanner } as LoginTicket;
    return { status: publicStatus(ticket), version: ticket.version, held };
  }

  /** The code a new one replaced is cancelled (unless already finished): scanning it now answers `ticket_cancelled`. */
  async #cancelReplaced(scene: string): Promise<void> {
    await this.apply(scene, 'abort').catch((err: unknown) => {
      if (!(err instanceof SaomaError && err.code === 'ticket_not_found')) throw err;
    });
  }

  async #announce(ticket: LoginTicket): Promise<void> {
    const news: TicketNews = { scene: ticket.scene, version: ticket.version, status: publicStatus(ticket) };
    await this.#store.publish(storeChannels.tickets, JSON.stringify(news));
  }

  #dispatch(message: string): void {
    let news: TicketNews;
    try {
      news = JSON.parse(message) as TicketNews;
    } catch {
      this.#log.warn('ticket news is not JSON; ignored');
      return;
    }
    const waiters = this.#waiters.get(news.scene);
    if (typeof waiters === 'function') waiters(news);
    else if (waiters) for (const waiter of [...waiters]) waiter(news);
  }

  #addWaiter(scene: string, waiter: Waiter): void {
    const held = this.#waiters.get(scene);
    if (!held) this.#waiters.set(scene, waiter);
    else if (typeof held === 'function') this.#waiters.set(scene, new Set([held, waiter]));
    else held.add(waiter);
  }

  #removeWaiter(scene: string, waiter: Waiter): void {
    const held = this.#waiters.get(scene);
    if (held === waiter) this.#waiters.delete(scene);
    else if (typeof held === 'object') {
      held.delete(waiter);
      if (held.size === 0) this.#waiters.delete(scene);
    }
  }

  #parse(raw: string): LoginTicket | undefined {
    try {
      const ticket = JSON.parse(raw) as LoginTicket;
      if (typeof ticket.scene === 'string' && typeof ticket.state === 'string' && typeof ticket.version === 'number') return ticket;
    } catch {
      // fall through
    }
    this.#log.warn('stored login ticket is not what saoma wrote; treated as absent');
    return undefined;
  }
}
