import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { SaomaError } from '../../src/errors.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { toSaomaError, WeChatApiError } from '../../src/wechat/errors.ts';
import { clientFor, rejectionOf, startEmulator, type RunningEmulator } from './harness.ts';

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
  });
});
