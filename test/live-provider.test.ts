import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Provider, { type JWK } from 'oidc-provider';
import { createLogger } from '../src/log.ts';
import { SigningKeys } from '../src/oidc/keys.ts';
import { LiveProvider } from '../src/oidc/live-provider.ts';
import { MemoryStore } from '../src/store/memory.ts';

const log = createLogger('silent');
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'priv', 'k'];

/**
 * The provider swap behind a key change (src/oidc/live-provider.ts): new keys are served by a new
 * oidc-provider instance, a request already inside the old one finishes there, and what saoma
 * hangs on a provider (middleware, listeners) is on the new one too.
 */
describe('the live provider', () => {
  let server: Server;
  let base: string;
  let live: LiveProvider;
  let keys: SigningKeys;
  let built = 0;
  const gate = Promise.withResolvers<void>();
  const entered = Promise.withResolvers<void>();

  before(async () => {
    keys = await SigningKeys.open(new MemoryStore(), log, { activationDelayMs: 0, retentionMs: 60_000 });
    const build = (jwks: JWK[]) => {
      const generation = ++built;
      const provider = new Provider('http://127.0.0.1', { jwks: { keys: jwks } });
      // Stands for saoma's routes: answers which instance served it, once the test lets it.
      provider.use(async (ctx, next) => {
        if (ctx.path !== '/which') return next();
        entered.resolve();
        await gate.promise;
        ctx.body = String(generation);
      });
      return provider;
    };
    live = new LiveProvider(build, keys.current(), log);
    server = createServer(live.handler);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  it('serves a new key set at /jwks with public members only, and a request already inside the old provider finishes there', async () => {
    const jwks = async () => ((await (await fetch(`${base}/jwks`)).json()) as { keys: Array<Record<string, unknown>> }).keys;
    const before = await jwks();
    const inFlight = fetch(`${base}/which`).then((res) => res.text());
    await entered.promise;
    await keys.rotate(0);
    live.install(keys.current());
    const after = await jwks();
    assert.equal(after.length, before.length * 2, 'the new keys are published beside the old');
    for (const key of after) assert.deepEqual(PRIVATE_MEMBERS.filter((m) => m in key), [], `no private member in ${String(key.kid)}`);
    const next = fetch(`${base}/which`).then((res) => res.text());
    gate.resolve();
    assert.equal(await inFlight, '1', 'the request in flight finished on the old provider');
    assert.equal(await next, '2', 'the next request reached the new one');
  });

  it('keeps listeners added through it on every provider built afterwards', () => {
    const heard: string[] = [];
    live.on('saoma.test', (what: string) => heard.push(what));
    live.install(keys.current());
    (live.current as unknown as NodeJS.EventEmitter).emit('saoma.test', 'after a key change');
    assert.deepEqual(heard, ['after a key change']);
  });

  it('keeps serving the keys in hand when oidc-provider refuses the new set', async () => {
    const serving = live.current;
    const publicOnly = keys.current().map(({ kid, kty, n, e, crv, x, y, alg, use }) => ({ kid, kty, n, e, crv, x, y, alg, use }) as JWK);
    live.install(publicOnly);
    assert.equal(live.current, serving);
    assert.equal((await fetch(`${base}/jwks`)).status, 200);
  });
});
