import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { MemoryStore } from '../../src/store/memory.ts';
import { ACCESS_TOKEN_KEY } from '../../src/wechat/access-token.ts';
import { toSaomaError } from '../../src/wechat/errors.ts';
import { clientFor, rejectionOf } from './harness.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46]);

/**
 * WeChat has answered with wrong content-types and odd shapes before; a scripted server plays
 * those answers, one handler per path.
 */
describe('the client reads what WeChat sends, not what it labels', () => {
  const handlers = new Map<string, Handler>();
  const server = createServer((req, res) => {
    const handler = handlers.get(new URL(req.url ?? '/', 'http://x').pathname);
    if (handler) return handler(req, res);
    res.statusCode = 404;
    res.end();
  });
  let base: string;
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const answer = (type: string, body: string | Buffer, status = 200): Handler => (_req, res) => {
    res.writeHead(status, { 'content-type': type });
    res.end(body);
  };
  const tokenAnswer = (expiresIn: number) => answer('application/json', JSON.stringify({ access_token: 'tok', expires_in: expiresIn }));

  test('a JPEG labelled application/json is an image', async () => {
    handlers.set('/cgi-bin/stable_token', tokenAnswer(7200));
    handlers.set('/wxa/getwxacodeunlimit', answer('application/json', JPEG));
    const { image, contentType } = await clientFor(base, new MemoryStore()).createCode('s');
    assert.equal(contentType, 'image/jpeg');
    assert.deepEqual(image, JPEG);
  });

  test('a JSON error labelled image/jpeg is an error', async () => {
    handlers.set('/cgi-bin/stable_token', tokenAnswer(7200));
    handlers.set('/wxa/getwxacodeunlimit', answer('image/jpeg', JSON.stringify({ errcode: 45009, errmsg: 'reach max api minute quota' })));
    const err = toSaomaError(await rejectionOf(clientFor(base, new MemoryStore()).createCode('s')));
    assert.deepEqual([err.code, err.errcode], ['rate_limited', 45009]);
  });

  test('an answer that is neither image nor JSON is bad_response (502)', async () => {
    handlers.set('/cgi-bin/stable_token', tokenAnswer(7200));
    handlers.set('/wxa/getwxacodeunlimit', answer('text/html', '<html>gateway error</html>', 502));
    const err = toSaomaError(await rejectionOf(clientFor(base, new MemoryStore()).createCode('s')));
    assert.deepEqual([err.code, err.status, err.errcode], ['wechat_error', 502, 'bad_response']);
  });

  test('a session answer without an openid is bad_response', async () => {
    handlers.set('/sns/jscode2session', answer('text/plain', JSON.stringify({ session_key: 'k' })));
    const err = toSaomaError(await rejectionOf(clientFor(base, new MemoryStore()).exchangeCode('c')));
    assert.deepEqual([err.code, err.errcode], ['wechat_error', 'bad_response']);
  });

  test('a numeric countryCode is read as a string, and the number leaves as E.164', async () => {
    handlers.set('/cgi-bin/stable_token', tokenAnswer(7200));
    handlers.set('/wxa/business/getuserphonenumber', answer('application/json', JSON.stringify({
      errcode: 0, errmsg: 'ok', phone_info: { phoneNumber: '+1 2025550100', purePhoneNumber: '2025550100', countryCode: 1 },
    })));
    assert.deepEqual(await clientFor(base, new MemoryStore()).phoneNumber('p'), { phoneNumber: '+1 2025550100', purePhoneNumber: '2025550100', countryCode: '1', e164: '+12025550100' });
  });

  test('a phone answer whose parts do not make an E.164 number is bad_response, never a malformed claim', async () => {
    handlers.set('/cgi-bin/stable_token', tokenAnswer(7200));
    for (const info of [{ countryCode: '86', purePhoneNumber: '138-0013-8000' }, { countryCode: '0', purePhoneNumber: '13800138000' }, { countryCode: '86', purePhoneNumber: '1'.repeat(15) }]) {
      handlers.set('/wxa/business/getuserphonenumber', answer('application/json', JSON.stringify({ errcode: 0, errmsg: 'ok', phone_info: { phoneNumber: info.purePhoneNumber, ...info } })));
      const err = toSaomaError(await rejectionOf(clientFor(base, new MemoryStore()).phoneNumber('p')));
      assert.deepEqual([err.code, err.errcode], ['wechat_error', 'bad_response'], JSON.stringify(info));
    }
  });

  test('a token with little time left is still cached for at least a minute', async () => {
    handlers.set('/cgi-bin/stable_token', tokenAnswer(300));
    handlers.set('/wxa/getwxacodeunlimit', answer('image/png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a])));
    const store = new MemoryStore();
    const set = store.set.bind(store);
    let ttl: number | undefined;
    store.set = async (key, value, ttlMs) => {
      if (key === ACCESS_TOKEN_KEY) ttl = ttlMs;
      return set(key, value, ttlMs);
    };
    await clientFor(base, store).createCode('s');
    assert.equal(ttl, 60_000);
  });

  test('the stable_token request is JSON in normal mode', async () => {
    let seen: { type: string | undefined; body: unknown } | undefined;
    handlers.set('/cgi-bin/stable_token', (req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        seen = { type: req.headers['content-type'], body: JSON.parse(body) };
        tokenAnswer(7200)(req, res);
      });
    });
    handlers.set('/wxa/getwxacodeunlimit', answer('image/png', Buffer.from([0x89, 0x50, 0x4e, 0x47])));
    await clientFor(base, new MemoryStore(), { appid: 'wxabc', secret: 'shh' }).createCode('s');
    assert.deepEqual(seen, { type: 'application/json', body: { grant_type: 'client_credential', appid: 'wxabc', secret: 'shh', force_refresh: false } });
  });
});
