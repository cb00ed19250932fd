import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Browser, type Answer } from './helpers/browser.ts';
import { fetchScene, scan, startLogin, type StartedLogin } from './helpers/login.ts';
import { startSaoma, type RunningSaoma } from './helpers/saoma.ts';

/**
 * Issue 10, "bounded waiting": one waiting status poll per login page (a newer one answers the
 * older at once) and a cap on waiting polls per client address (429 `rate_limited`, nobody else
 * disturbed). Client addresses are given by a trusted proxy (TRUST_PROXY=true, X-Forwarded-For).
 */
describe('bounded waiting', () => {
  let saoma: RunningSaoma;
  before(async () => {
    saoma = await startSaoma({ TRUST_PROXY: 'true', STATUS_POLLS_PER_IP: '3', STATUS_WAIT_SECONDS: '30' });
  });
  after(() => saoma.close());

  /** A browser behind the proxy at client address `ip`. */
  const browserAt = (ip: string) => {
    const browser = new Browser();
    const original = browser.request.bind(browser);
    browser.request = (url, init = {}) => original(url, { ...init, headers: { 'x-forwarded-for': ip, ...init.headers } });
    return browser;
  };
  const poll = (login: StartedLogin, known: string) => login.browser.request(`${saoma.issuer}/interaction/${login.uid}/status?state=${known}`);
  /** Resolves once this process holds `n` waiting polls (there is no event to await). */
  const waitingIs = async (n: number) => {
    const deadline = Date.now() + 5000;
    while (saoma.saoma.tickets.waiting !== n && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(saoma.saoma.tickets.waiting, n, 'waiting polls in the process');
  };
  /** `promise`'s answer, or 'still waiting' if it has none within `ms`. */
  const within = <T>(promise: Promise<T>, ms: number) => Promise.race([promise, new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), ms))]);

  it('a newer status poll of the same login page answers the older one at once, with the current state', async () => {
    const login = await startLogin(saoma, { browser: browserAt('198.51.100.10') });
    const older = poll(login, 'pending');
    await waitingIs(1);
    const newer = poll(login, 'pending');
    const first = await within(older, 3000);
    assert.notEqual(first, 'still waiting', 'the older poll was answered when the newer one came');
    assert.equal((first as Answer).status, 200);
    assert.deepEqual({ state: (first as Answer).json.state, superseded: (first as Answer).json.superseded }, { state: 'pending', superseded: true });
    await waitingIs(1);
    // The newer one is the page's wait now: the scan reaches it.
    assert.equal((await scan(saoma, await fetchScene(saoma, login), 'una')).status, 200);
    const woken = await newer;
    assert.equal(woken.json.state, 'scanned');
    assert.equal(woken.json.superseded, undefined);
  });

  it('one address may hold STATUS_POLLS_PER_IP waiting polls; one more is refused with 429 rate_limited, and nobody else is disturbed', async () => {
    const crowd = '198.51.100.20';
    const logins = await Promise.all([0, 1, 2, 3].map(() => startLogin(saoma, { browser: browserAt(crowd) })));
    const waiting = logins.slice(0, 3).map((login) => poll(login, 'pending'));
    await waitingIs(3);

    const refused = await poll(logins[3]!, 'pending');
    assert.equal(refused.status, 429);
    assert.equal(refused.json.error, 'rate_limited');
    await waitingIs(3);

    // The same page polling again replaces its own wait: it is not one more.
    const again = poll(logins[0]!, 'pending');
    assert.equal(((await within(waiting[0]!, 3000)) as Answer).json?.superseded, true);
    await waitingIs(3);

    // Someone else, at another address, waits as usual; and a scan still reaches the crowd's pages.
    const other = await startLogin(saoma, { browser: browserAt('198.51.100.21') });
    const otherPoll = poll(other, 'pending');
    await waitingIs(4);
    assert.equal((await scan(saoma, await fetchScene(saoma, logins[1]!), 'vera')).status, 200);
    assert.equal((await waiting[1]!).json.state, 'scanned');
    await waitingIs(3);

    // A place is free again: the refused page may wait now.
    const later = poll(logins[3]!, 'pending');
    await waitingIs(4);
    for (const [login, pending] of [[logins[0]!, again], [logins[2]!, waiting[2]!], [logins[3]!, later], [other, otherPoll]] as const) {
      assert.equal((await scan(saoma, await fetchScene(saoma, login), `w${login.uid.slice(0, 4)}`)).status, 200);
      assert.equal((await pending).json.state, 'scanned');
    }
    await waitingIs(0);
  });
});
