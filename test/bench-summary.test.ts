import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summaryTable, verdict, type Measure } from '../bench/lib/summary.ts';

/**
 * `node bench/all.ts` ends in one table that says, per measure, whether saoma met its target against
 * the baseline of the same run. Nothing is timed here: the table is built from given figures, and
 * what it says about them must be right (a missed target says by how much).
 */
describe('the table of node bench/all.ts', () => {
  const roundTrips: Measure = { measure: 'Redis round trips per login', unit: 'round trips', saoma: 69, baseline: 46, target: { of: 'ratio', max: 1.3 } };

  it('says by how much a ratio target is missed', () => {
    // 69 / 46 = 1.5, against 1.3: 15 % over.
    assert.equal(verdict(roundTrips), 'missed by 15 %');
  });

  it('says met when the ratio is at or under the target', () => {
    assert.equal(verdict({ ...roundTrips, saoma: 59.8 }), 'met');
  });

  it('judges an absolute target on saoma alone, and a target of zero by the count over it', () => {
    assert.equal(verdict({ measure: 'memory per waiting page', unit: 'B', saoma: 15_486, baseline: 4_900, target: { of: 'saoma', max: 10_000 } }), 'missed by 55 %');
    assert.equal(verdict({ measure: 'store commands while pages wait', unit: 'commands', saoma: 0, baseline: 0, target: { of: 'saoma', max: 0 } }), 'met');
    assert.equal(verdict({ measure: 'store commands while pages wait', unit: 'commands', saoma: 3, baseline: 0, target: { of: 'saoma', max: 0 } }), 'missed by 3');
  });

  it('does not judge what it cannot: no baseline figure, or a reason given', () => {
    assert.equal(verdict({ ...roundTrips, baseline: 0 }), 'not judged: no figure');
    assert.equal(verdict({ ...roundTrips, notJudged: 'the baseline p99 is 14 ms' }), 'not judged: the baseline p99 is 14 ms');
    assert.equal(verdict({ measure: 'logins per second', unit: '/s', saoma: 40, baseline: 200 }), '–');
  });

  it('prints one row per measure: figures with units, the ratio, the target and the verdict', () => {
    const lines = summaryTable([roundTrips, { measure: 'p99 confirm → page', unit: 'ms', saoma: 12.345, baseline: 4.1, target: { of: 'saoma', max: 10 } }]).split('\n');
    assert.equal(lines.length, 4);
    assert.match(lines[0]!, /measure.*saoma.*baseline.*ratio.*target.*met\?/);
    assert.match(lines[2]!, /Redis round trips per login \| +69 round trips \| +46 round trips \| +1\.50 × \| +≤ 1\.3 × \| missed by 15 %/);
    assert.match(lines[3]!, /12\.3 ms \| +4\.10 ms \| +3\.01 × \| +≤ 10 ms \| missed by 23 %/);
  });
});
