import { SaomaError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { recordTicketChange, recordTicketIssued, withStateTime } from '../metrics/metrics.ts';
import { storeChannels, storeKeys } from '../store/keys.ts';
import type { Store } from '../store/store.ts';
import { updateWithRetry } from '../store/update.ts';
import { newScene } from '../wechat/scene.ts';
import type { LoginTicket, TicketStatus } from './ticket.ts';
import { STEPS, effectiveState, isFinished, publicStatus, type RequestedTransition, type TransitionInput } from './ticket-machine.ts';

/**
 * How far apart the clocks of a deployment's hosts may be for the remembered current ticket
 * (`#sceneOf`) to stay right; NTP keeps them far closer, and token lifetimes assume as much.
 */
const CLOCK_SKEW_MS = 30_000;

/** How long a finished ticket stays readable, so late polls and scans get a precise answer. */
const AFTERLIFE_MS = 10 * 60_000;

/** At most this many interactions' current tickets are remembered (`Tickets.#sceneOf`). */
const REMEMBERED_INTERACTIONS = 4096;

/** An interaction with less than 10 s to live gets no new ticket: the page says it has expired. */
function expiresSoon(request: { interactionExpiresAt: number }, now: number): boolean {
  return request.interactionExpiresAt - now < 10_000;
}

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
  /**
   * The text each ticket object was read as (or written as), so a transition on a ticket just read
   * is a compare-and-set against that text without reading it again (`updateWithRetry`'s
   * `expected`). Weak: it holds nothing the ticket object does not already hold.
   */
  readonly #stored = new WeakMap<LoginTicket, string>();
  /**
   * Which ticket is each interaction's current one (the `ticket-of` mapping), as this process last
   * saw it live, so the login page's requests do not read the mapping every time. It cannot lead
   * to the wrong ticket: the mapping moves from a ticket to a new one only once that ticket is
   * finished (`ensure` and refresh replace only a finished or absent ticket), and a finished ticket
   * never lives again (the clock only moves on; ticket-machine.ts has no way out of a finished
   * state). So `current()` keeps a remembered scene only when the ticket it reads there is live —
   * and more than CLOCK_SKEW_MS from its expiry: a ticket that expired by another process's clock
   * is stored as it was (expiry writes nothing), so a process whose clock is behind would still
   * see it live after that process replaced it. Finished, absent or near its end, it asks the
   * mapping, as it would without this. Bounded: an entry goes when its ticket is seen finished, and
   * past REMEMBERED_INTERACTIONS the oldest goes first.
   */
  readonly #sceneOf = new Map<string, string>();
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

  /**
   * The interaction's ticket if it still has a live one, else a new one (the page's first load).
   * An interaction this process does not remember (`#sceneOf`) is most often one whose page loads
   * for the first time, which has no ticket yet: its ticket is then created straight away, the
   * mapping's atomic create saying whether one existed (one store read fewer per login than asking
   * first). When it did (a reload served by another process), ours is dropped and the existing one
   * is judged as before.
   */
  async ensure(request: NewTicket): Promise<LoginTicket> {
    if (!this.#sceneOf.has(request.uid) && !expiresSoon(request, Date.now())) {
      const first = await this.#tryReplace(request, undefined);
      if (first) return first;
    }
    const current = await this.current(request.uid);
    if (current && !isFinished(effectiveState(current))) return current;
    return this.replace(request, current?.scene);
  }

  /** A new ticket for the interaction in place of `previous` (refresh). Concurrent calls agree on one. */
  async replace(request: NewTicket, previous: string | undefined): Promise<LoginTicket> {
    const ours = await this.#tryReplace(request, previous);
    if (ours) return ours;
    // Another request replaced it first: use theirs.
    const theirs = await this.current(request.uid);
    if (!theirs) throw new SaomaError('ticket_not_found', 'The login code could not be created; reload the page.');
    return theirs;
  }

  /** `replace`'s own attempt: the new ticket, or undefined (and nothing of ours left) when the mapping was not `previous`. */
  async #tryReplace(request: NewTicket, previous: string | undefined): Promise<LoginTicket | undefined> {
    const now = Date.now();
    const expiresAt = Math.min(now + this.#ttlMs, request.interactionExpiresAt);
    if (expiresSoon(request, now)) {
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
    const stored = JSON.stringify(ticket);
    await this.#store.set(storeKeys.ticket(ticket.scene), stored, expiresAt - now + AFTERLIFE_MS);
    const mapping = storeKeys.ticketOfInteraction(request.uid);
    const mappingTtl = request.interactionExpiresAt - now + AFTERLIFE_MS;
    const won = previous === undefined
      ? await this.#store.create(mapping, ticket.scene, mappingTtl)
      : await this.#store.compareAndSet(mapping, previous, ticket.scene, mappingTtl);
    if (won) {
      this.#stored.set(ticket, stored);
      this.#remember(ticket);
      recordTicketIssued(ticket, (scene) => this.get(scene));
      if (previous) await this.#cancelReplaced(previous);
      return ticket;
    }
    await this.#store.delete(storeKeys.ticket(ticket.scene));
    return undefined;
  }

  /** The interaction's current ticket (live or finished), or undefined when it has none. */
  current(uid: string): Promise<LoginTicket | undefined> {
    return this.#currentOf(uid, () => {});
  }

  /** `current()`, telling `watch` each ticket's scene before reading it (see `waitForChangeOfInteraction`). */
  async #currentOf(uid: string, watch: (scene: string) => void): Promise<LoginTicket | undefined> {
    const remembered = this.#sceneOf.get(uid);
    let seen: LoginTicket | undefined;
    if (remembered !== undefined) {
      watch(remembered);
      seen = await this.get(remembered);
      if (seen && !isFinished(effectiveState(seen)) && seen.expires_at - Date.now() > CLOCK_SKEW_MS) return seen;
      this.#sceneOf.delete(uid);
    }
    const scene = await this.#store.get(storeKeys.ticketOfInteraction(uid));
    if (!scene) return undefined;
    watch(scene);
    // Still the remembered one: it was read just now, and a finished ticket no longer changes.
    const ticket = scene === remembered ? seen : await this.get(scene);
    if (ticket) this.#remember(ticket);
    return ticket;
  }

  async get(scene: string): Promise<LoginTicket | undefined> {
    const raw = await this.#store.get(storeKeys.ticket(scene));
    return raw === undefined ? undefined : this.#parse(raw);
  }

  /**
   * Applies one step to the ticket atomically: `step` sees the current ticket and returns the next
   * one (or the same object for "no change"), or throws. Concurrent steps are serialised by
   * compare-and-set, so of two confirms or two completes exactly one wins; the other re-reads and
   * is judged against the new state. Given the ticket object a read (or change) here returned,
   * rather than its scene, the first attempt writes against it without reading it again.
   */
  async update(from: string | LoginTicket, step: (ticket: LoginTicket) => LoginTicket): Promise<LoginTicket> {
    const scene = typeof from === 'string' ? from : from.scene;
    const expected = typeof from === 'string' ? undefined : this.#stored.get(from);
    const { result, written } = await updateWithRetry(this.#store, storeKeys.ticket(scene), (raw) => {
      const ticket = raw === undefined ? undefined : this.#parse(raw);
      if (!raw || !ticket) throw new SaomaError('ticket_not_found', 'No login code matches this scene.');
      const next = step(ticket);
      if (next === ticket) return { result: { before: ticket, after: ticket } };
      const after = withStateTime(ticket, { ...next, version: ticket.version + 1 });
      const text = JSON.stringify(after);
      this.#stored.set(after, text);
      return { result: { before: ticket, after }, next: text };
    }, { attempts: 16, expected, exhausted: () => new SaomaError('unavailable', 'The login code is changing too fast; try again.') });
    if (written) {
      if (isFinished(result.after.state)) this.#forget(result.after);
      recordTicketChange(result.before, result.after);
      await this.#announce(result.after);
    }
    return result.after;
  }

  /**
   * Takes one transition of the ticket state machine (`ticket-machine.ts`) atomically: the
   * transition is judged against the stored ticket, and its refusal is thrown as it is. `from`: the
   * ticket's scene, or the ticket as just read (see `update`).
   */
  async apply<T extends RequestedTransition>(from: string | LoginTicket, transition: T, ...input: TransitionInput[T] extends undefined ? [] : [TransitionInput[T]]): Promise<LoginTicket> {
    const step = STEPS[transition] as (ticket: LoginTicket, input: TransitionInput[T] | undefined, now: number) => LoginTicket | Error;
    return this.update(from, (ticket) => {
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
  waitForChange(scene: string, known: string | undefined, timeoutMs: number, connection?: Connection): Promise<TicketStatus> {
    return this.#waitFor(async (watch) => {
      watch(scene);
      const ticket = await this.get(scene);
      if (!ticket) throw new SaomaError('ticket_not_found', 'No login code matches this page; reload it.');
      return ticket;
    }, known, timeoutMs, connection);
  }

  /**
   * The long-poll of an interaction's current ticket (the status poll): as `waitForChange` on the
   * ticket `current(uid)` finds, with one read of it instead of two (the one `current` makes and
   * the one the wait makes after registering): the waiter is registered on the scene before the
   * ticket is read, and moved when the read shows the interaction has moved on to another ticket.
   */
  waitForChangeOfInteraction(uid: string, known: string | undefined, timeoutMs: number, connection?: Connection): Promise<TicketStatus> {
    return this.#waitFor(async (watch) => {
      const ticket = await this.#currentOf(uid, watch);
      if (!ticket) throw new SaomaError('ticket_not_found', 'This login page has no code yet; reload it.');
      return ticket;
    }, known, timeoutMs, connection);
  }

  /**
   * The long-poll on the ticket `read` returns, read after `watch` has registered the waiter on its
   * scene. Not an async function: nothing of the read (nor the whole ticket) stays held by a
   * suspended frame while the page waits, only what the closures below need.
   */
  #waitFor(read: (watch: (scene: string) => void) => Promise<LoginTicket>, known: string | undefined, timeoutMs: number, connection?: Connection): Promise<TicketStatus> {
    // Until the wait begins, news is kept: it may arrive while the read is still on its way back.
    let early: TicketNews | undefined;
    let wake: Waiter = (news) => {
      if (!early || news.version > early.version) early = news;
    };
    const waiter: Waiter = (news) => wake(news);
    let watched: string | undefined;
    const release = () => {
      if (watched !== undefined) this.#removeWaiter(watched, waiter);
      watched = undefined;
    };
    const watch = (scene: string) => {
      if (watched === scene) return;
      release();
      early = undefined; // news of another ticket says nothing of this one
      watched = scene;
      this.#addWaiter(scene, waiter);
    };
    return read(watch).then((ticket) => {
      const status = publicStatus(ticket);
      if (status.state !== known) return status;
      // Only what the answer needs is held while waiting, not the whole ticket: a waiting page
      // should cost as little memory as possible (docs/benchmarks.md).
      const { version } = ticket;
      if (early && early.version > version) return early.status;
      const held = { state: ticket.state, expires_at: ticket.expires_at, scanner: ticket.scanner } as LoginTicket;
      return new Promise<TicketStatus>((resolve) => {
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
    }).finally(release);
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

  /** Remembers a live ticket as its interaction's current one (`#sceneOf`). */
  #remember(ticket: LoginTicket): void {
    if (isFinished(effectiveState(ticket))) return;
    this.#sceneOf.delete(ticket.uid); // re-inserted last: the oldest entries go first
    this.#sceneOf.set(ticket.uid, ticket.scene);
    if (this.#sceneOf.size > REMEMBERED_INTERACTIONS) this.#sceneOf.delete(this.#sceneOf.keys().next().value!);
  }

  #forget(ticket: LoginTicket): void {
    if (this.#sceneOf.get(ticket.uid) === ticket.scene) this.#sceneOf.delete(ticket.uid);
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
      if (typeof ticket.scene === 'string' && typeof ticket.state === 'string' && typeof ticket.version === 'number') {
        this.#stored.set(ticket, raw);
        return ticket;
      }
    } catch {
      // fall through
    }
    this.#log.warn('stored login ticket is not what saoma wrote; treated as absent');
    return undefined;
  }
}
