import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SaomaError } from '../../src/errors.ts';
import { toSaomaError, WeChatApiError, type WeChatApi } from '../../src/wechat/errors.ts';

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

test('an errcode that means the deployment is set up wrong names the setting to change; WeChat\'s errmsg stays in the detail', () => {
  const table: [WeChatApi, number, RegExp][] = [
    ['stable_token', 40164, /IP whitelist/],
    ['getwxacodeunlimit', 40164, /IP whitelist/],
    ['getwxacodeunlimit', 41030, /WECHAT_PAGE.*WECHAT_CHECK_PATH=false/],
    ['getwxacodeunlimit', 40097, /WECHAT_ENV_VERSION/],
    ['getwxacodeunlimit', 40169, /WECHAT_API_BASE/],
    ['getwxacodeunlimit', 40129, /WECHAT_API_BASE/],
    ['getwxacodeunlimit', 47001, /WECHAT_API_BASE/],
    ['generate_urllink', 40002, /WECHAT_OPEN_LINK=off/],
    ['generate_urllink', 48001, /WECHAT_OPEN_LINK=off/],
    ['getuserphonenumber', 48001, /verified .*organisation.*phone scope/],
    ['stable_token', 40125, /WECHAT_SECRET/],
    ['stable_token', 40243, /WECHAT_SECRET/],
    ['jscode2session', 40013, /WECHAT_APPID/],
  ];
  for (const [api, errcode, setting] of table) {
    const err = toSaomaError(new WeChatApiError(api, errcode, 'invalid ip 203.0.113.9 ipv6 ::ffff:203.0.113.9, not in whitelist rid: 1'));
    assert.deepEqual([err.code, err.status, err.errcode], ['wechat_error', 502, errcode], `${api} ${errcode}`);
    assert.match(err.description, setting, `${api} ${errcode}: ${err.description}`);
    assert.equal(err.description.includes('203.0.113.9'), false, 'the address stays in the log detail');
    assert.match(err.detail ?? '', /203\.0\.113\.9/);
  }
  // The same errcode from another API is not about that setting.
  assert.doesNotMatch(toSaomaError(new WeChatApiError('stable_token', 40002, '')).description, /WECHAT_OPEN_LINK/);
  assert.deepEqual([toSaomaError(new WeChatApiError('getuserphonenumber', 40013, '')).code, toSaomaError(new WeChatApiError('getuserphonenumber', 40013, '')).status], ['invalid_code', 400]);
});

test('a SaomaError passes through; anything else is a server_error', () => {
  const own = new SaomaError('invalid_request', 'Bad.');
  assert.equal(toSaomaError(own), own);
  assert.equal(toSaomaError(new Error('boom')).code, 'server_error');
});
