import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../src/log.ts';
import { MemoryStore } from '../src/store/memory.ts';
import { startSaoma, type RunningSaoma } from './helpers/saoma.ts';

/** Defect 10 of issue 10: HSTS, quiet client aborts, and a per-address connection cap. */

const base = (saoma: RunningSaoma) => `http://127.0.0.1:${saoma.config.port}`;

describe('HSTS on an https issuer', () => {
  const running: RunningSaoma[] = [];
  after(async () => {
    for (const saoma of running) await saoma.close();
  });
  const hstsOf = async (env: Record<string, string>) => {
    const saoma = await startSaoma(env);
    running.push(saoma);
    const answers = await Promise.all(['/healthz', '/interaction/nope', '/.well-known/openid-configuration'].map((path) => fetch(`${base(saoma)}${path}`)));
    for (const res of answers) await res.arrayBuffer();
    return answers.map((res) => res.headers.get('strict-transport-security'));
  };

  it('every answer of an https issuer carries Strict-Transport-Security, one year by default', async () => {
    assert.deepEqual(await hstsOf({ ISSUER: 'https://login.example' }), Array(3).fill('max-age=31536000'));
  });

  it('HSTS_MAX_AGE_SECONDS sets the max-age', async () => {
    assert.deepEqual(await hstsOf({ ISSUER: 'https://login.example', HSTS_MAX_AGE_SECONDS: '600' }), Array(3).fill('max-age=600'));
  });

  it('a plain-http issuer (development) sends none: browsers would ignore it, and it must not pin localhost', async () => {
    assert.deepEqual(await hstsOf({}), [null, null, null]);
  });
});

describe('a client that goes away mid-request', () => {
  let saoma: RunningSaoma;
  const lines: Array<Record<string, any>> = [];
  let wake: () => void = () => {};
  const stderr: string[] = [];
  const originalConsoleError = console.error;
  before(async () => {
    const sink = { write: (line: string) => { lines.push(JSON.parse(line)); wake(); } };
    saoma = await startSaoma({}, new MemoryStore(), createLogger('info', sink));
    // Koa's last-resort handler writes stacks with console.error.
    console.error = (...args: unknown[]) => void stderr.push(args.map(String).join(' '));
  });
  after(async () => {
    console.error = originalConsoleError;
    await saoma.close();
  });

  /** Resolves once a log line satisfies `match`, or after `ms` (then the assertions below say what is missing). */
  const logged = (match: (line: Record<string, any>) => boolean, ms = 3000) => new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    const check = () => {
      if (lines.some(match)) {
        clearTimeout(timer);
        resolve();
      }
    };
    wake = check;
    check();
  });

  /** Sends the headers and part of a body, then breaks the connection off. */
  async function abortMidBody(path: string, type: string): Promise<void> {
    const socket = connect(saoma.config.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    await new Promise((resolve) => socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: test\r\nContent-Type: ${type}\r\nContent-Length: 1000\r\n\r\n{"scene":"ab`, resolve));
    socket.destroy();
  }

  for (const [path, type] of [['/mp/scan', 'application/json'], ['/token', 'application/x-www-form-urlencoded'], ['/interaction/some-uid/complete', 'application/x-www-form-urlencoded']] as const) {
    it(`an aborted POST ${path} is logged at info, without a stack, not as an error`, async () => {
      lines.length = 0;
      stderr.length = 0;
      await abortMidBody(path, type);
      await logged((line) => line.msg === 'request' && line.path === path);
      await logged((line) => line.msg === 'client went away', 500);
      const errors = lines.filter((line) => line.level === 'error' || line.level === 'fatal' || line.level === 'warn');
      assert.deepEqual(errors.map((line) => line.msg), [], 'no error-level line for a client that went away');
      assert.deepEqual(stderr, [], 'no stack printed to stderr');
      assert.doesNotMatch(JSON.stringify(lines), /"stack"/);
    });
  }

  it('the abort of /mp/scan is recorded as such (info, "client went away")', async () => {
    lines.length = 0;
    await abortMidBody('/mp/scan', 'application/json');
    await logged((line) => line.msg === 'client went away');
    const went = lines.filter((line) => line.msg === 'client went away');
    assert.ok(went.length >= 1, JSON.stringify(lines));
    for (const line of went) {
      assert.equal(line.level, 'info');
      assert.equal(line.err, undefined);
    }
  });
});

describe('a per-address connection cap', () => {
  let saoma: RunningSaoma;
  const held: Socket[] = [];
  before(async () => {
    saoma = await startSaoma({ CONNECTIONS_PER_IP: '5' });
  });
  after(async () => {
    for (const socket of held) socket.destroy();
    await saoma.close();
  });

  /** One raw keep-alive connection from `from` that has had /healthz answered (so the server counts it). */
  async function openConnection(from: string): Promise<{ socket: Socket; answer: string }> {
    const socket = connect({ port: saoma.config.port, host: '127.0.0.1', localAddress: from });
    socket.on('error', () => {});
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk) => {
        text += chunk.toString();
        if (/\r\n\r\n[\s\S]*\}/.test(text)) resolve(text);
      });
      socket.once('close', () => resolve(text));
    });
    return { socket, answer };
  }

  const healthFrom = (from: string) => new Promise<number>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: saoma.config.port, path: '/healthz', localAddress: from, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end();
  });

  it('one address holding its cap is answered 429 on one more connection, while another address is served; a freed slot is usable again', async () => {
    for (let i = 0; i < 5; i++) {
      const { socket, answer } = await openConnection('127.0.0.1');
      assert.match(answer, /^HTTP\/1\.1 200/, `connection ${i + 1} of 5 is served`);
      held.push(socket);
    }
    const over = await openConnection('127.0.0.1');
    assert.match(over.answer, /^HTTP\/1\.1 429/, 'the sixth connection is refused');
    assert.match(over.answer, /"error":"rate_limited"/);
    assert.equal(await healthFrom('127.0.0.2'), 200, 'a health probe from elsewhere still answers');
    for (const socket of held) assert.equal(socket.destroyed, false, 'the five held connections are not disturbed');

    held.pop()!.destroy();
    const deadline = Date.now() + 3000;
    let again = '';
    while (Date.now() < deadline) {
      const attempt = await openConnection('127.0.0.1');
      again = attempt.answer;
      if (/^HTTP\/1\.1 200/.test(again)) {
        held.push(attempt.socket);
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.match(again, /^HTTP\/1\.1 200/, 'once one is closed, the address may open another');
  });
});
