import assert from 'node:assert/strict';
import { afterEach, describe, it, mock } from 'node:test';
import { Avatars, sniffImageType } from '../../src/login/avatars.ts';
import { Accounts } from '../../src/oidc/accounts.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { JPEG, PNG, WEBP } from './images.ts';

describe('avatar storage', () => {
  afterEach(() => mock.timers.reset());

  it('tells JPEG, PNG and WebP by their first bytes, and nothing else', () => {
    assert.equal(sniffImageType(JPEG), 'image/jpeg');
    assert.equal(sniffImageType(PNG), 'image/png');
    assert.equal(sniffImageType(WEBP), 'image/webp');
    for (const text of ['GIF89a', '<svg/>', 'RIFF0000WAVE', '', '\xff\xd8']) {
      assert.equal(sniffImageType(new TextEncoder().encode(text)), undefined, text);
    }
  });

  it('per person: keeps the current picture and the last hour\'s uploads, drops older unused ones at the next upload', async () => {
    mock.timers.enable({ apis: ['Date'], now: Date.parse('2026-01-01T00:00:00Z') });
    const store = new MemoryStore();
    const accounts = new Accounts(store);
    const avatars = new Avatars(store, accounts, 'https://login.example/');
    const { sub } = await accounts.resolve({ appid: 'wxapp', openid: 'o-1' });
    const { sub: other } = await accounts.resolve({ appid: 'wxapp', openid: 'o-2' });
    const idOf = (url: string) => url.split('/').pop()!;

    const current = await avatars.save(sub, 'image/png', PNG);
    assert.match(current, /^https:\/\/login\.example\/mp\/avatar\/[A-Za-z0-9_-]{24}$/);
    await accounts.update(sub, { picture: current });
    const unused = await avatars.save(sub, 'image/jpeg', JPEG);
    const othersPicture = await avatars.save(other, 'image/png', PNG);

    mock.timers.tick(30 * 60_000);
    const recent = await avatars.save(sub, 'image/png', PNG);
    assert.ok(await avatars.find(idOf(unused)), 'half an hour old: its login may still be confirming');

    mock.timers.tick(45 * 60_000);
    const latest = await avatars.save(sub, 'image/webp', WEBP);
    assert.equal(await avatars.find(idOf(unused)), undefined, 'over an hour old and never the picture: gone');
    assert.deepEqual(await avatars.find(idOf(current)), { type: 'image/png', bytes: Buffer.from(PNG) }, 'the current picture stays');
    assert.ok(await avatars.find(idOf(recent)));
    assert.deepEqual(await avatars.find(idOf(latest)), { type: 'image/webp', bytes: Buffer.from(WEBP) });
    assert.ok(await avatars.find(idOf(othersPicture)), 'another person\'s uploads are not touched');
    assert.equal((await store.indexMembers(`avatars:${sub}`)).length, 3);
  });

  it('an id that is not one of ours is not looked up', async () => {
    const store = new MemoryStore();
    await store.set('avatar:../x', JSON.stringify({ type: 'image/png', data: '' }));
    const avatars = new Avatars(store, new Accounts(store), 'https://login.example');
    assert.equal(await avatars.find('../x'), undefined);
  });
});
