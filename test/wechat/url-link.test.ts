import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SaomaError } from '../../src/errors.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { toSaomaError, WeChatApiError } from '../../src/wechat/errors.ts';
import { createLogger } from '../../src/log.ts';
import type { LoginTicket } from '../../src/login/ticket.ts';
import { WeChatLinks } from '../../src/login/wechat-links.ts';
import { APPID, clientFor, rejectionOf, startEmulator, type RunningEmulator } from './harness.ts';

describe('generateUrlLink: the link a phone browser opens the mini-program with', () => {
  let emulator: RunningEmulator;
  before(async () => {
    emulator = await startEmulator();
  });
  after(() => emulator.close());

  test('links to the configured page carrying the scene, as the mini-program receives it from a code', async () => {
    const link = await clientFor(emulator.base, new MemoryStore()).generateUrlLink('aZ9sceneOfTicket', Date.now() + 180_000);
    const url = new URL(link);
    assert.equal(url.origin, emulator.base);
    assert.equal(url.pathname, '/emulator');
    assert.equal(url.searchParams.get('scene'), 'aZ9sceneOfTicket');
  });

  test('an expiry sooner than WeChat accepts (one minute) is raised instead of refused', async () => {
    // The emulator answers 85401 for an expire_time under a minute ahead, as WeChat does.
    const link = await clientFor(emulator.base, new MemoryStore()).generateUrlLink('soon', Date.now() + 5_000);
    assert.equal(new URL(link).searchParams.get('scene'), 'soon');
  });

  test('refuses a scene WeChat would refuse before calling WeChat at all', async () => {
    const wechat = clientFor(emulator.base, new MemoryStore());
    const before = await emulator.calls();
    for (const scene of ['', 'x'.repeat(33), 'has space', '中文']) {
      const err = await rejectionOf(wechat.generateUrlLink(scene, Date.now() + 180_000));
      assert.ok(err instanceof SaomaError && err.code === 'invalid_request', `scene ${JSON.stringify(scene)}`);
    }
    assert.equal((await emulator.calls()).generate_urllink ?? 0, before.generate_urllink ?? 0);
  });

  test("WeChat's refusal is a WeChatApiError with its errcode (40002: no permission for this mini-program)", async () => {
    await emulator.fault({ api: 'generate_urllink', errcode: 40002, times: 1 });
    const err = await rejectionOf(clientFor(emulator.base, new MemoryStore()).generateUrlLink('refused', Date.now() + 180_000));
    assert.ok(err instanceof WeChatApiError);
    assert.equal(err.api, 'generate_urllink');
    assert.equal(err.errcode, 40002);
    assert.equal(toSaomaError(err).code, 'wechat_error');
    assert.match(toSaomaError(err).description, /WECHAT_OPEN_LINK=off/);
  });
});

describe('WeChatLinks: the "Open WeChat" button of one deployment', () => {
  let emulator: RunningEmulator;
  before(async () => {
    emulator = await startEmulator();
  });
  after(() => emulator.close());

  const ticket = (scene: string) => ({ scene, expires_at: Date.now() + 180_000 }) as LoginTicket;
  /** One process of the deployment: its own WeChat client and links, the deployment's store. */
  const processOn = (store: MemoryStore, lines: string[]) =>
    new WeChatLinks(store, clientFor(emulator.base, store), {
      kind: 'url_link', appid: APPID, page: 'pages/login/login', envVersion: 'release',
      log: createLogger('warn', { write: (line: string) => void lines.push(line) }),
    });

  test('an organisation gets links and keeps the button', async () => {
    await emulator.post('/emulator/settings', { account_type: 'organization' });
    const links = processOn(new MemoryStore(), []);
    assert.equal(await links.available(), true);
    assert.match((await links.link(ticket('orgScene')))!, /scene=orgScene/);
    assert.equal(await links.available(), true);
  });

  test('an individual account: the first refusal (40002) is remembered in the store, every process hides the button, and only one warning is logged', async () => {
    await emulator.post('/emulator/settings', { account_type: 'individual' });
    const store = new MemoryStore();
    const lines: string[] = [];
    const [a, b] = [processOn(store, lines), processOn(store, lines)];
    assert.equal(await a.available(), true, 'not known before WeChat has said so');
    const before = (await emulator.calls()).generate_urllink;
    // Two processes tapped at once: both fall back, neither fails.
    assert.deepEqual(await Promise.all([a.link(ticket('tapOnA')), b.link(ticket('tapOnB'))]), [undefined, undefined]);
    assert.equal(await a.available(), false);
    assert.equal(await b.available(), false);
    assert.equal(await processOn(store, lines).available(), false, 'a process started later knows it too');
    assert.equal(await store.get(a.refusedKey), '40002');
    assert.equal(await a.link(ticket('later')), undefined);
    assert.equal((await emulator.calls()).generate_urllink - before, 2, 'no call once it is known');
    const warnings = lines.map((line) => JSON.parse(line)).filter((line) => line.event === 'wechat_link.refused');
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0].setting, 'WECHAT_OPEN_LINK=off');
    await emulator.post('/emulator/settings', { account_type: 'organization' });
  });

  test('any other failure is no refusal: it fails the tap and the button stays', async () => {
    const store = new MemoryStore();
    const links = processOn(store, []);
    await emulator.fault({ api: 'generate_urllink', errcode: -1 });
    const err = await rejectionOf(links.link(ticket('busy')));
    assert.ok(err instanceof WeChatApiError && err.errcode === -1);
    assert.equal(await links.available(), true);
  });

  test('the plaintext scheme and "off" never ask WeChat', async () => {
    const store = new MemoryStore();
    const log = createLogger('silent');
    const scheme = new WeChatLinks(store, clientFor(emulator.base, store), { kind: 'scheme', appid: APPID, page: 'pages/login/login', envVersion: 'release', log });
    const off = new WeChatLinks(store, clientFor(emulator.base, store), { kind: 'off', appid: APPID, page: 'pages/login/login', envVersion: 'release', log });
    assert.deepEqual([await scheme.available(), await off.available()], [true, false]);
    assert.match((await scheme.link(ticket('plain')))!, /^weixin:\/\/dl\/business\/\?appid=/);
  });
});
