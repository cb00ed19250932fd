import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger } from '../src/log.ts';
import { MiniProgramCodes } from '../src/login/mini-program-codes.ts';
import type { LoginTicket } from '../src/login/ticket.ts';
import { Tickets, type NewTicket } from '../src/login/tickets.ts';
import { WeChatLinks } from '../src/login/wechat-links.ts';
import { storeKeys } from '../src/store/keys.ts';
import { MemoryStore } from '../src/store/memory.ts';
import type { Store } from '../src/store/store.ts';
import { updateWithRetry } from '../src/store/update.ts';
import type { WeChat } from '../src/wechat/client.ts';
import { WeChatApiError } from '../src/wechat/errors.ts';

/** The store, with the keys of every read counted. */
function countingReads(store: Store): { store: Store; reads: string[] } {
  const reads: string[] = [];
  const counted = new Proxy(store, {
    get(target, property) {
      if (property === 'get') return (key: string) => { reads.push(key); return target.get(key); };
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: counted, reads };
}

/** The promise, or a failure after `ms`. */
function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`not settled within ${ms} ms`)), ms); })])
    .finally(() => clearTimeout(timer));
}

function newTicket(uid: string): NewTicket {
  return { uid, clientId: 'shop', scopes: ['openid'], requester: { ip: '203.0.113.7', user_agent: 'test', time: Date.now() }, interactionExpiresAt: Date.now() + 60_000 };
}

describe('updateWithRetry with the value just read', () => {
  const options = (expected: string) => ({ attempts: 3, expected, exhausted: () => new Error('gave up') });
  const append = (current: string | undefined) => ({ result: current, next: `${current}+` });

  it('writes against it without reading the key again', async () => {
    const { store, reads } = countingReads(new MemoryStore());
    await store.set('k', 'a');
    assert.deepEqual(await updateWithRetry(store, 'k', append, options('a')), { result: 'a', written: true });
    assert.equal(await store.get('k'), 'a+');
    assert.deepEqual(reads, ['k']); // only the check above
  });

  it('a stale value loses the compare-and-set and the update goes on from a fresh read', async () => {
    const store = new MemoryStore();
    await store.set('k', 'b');
    assert.deepEqual(await updateWithRetry(store, 'k', append, options('a')), { result: 'b', written: true });
    assert.equal(await store.get('k'), 'b+');
  });

  it('a refusal or "nothing to change" on it is judged again on the stored value', async () => {
    const store = new MemoryStore();
    await store.set('k', 'open');
    const refuseClosed = (current: string | undefined) => {
      if (current !== 'open') throw new Error(`refused on ${current}`);
      return { result: current, next: 'done' };
    };
    assert.deepEqual(await updateWithRetry(store, 'k', refuseClosed, options('closed')), { result: 'open', written: true });
    await store.set('k', 'open');
    const nothingOnStale = (current: string | undefined) => (current === 'stale' ? { result: 'none' } : { result: 'changed', next: 'x' });
    assert.deepEqual(await updateWithRetry(store, 'k', nothingOnStale, options('stale')), { result: 'changed', written: true });
  });
});

