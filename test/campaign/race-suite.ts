import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../../src/store/store.ts';
import { signIn } from '../helpers/login.ts';
import { RP } from '../helpers/saoma.ts';
import {
  accountOf, authorizationCode, baseFor, mp, oneWinner, openLoginPage, pendingTicket, postComplete, raceWorld, redeemCode,
  resume, runTrials, scannedTicket, ticketState, token, wxLogin, type RaceWorld,
} from './races.ts';

/**
 * Trials per race, width and store. 200 keeps the whole campaign within about three minutes on a
 * 2-core machine (a trial costs ~15 ms of CPU on the memory store, ~30 ms on Redis, all in this one
 * process); CAMPAIGN_TRIALS=1000 runs the full campaign of issue 10 (~10 minutes), more to hunt.
 */
export const TRIALS = Number(process.env.CAMPAIGN_TRIALS ?? 200);
/** Trials run at once: enough to keep both cores busy, few enough that each race is a race. */
const CONCURRENCY = Number(process.env.CAMPAIGN_CONCURRENCY ?? 8);
const WIDTHS = [2, 10];

/**
 * Every race of a login with exactly one winner, `TRIALS` trials each, two-way and ten-way, on the
 * stores `makeStores` opens (one for a single process on the memory store, two connections to one
 * Redis for two processes). Racers are HTTP requests spread over the apps in turn.
 */
export function raceSuite(name: string, makeStores: () => Promise<Store[]>, cleanup?: () => Promise<void>): void {
  describe(`races with one winner: ${name}`, () => {
    let world: RaceWorld;
    let alice: string;
    before(async () => {
      world = await raceWorld(await makeStores());
      alice = await accountOf(world, 'alice');
    });
    after(async () => {
      await world?.close();
      await cleanup?.();
    });

    for (const width of WIDTHS) {
      it(`${width} WeChat users scan one code: one holds it, the others are told it is taken (${TRIALS} trials)`, async () => {
        await runTrials('scan', TRIALS, CONCURRENCY, async (trial) => {
          const scene = await pendingTicket(world);
          const codes = Array.from({ length: width }, (_, i) => wxLogin(world, `scanner-${i}`));
          const answers = await Promise.all(codes.map((code, i) => mp(baseFor(world, i, trial), 'scan', { scene, code })));
          const winner = oneWinner(answers, (a) => a.status === 200, { status: [409], error: ['ticket_already_scanned'] });
          if (winner.json.state !== 'scanned' || !winner.json.token) throw new Error(`the winner got ${JSON.stringify(winner.json)}`);
        });
      });

      it(`${width} confirms of one scan: one confirms, the others are told it is done (${TRIALS} trials)`, async () => {
        await runTrials('confirm', TRIALS, CONCURRENCY, async (trial) => {
          const { scene, token: scanToken } = await scannedTicket(world, alice);
          const answers = await Promise.all(Array.from({ length: width }, (_, i) => mp(baseFor(world, i, trial), 'confirm', { scene, token: scanToken })));
          oneWinner(answers, (a) => a.status === 200, { status: [409], error: ['ticket_already_confirmed'] });
          if ((await ticketState(world, scene)) !== 'confirmed') throw new Error('the ticket is not confirmed');
        });
      });

      it(`${width === 2 ? 'a confirm against a cancel' : `${width / 2} confirms against ${width / 2} cancels`}: one of them wins and the ticket says which (${TRIALS} trials)`, async () => {
        await runTrials('confirm vs cancel', TRIALS, CONCURRENCY, async (trial) => {
          const { scene, token: scanToken } = await scannedTicket(world, alice);
          const kinds = Array.from({ length: width }, (_, i) => ((i + trial) % 2 ? 'confirm' : 'cancel') as 'confirm' | 'cancel');
          const answers = await Promise.all(kinds.map((kind, i) => mp(baseFor(world, i, trial), kind, { scene, token: scanToken })));
          const winner = oneWinner(answers, (a) => a.status === 200, { status: [409, 410], error: ['ticket_already_confirmed', 'ticket_cancelled'] });
          const state = await ticketState(world, scene);
          if (state !== winner.json.state) throw new Error(`${winner.json.state} won but the ticket is ${state}`);
        });
      });

      it(`${width} completes of one confirmed login: the login finishes once and the website gets exactly one code (${TRIALS} trials)`, async () => {
        await runTrials('complete', TRIALS, CONCURRENCY, async (trial) => {
          const page = await openLoginPage(world);
          const { scene } = await scannedTicket(world, alice, page.uid);
          await world.apps[0]!.saoma.tickets.update(scene, (t) => ({ ...t, state: 'confirmed' }));
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
          if ((await ticketState(world, scene)) !== 'consumed') throw new Error('the ticket is not consumed');
          // Every browser tab that got a 303 follows it, at once: the website gets exactly one code.
          const landed = await Promise.all(onward.map((a, i) => resume(baseFor(world, i, trial), page, a.location!)));
          const codes = landed.filter((url) => url?.href.startsWith(RP.redirect_uri) && url.searchParams.get('code'));
          if (codes.length !== 1) throw new Error(`${codes.length} codes reached the website: ${landed.map((u) => u?.href ?? 'no redirect').join(', ')}`);
        });
      });

      it(`${width} redemptions of one authorization code: one gets tokens, the others invalid_grant (${TRIALS} trials)`, async () => {
        await runTrials('code redemption', TRIALS, CONCURRENCY, async (trial) => {
          const code = await authorizationCode(world, alice);
          const answers = await Promise.all(Array.from({ length: width }, (_, i) => redeemCode(baseFor(world, i, trial), code)));
          const winner = oneWinner(answers, (a) => a.status === 200, { status: [400], error: ['invalid_grant'] });
          if (!winner.json.id_token || !winner.json.access_token) throw new Error(`the winner got ${JSON.stringify(winner.json)}`);
        });
      });

      it(`${width} uses of one refresh token: one gets new tokens, the others invalid_grant (${TRIALS} trials)`, async () => {
        await runTrials('refresh reuse', TRIALS, CONCURRENCY, async (trial) => {
          const first = await redeemCode(world.bases[trial % world.bases.length]!, await authorizationCode(world, alice));
          if (first.status !== 200 || !first.json.refresh_token) throw new Error(`the code was not redeemed: ${first.status} ${JSON.stringify(first.json)}`);
          const answers = await Promise.all(Array.from({ length: width }, (_, i) => token(baseFor(world, i, trial), { grant_type: 'refresh_token', refresh_token: first.json.refresh_token })));
          const winner = oneWinner(answers, (a) => a.status === 200, { status: [400], error: ['invalid_grant'] });
          if (!winner.json.refresh_token || winner.json.refresh_token === first.json.refresh_token) throw new Error('the winner got no new refresh token');
        });
      });
    }

    it('after the races a whole login still works on every app', async () => {
      for (const app of world.apps) {
        const { claims } = await signIn({ ...app, issuer: world.bases[0]! }, 'after-the-races');
        assert.ok(claims.sub);
      }
    });
  });
}
