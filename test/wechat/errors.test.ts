import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SaomaError } from '../../src/errors.ts';
import { toSaomaError, WeChatApiError } from '../../src/wechat/errors.ts';

test('WeChat errcodes map to the product error codes, keeping the errcode', () => {
  const table: [WeChatApiError['errcode'], string, number][] = [
    [40029, 'invalid_code', 400],
    [40163, 'invalid_code', 400],
    [45011, 'rate_limited', 429],
    [45009, 'rate_limited', 429],
    [40226, 'login_blocked', 403],
    [-1, 'wechat_error', 502],
    ['timeout', 'unavailable', 503],
    ['network', 'unavailable', 503],
    ['bad_response', 'wechat_error', 502],
    [40013, 'wechat_error', 502],
    [40125, 'wechat_error', 502],
  ];
  for (const [errcode, code, status] of table) {
    const err = toSaomaError(new WeChatApiError('jscode2session', errcode, 'from WeChat'));
    assert.deepEqual([err.code, err.status, err.errcode], [code, status, errcode], `errcode ${errcode}`);
    assert.match(err.description, /^[A-Z].*\.$/, 'a sentence');
    assert.equal(err.description.includes('from WeChat'), false, "WeChat's errmsg stays out of the public description");
    assert.deepEqual(err.toJSON().errcode, errcode);
  }
  assert.equal(toSaomaError(new WeChatApiError('jscode2session', 45011, '')).retryAfter, 60);
  assert.match(toSaomaError(new WeChatApiError('jscode2session', -1, '')).description, /WeChat is busy, try again/);
  assert.match(toSaomaError(new WeChatApiError('jscode2session', 40029, '')).description, /wx\.login again/);
  assert.match(toSaomaError(new WeChatApiError('getuserphonenumber', 40029, '')).description, /phone number/);
});

test('a SaomaError passes through; anything else is a server_error', () => {
  const own = new SaomaError('invalid_request', 'Bad.');
  assert.equal(toSaomaError(own), own);
  assert.equal(toSaomaError(new Error('boom')).code, 'server_error');
});