describe('Tickets: reads a login costs', () => {
  const log = createLogger('silent');

  it('a transition on a ticket just read writes without reading it again', async () => {
    const { store, reads } = countingReads(new MemoryStore());
    const tickets = new Tickets(store, log, 60_000);
    const made = await tickets.replace(newTicket('uid-a'), undefined);
    const read = (await tickets.get(made.scene))!;
    reads.length = 0;
    const aborted = await tickets.apply(read, 'abort');
    assert.equal(aborted.state, 'cancelled');
    assert.deepEqual(reads, []);
    // And the ticket a transition returned carries on the same way.
    reads.length = 0;
    assert.equal((await tickets.apply(aborted, 'abort')).state, 'cancelled');
    assert.deepEqual(reads, [storeKeys.ticket(made.scene)]); // "nothing to change" is judged on a fresh read
  });

  it('a ticket changed since it was read: the transition is judged on the stored one', async () => {
    const tickets = new Tickets(new MemoryStore(), log, 60_000);
    const made = await tickets.replace(newTicket('uid-b'), undefined);
    const stale = (await tickets.get(made.scene))!;
    await tickets.apply(made.scene, 'abort');
    await assert.rejects(tickets.apply(stale, 'complete'), { code: 'ticket_cancelled' });
  });

  it('the interaction\'s live ticket is found without reading its mapping; once finished, the mapping is asked', async () => {
    const memory = new MemoryStore();
    const { store, reads } = countingReads(memory);
    const here = new Tickets(store, log, 60_000);
    const elsewhere = new Tickets(memory, log, 60_000); // another process
    const first = await here.replace(newTicket('uid-c'), undefined);
    reads.length = 0;
    assert.equal((await here.current('uid-c'))?.scene, first.scene);
    assert.deepEqual(reads, [storeKeys.ticket(first.scene)]);
    // Another process ends the code and replaces it (a refresh): the mapping moves.
    await elsewhere.apply(first.scene, 'abort');
    const second = await elsewhere.replace(newTicket('uid-c'), first.scene);
    reads.length = 0;
    assert.equal((await here.current('uid-c'))?.scene, second.scene);
    assert.deepEqual(reads, [storeKeys.ticket(first.scene), storeKeys.ticketOfInteraction('uid-c'), storeKeys.ticket(second.scene)]);
    reads.length = 0;
    assert.equal((await here.current('uid-c'))?.scene, second.scene);
    assert.deepEqual(reads, [storeKeys.ticket(second.scene)]);
  });

  it('a finished ticket that is still the current one is read once', async () => {
    const { store, reads } = countingReads(new MemoryStore());
    const tickets = new Tickets(store, log, 60_000);
    const made = await tickets.replace(newTicket('uid-d'), undefined);
    await tickets.apply(made.scene, 'abort');
    reads.length = 0;
    assert.equal((await tickets.current('uid-d'))?.state, 'cancelled');
    assert.deepEqual(reads, [storeKeys.ticketOfInteraction('uid-d'), storeKeys.ticket(made.scene)]);
  });
});

