import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MarksThisSecond } from '../../src/accounts/usage.ts';

describe('usage marks written this second', () => {
  it('knows a mark written with this second, and forgets every mark when the second changes', () => {
    const marks = new MarksThisSecond();
    assert.equal(marks.has('account-used:a:rp', '100'), false);
    marks.add('account-used:a:rp', '100');
    assert.equal(marks.has('account-used:a:rp', '100'), true, 'the /token right after the authorization writes nothing');
    assert.equal(marks.has('account-signed-in:a', '100'), false);
    assert.equal(marks.has('account-used:a:rp', '101'), false, 'a later second writes again');
    marks.add('account-signed-in:a', '101');
    assert.equal(marks.has('account-used:a:rp', '100'), false, 'the earlier second is forgotten');
  });
});
