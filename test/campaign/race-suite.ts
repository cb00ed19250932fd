import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RP } from '../helpers/saoma.ts';
import type { AppOptions } from './race-app.ts';
import { baseFor, mp, oneWinner, openLoginPage, postComplete, raceWorld, redeemCode, resume, runTrials, token, type RaceWorld } from './races.ts';

/**
 * Trials per race, width and store: 1,000 by default, the full campaign of issue 10; more to hunt,
 * fewer for a quick look. A trial costs about a millisecond of CPU per HTTP request it makes,
 * shared between the apps' threads and this one (test/campaign/README.md has the figures).
 */
export const TRIALS = Number(process.env.CAMPAIGN_TRIALS ?? 1000);
/** Trials run at once: enough to keep this thread and the apps' threads busy, few enough that each race is a race. */
const CONCURRENCY = Number(process.env.CAMPAIGN_CONCURRENCY ?? 8);
const WIDTHS = [2, 10];

/**
 * Every race of a login with exactly one winner, `TRIALS` trials each, two-way and ten-way, on
 * `count` apps over the store `makeStore` names (one app on the memory store; two on one Redis,
 * each with its own connections and thread, as two processes). Racers are HTTP requests spread
 * over the apps in turn; one world serves every trial of the file.
 */
export function raceSuite(name: string, count: number, makeStore: () => Promise<AppOptions['store']>, cleanup?: () => Promise<void>): void {
  describe(`races with one winner: ${name}`, () => {
    let world: RaceWorld;
    let alice: string;
    before(async () => {
      world = await raceWorld(await makeStore(), count);
      alice = await world.setup.account('alice');
    });
    after(async () => {
      await world?.close();
      await cleanup?.();
    });

    for (const width of WIDTHS) {
      it(`${width} WeChat users scan one code: one holds it, the others are told it is taken (${TRIALS} trials)`, async () => {
        await runTrials('scan', TRIALS, CONCURRENCY, async (trial) => {
          const { scene, codes } = await world.setup.scan(Array.from({ length: width }, (_, i) => `scanner-${i}`));
          const answers = await Promise.all(codes.map((code, i) => mp(baseFor(world, i, trial), 'scan', { scene, code })));
          const winner = oneWinner(answers, (a) => a.status === 200, { status: [409], error: ['ticket_already_scanned'] });
          if (winner.json.state !== 'scanned' || !winner.json.token) throw new Error(`the winner got ${JSON.stringify(winner.json)}`);
        });
      });

      it(`${width} confirms of one scan: one confirms, the others are told it is done (${TRIALS} trials)`, async () => {
        await runTrials('confirm', TRIALS, CONCURRENCY, async (trial) => {
          const { scene, token: scanToken } = await world.setup.scanned(alice);
          const answers = await Promise.all(Array.from({ length: width }, (_, i) => mp(baseFor(world, i, trial), 'confirm', { scene, token: scanToken })));
          oneWinner(answers, (a) => a.status === 200, { status: [409], error: ['ticket_already_confirmed'] });
          if ((await world.setup.ticketState(scene)) !== 'confirmed') throw new Error('the ticket is not confirmed');
        });
      });

      it(`${width === 2 ? 'a confirm against a cancel' : `${width / 2} confirms against ${width / 2} cancels`}: one of them wins and the ticket says which (${TRIALS} trials)`, async () => {
        await runTrials('confirm vs cancel', TRIALS, CONCURRENCY, async (trial) => {
          const { scene, token: scanToken } = await world.setup.scanned(alice);
          const kinds = Array.from({ length: width }, (_, i) => ((i + trial) % 2 ? 'confirm' : 'cancel') as 'confirm' | 'cancel');
          const answers = await Promise.all(kinds.map((kind, i) => mp(baseFor(world, i, trial), kind, { scene, token: scanToken })));
          const winner = oneWinner(answers, (a) => a.status === 200, { status: [409, 410], error: ['ticket_already_confirmed', 'ticket_cancelled'] });
          const state = await world.setup.ticketState(scene);
          if (state !== winner.json.state) throw new Error(`${winner.json.state} won but the ticket is ${state}`);
        });
      });

      it(`${width} completes of one confirmed login: the login finishes once and the website gets exactly one code (${TRIALS} trials)`, async () => {
        await runTrials('complete', TRIALS, CONCURRENCY, async (trial) => {
          const page = await openLoginPage(world);
          const { scene } = await world.setup.scanned(alice, page.uid, true);
          const answers = await Promise.all(Array.from({ length: width }, (_, i) => postComplete(baseFor(world, i, trial), page)));
          // One /complete consumes the ticket. Another is refused (ticket_consumed) or, when the
          // first had already finished, answered as the retry of a lost answer: onto the same login.
          const onward = answers.filter((a) => a.status === 303);
          const summary = answers.map((a) => a.status).join(', ');
          if (onward.length === 0) throw new Error(`nobody finished the login: ${summary}`);
          if (new Set(onward.map((a) => a.location)).size !== 1) throw new Error(`the 303s lead to different logins: ${summary}`);
          for (const refused of answers.filter((a) => a.status !== 303)) {
            if (refused.status !== 410 || !refused.text.includes('data-code="ticket_consumed"')) throw new Error(`a loser answered ${refused.status}: ${refused.text.slice(0, 200)}`);
          }
          if ((await world.setup.ticketState(scene)) !== 'consumed') throw new Error('the ticket is not consumed');
          // Every browser tab that got a 303 follows it, at once: the website gets exactly one code.
          const landed = await Promise.all(onward.map((a, i) => resume(baseFor(world, i, trial), page, a.location!)));
          const codes = landed.filter((url) => url?.href.startsWith(RP.redirect_uri) && url.searchParams.get('code'));
          if (codes.length !== 1) throw new Error(`${codes.length} codes reached the website: ${landed.map((u) => u?.href ?? 'no redirect').join(', ')}`);
        });
      });

      it(`${width} redemptions of one authorization code: one gets tokens, the others invalid_grant (${TRIALS} trials)`, async () => {
        await runTrials('code redemption', TRIALS, CONCURRENCY, async (trial) => {
          const code = await world.setup.authorizationCode(alice);
          const answers = await Promise.all(Array.from({ length: width }, (_, i) => redeemCode(baseFor(world, i, trial), code)));
          const winner = oneWinner(answers, (a) => a.status === 200, { status: [400], error: ['invalid_grant'] });
          if (!winner.json.id_token || !winner.json.access_token) throw new Error(`the winner got ${JSON.stringify(winner.json)}`);
        });
      });

      it(`${width} uses of one refresh token: one gets new tokens, the others invalid_grant (${TRIALS} trials)`, async () => {
        await runTrials('refresh reuse', TRIALS, CONCURRENCY, async (trial) => {
          const first = await redeemCode(world.bases[trial % world.bases.length]!, await world.setup.authorizationCode(alice));
          if (first.status !== 200 || !first.json.refresh_token) throw new Error(`the code was not redeemed: ${first.status} ${JSON.stringify(first.json)}`);
          const answers = await Promise.all(Array.from({ length: width }, (_, i) => token(baseFor(world, i, trial), { grant_type: 'refresh_token', refresh_token: first.json.refresh_token })));
          const winner = oneWinner(answers, (a) => a.status === 200, { status: [400], error: ['invalid_grant'] });
          if (!winner.json.refresh_token || winner.json.refresh_token === first.json.refresh_token) throw new Error('the winner got no new refresh token');
        });
      });
    }

    it('after the races a whole login still works on every app', async () => {
      for (const app of world.apps) assert.ok(await app.signIn('after-the-races'));
    });
  });
}
