import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../src/log.ts';
import { MemoryStore } from '../src/store/memory.ts';
import { BrowserAt } from './helpers/browser.ts';
import { complete, fetchScene, startLogin } from './helpers/login.ts';
import { startSaoma, type RunningSaoma } from './helpers/saoma.ts';

// saoma runs behind one trusted proxy (TRUST_PROXY=true), which writes the client's address into
// X-Forwarded-For: the browser and the phone each come from an address the test chooses.
const BROWSER_IP = '223.5.5.5'; // 浙江省 杭州市, 阿里云
const FAR_PHONE_IP = '202.96.128.86'; // 广东省 广州市, 电信
const NEAR_PHONE_IP = '223.5.5.77'; // the same /24 as the browser


/** What the mini-program does, from a phone at `ip`. */
async function mpFrom(saoma: RunningSaoma, ip: string, path: 'scan' | 'confirm' | 'cancel', body: unknown, language = 'zh-CN'): Promise<{ status: number; json: any }> {
  const res = await fetch(`${saoma.issuer}/mp/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': ip, 'accept-language': language },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

describe('the confirm screen says where the sign-in comes from, and warns when it is another network than the phone\'s', () => {
  let saoma: RunningSaoma;
  const lines: string[] = [];
  before(async () => {
    const sink = new Writable({ write(chunk, _enc, done) { lines.push(String(chunk)); done(); } });
    saoma = await startSaoma({ TRUST_PROXY: 'true' }, new MemoryStore(), createLogger('info', sink));
  });
  after(() => saoma.close());

  const auditLines = (event: string) => lines.map((line) => JSON.parse(line)).filter((line) => line.audit && line.event === event);

  it('a code relayed to a phone on another network: the scan answer names the browser\'s region and network and warns, in the phone\'s language', async () => {
    const login = await startLogin(saoma, { browser: new BrowserAt(BROWSER_IP) });
    const scene = await fetchScene(saoma, login);
    const scanned = await mpFrom(saoma, FAR_PHONE_IP, 'scan', { scene, code: await saoma.wxLogin('victim') }, 'en');
    assert.equal(scanned.status, 200, JSON.stringify(scanned.json));
    assert.equal(scanned.json.requester.ip, BROWSER_IP, 'the contract\'s fields are all still there');
    assert.match(scanned.json.requester.browser, /^Chrome/);
    assert.equal(scanned.json.requester.region, '浙江省 杭州市');
    assert.equal(scanned.json.requester.network, '阿里云');
    assert.equal(scanned.json.requester.same_network, 'different');
    assert.deepEqual(scanned.json.warning, {
      code: 'different_network',
      message: 'This sign-in was started on another network than your phone. Confirm only if that is you.',
    });

    const again = await mpFrom(saoma, FAR_PHONE_IP, 'scan', { scene, code: await saoma.wxLogin('victim') }, 'zh-CN');
    assert.equal(again.json.warning.message, '这次登录是在与你手机不同的网络上发起的。只有确定是你本人时才确认。');
  });

  it('the audit lines of the scan and the confirm record both networks, and the browser\'s address nowhere in the log', async () => {
    lines.length = 0;
    const login = await startLogin(saoma, { browser: new BrowserAt(BROWSER_IP) });
    const scene = await fetchScene(saoma, login);
    const scanned = await mpFrom(saoma, FAR_PHONE_IP, 'scan', { scene, code: await saoma.wxLogin('victim') });
    assert.equal(scanned.status, 200);
    const confirmed = await mpFrom(saoma, FAR_PHONE_IP, 'confirm', { scene, token: scanned.json.token });
    assert.equal(confirmed.status, 200);
    await complete(saoma, login);

    for (const event of ['ticket.scanned', 'ticket.confirmed']) {
      const [line, ...more] = auditLines(event);
      assert.ok(line, `an audit line for ${event}`);
      assert.equal(more.length, 0);
      assert.equal(line.ip, FAR_PHONE_IP, 'the phone\'s address, as every audit line carries its actor\'s');
      assert.deepEqual(line.browser_network, { region: '浙江省 杭州市', network: '阿里云', private: false });
      assert.deepEqual(line.phone_network, { region: '广东省 广州市', network: '电信', private: false });
      assert.equal(line.same_network, 'different');
    }
    assert.equal(lines.join('').includes(BROWSER_IP), false, 'the browser\'s address is in no log line');
  });

  it('a phone on the browser\'s own network gets no warning, and the login completes as before', async () => {
    const login = await startLogin(saoma, { browser: new BrowserAt(BROWSER_IP) });
    const scene = await fetchScene(saoma, login);
    const scanned = await mpFrom(saoma, NEAR_PHONE_IP, 'scan', { scene, code: await saoma.wxLogin('alice') });
    assert.equal(scanned.status, 200);
    assert.equal(scanned.json.requester.same_network, 'same');
    assert.equal(scanned.json.requester.region, '浙江省 杭州市');
    assert.equal('warning' in scanned.json, false);
    assert.equal((await mpFrom(saoma, NEAR_PHONE_IP, 'confirm', { scene, token: scanned.json.token })).status, 200);
    const callback = await complete(saoma, login);
    assert.ok(callback.searchParams.get('code'));
  });

  it('a browser at an address the database knows nothing about reads "unknown", without a warning', async () => {
    const login = await startLogin(saoma, { browser: new BrowserAt('240.0.0.1') });
    const scene = await fetchScene(saoma, login);
    const scanned = await mpFrom(saoma, FAR_PHONE_IP, 'scan', { scene, code: await saoma.wxLogin('bob') }, 'en');
    assert.equal(scanned.status, 200, JSON.stringify(scanned.json));
    assert.equal(scanned.json.requester.same_network, 'unknown');
    assert.equal(scanned.json.requester.region, 'unknown');
    assert.equal(scanned.json.requester.network, 'unknown');
    assert.equal('warning' in scanned.json, false);
  });
});

describe('without a proxy, a browser and a phone on this machine are one network', () => {
  let saoma: RunningSaoma;
  before(async () => {
    saoma = await startSaoma();
  });
  after(() => saoma.close());

  it('loopback on both sides: the server\'s own computer, the same network, no warning', async () => {
    const login = await startLogin(saoma);
    const scene = await fetchScene(saoma, login);
    const scanned = await mpFrom(saoma, FAR_PHONE_IP, 'scan', { scene, code: await saoma.wxLogin('carol') }, 'en');
    assert.equal(scanned.status, 200);
    assert.equal(scanned.json.requester.region, 'This server\'s own computer', 'X-Forwarded-For is ignored without TRUST_PROXY');
    assert.equal(scanned.json.requester.same_network, 'same');
    assert.equal('warning' in scanned.json, false);
  });
});