describe('Tickets: the status poll of an interaction reads its ticket once', () => {
  const log = createLogger('silent');

  it('a live remembered ticket: one read, then the wait; news wakes it', async () => {
    const memory = new MemoryStore();
    const { store, reads } = countingReads(memory);
    const tickets = new Tickets(store, log, 60_000);
    await tickets.start();
    try {
      const made = await tickets.replace(newTicket('uid-p'), undefined);
      reads.length = 0;
      const waiting = tickets.waitForChangeOfInteraction('uid-p', 'pending', 10_000);
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(tickets.waiting, 1);
      assert.deepEqual(reads, [storeKeys.ticket(made.scene)]);
      await tickets.apply(made.scene, 'abort');
      assert.equal((await waiting).state, 'cancelled');
      assert.equal(tickets.waiting, 0);
    } finally {
      await tickets.stop();
    }
  });

  it('the interaction moved on to a new code in another process: the poll answers about the new one and waits on it', async () => {
    const memory = new MemoryStore();
    const here = new Tickets(memory, log, 60_000);
    const elsewhere = new Tickets(memory, log, 60_000);
    await here.start();
    try {
      const first = await here.replace(newTicket('uid-q'), undefined);
      await elsewhere.apply(first.scene, 'abort');
      const second = await elsewhere.replace(newTicket('uid-q'), first.scene);
      const waiting = here.waitForChangeOfInteraction('uid-q', 'pending', 10_000);
      await new Promise((resolve) => setTimeout(resolve, 20));
      assert.equal(here.waiting, 1);
      await elsewhere.apply(second.scene, 'abort');
      assert.equal((await waiting).state, 'cancelled');
      assert.equal(here.waiting, 0);
    } finally {
      await here.stop();
    }
  });

  it('a process whose clock is a little behind never waits on a code another process replaced once it expired there', async (t) => {
    const memory = new MemoryStore();
    const behind = new Tickets(memory, log, 60_000);
    const ahead = new Tickets(memory, log, 60_000);
    await behind.start();
    const realNow = Date.now.bind(Date);
    let offset = 0;
    t.mock.method(Date, 'now', () => realNow() + offset);
    try {
      const first = await behind.replace(newTicket('uid-s'), undefined);
      assert.equal((await behind.current('uid-s'))?.scene, first.scene, 'remembered as the live one');
      offset = first.expires_at - realNow() + 1000; // the process 2 s ahead: the code has expired, the page refreshes
      const second = await ahead.replace(newTicket('uid-s'), first.scene);
      offset = first.expires_at - realNow() - 1000; // the same moment on the one 2 s behind
      const waiting = behind.waitForChangeOfInteraction('uid-s', 'pending', 10_000);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await ahead.apply(second.scene, 'scan', { accountId: 'sub-s', openid: 'openid-s', tokenHash: 'hash-s' });
      assert.equal((await within(waiting, 5000)).state, 'scanned', 'the page sees the scan of the code it shows');
    } finally {
      await behind.stop();
    }
  });

  it('a change that lands between the read and the wait is not lost; no code at all is ticket_not_found', async () => {
    const memory = new MemoryStore();
    let changeAfterRead: string | undefined;
    const hooked = new Proxy(memory, {
      get(target, property) {
        if (property === 'get') {
          return async (key: string) => {
            const value = await target.get(key);
            const scene = changeAfterRead;
            changeAfterRead = undefined;
            if (scene) await writer.apply(scene, 'abort'); // published once the read is on its way back
            return value;
          };
        }
        const value = Reflect.get(target, property, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const writer = new Tickets(memory, log, 60_000);
    const reader = new Tickets(hooked, log, 60_000);
    await reader.start();
    try {
      const made = await reader.replace(newTicket('uid-r'), undefined);
      changeAfterRead = made.scene;
      const status = await within(reader.waitForChangeOfInteraction('uid-r', 'pending', 10_000), 2000);
      assert.equal(status.state, 'cancelled');
      await assert.rejects(reader.waitForChangeOfInteraction('uid-none', undefined, 10_000), { code: 'ticket_not_found' });
      assert.equal(reader.waiting, 0);
    } finally {
      await reader.stop();
    }
  });
});

describe('WeChatLinks: the login page asks the store about a refusal at most once in a while', () => {
  const individual = { generateUrlLink: async () => { throw new WeChatApiError('generate_urllink', 40002, 'individual'); } } as unknown as WeChat;
  const options = { kind: 'url_link' as const, appid: 'wxappid', page: 'pages/login/login', envVersion: 'release' as const, log: createLogger('silent') };

  it('"not refused" is kept a short while for page views; a tap asks afresh and spends no WeChat call once another process learned it', async () => {
    const memory = new MemoryStore();
    const { store, reads } = countingReads(memory);
    const here = new WeChatLinks(store, individual, options);
    const elsewhere = new WeChatLinks(memory, individual, options);
    assert.equal(await here.available(), true);
    assert.equal(await here.available(), true);
    assert.deepEqual(reads, [here.refusedKey]);
    // Another process's tap meets WeChat's refusal: it is in the store now.
    assert.equal(await elsewhere.link({ scene: 'elsewhere', expires_at: Date.now() + 180_000 } as LoginTicket), undefined);
    let asked = 0;
    const counting = new WeChatLinks(store, { generateUrlLink: async () => { asked += 1; return 'https://wxaurl.cn/x'; } } as unknown as WeChat, options);
    assert.equal(await counting.available(), false, 'a process that had not asked before sees it at once');
    // A tap here before the kept answer ends: the store is asked, WeChat is not, and the button goes.
    const tapper = new WeChatLinks(store, { generateUrlLink: async () => { asked += 1; return 'https://wxaurl.cn/x'; } } as unknown as WeChat, options);
    await memory.delete(here.refusedKey);
    assert.equal(await tapper.available(), true);
    await memory.set(here.refusedKey, '40002');
    assert.equal(await tapper.link({ scene: 'tap', expires_at: Date.now() + 180_000 } as LoginTicket), undefined);
    assert.equal(asked, 0);
    assert.equal(await tapper.available(), false);
  });
});

describe('MiniProgramCodes: one WeChat call per ticket, and few store commands for it', () => {
  const ticket = (scene: string) => ({ scene, expires_at: Date.now() + 180_000 }) as LoginTicket;
  /** A WeChat that draws a code after `delayMs`, counting the calls; `fail` makes the next one fail. */
  function drawing(delayMs = 0) {
    const wechat = {
      calls: 0,
      fail: false,
      async createCode(scene: string) {
        wechat.calls += 1;
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        if (wechat.fail) { wechat.fail = false; throw new Error('WeChat is down'); }
        return { contentType: 'image/png', image: Buffer.from(`code of ${scene}`) };
      },
    };
    return wechat;
  }
  /** The store with every command counted by name. */
  function countingCommands(store: Store): { store: Store; commands: string[] } {
    const commands: string[] = [];
    const counted = new Proxy(store, {
      get(target, property) {
        const value = Reflect.get(target, property, target) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => { commands.push(String(property)); return (value as (...a: unknown[]) => unknown).apply(target, args); };
      },
    });
    return { store: counted, commands };
  }

  it('the first fetch takes the right and keeps the image in two commands; a reload finds it in two more, without WeChat', async () => {
    const { store, commands } = countingCommands(new MemoryStore());
    const wechat = drawing();
    const codes = new MiniProgramCodes(store, wechat as unknown as WeChat);
    const first = await codes.image(ticket('s1'));
    assert.equal(first.image.toString(), 'code of s1');
    assert.deepEqual(commands, ['create', 'compareAndSet']);
    commands.length = 0;
    const again = await codes.image(ticket('s1'));
    assert.deepEqual([again.contentType, again.image.toString()], ['image/png', 'code of s1']);
    assert.deepEqual(commands, ['create', 'get']);
    assert.equal(wechat.calls, 1);
  });

  it('processes asking at once share one WeChat call; a holder that fails gives the right back', async () => {
    const store = new MemoryStore();
    const wechat = drawing(100);
    const [a, b] = [new MiniProgramCodes(store, wechat as unknown as WeChat), new MiniProgramCodes(store, wechat as unknown as WeChat)];
    const images = await Promise.all([a.image(ticket('s2')), b.image(ticket('s2')), a.image(ticket('s2'))]);
    assert.deepEqual(images.map((i) => i.image.toString()), ['code of s2', 'code of s2', 'code of s2']);
    assert.equal(wechat.calls, 1);
    wechat.fail = true;
    await assert.rejects(a.image(ticket('s3')), /WeChat is down/);
    assert.equal(await store.get(storeKeys.codeImage('s3')), undefined);
    assert.equal((await b.image(ticket('s3'))).image.toString(), 'code of s3');
    assert.equal(wechat.calls, 3);
  });

  it('a copy kept by an earlier version (JSON) is served; a damaged one is fetched again', async () => {
    const store = new MemoryStore();
    const wechat = drawing();
    const codes = new MiniProgramCodes(store, wechat as unknown as WeChat);
    await store.set(storeKeys.codeImage('old'), JSON.stringify({ contentType: 'image/jpeg', image: Buffer.from('old code').toString('base64') }));
    const old = await codes.image(ticket('old'));
    assert.deepEqual([old.contentType, old.image.toString()], ['image/jpeg', 'old code']);
    await store.set(storeKeys.codeImage('bad'), 'not an image');
    assert.equal((await codes.image(ticket('bad'))).image.toString(), 'code of bad');
    assert.equal(wechat.calls, 1);
    assert.match((await store.get(storeKeys.codeImage('bad')))!, /^data:image\/png;base64,/);
  });
});
