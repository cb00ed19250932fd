import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { chooseLang, LANGS, translator } from '../../src/http/locale.ts';

const require = createRequire(import.meta.url);
const texts = require('../../miniprogram/lib/texts.js') as {
  languages: Record<string, Record<string, unknown>>;
  textsFor: (language: string) => Record<string, unknown>;
  acceptLanguage: (language: string) => string;
};

const accountTexts = require('../../miniprogram/lib/account-texts.js') as {
  languages: Record<string, Record<string, unknown>>;
  accountTexts: (language: string) => Record<string, unknown>;
};

describe('languages', () => {
  it('the pages speak every language with a file in locales/ (today zh-CN, zh-TW and en)', () => {
    // A new locales/<tag>.json is a new page language, with no list to edit here.
    const files = readdirSync(new URL('../../locales/', import.meta.url)).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -'.json'.length));
    assert.deepEqual([...LANGS].sort(), files.sort());
    assert.ok(LANGS.includes('zh-TW'));
    assert.equal(translator('zh-TW')('login.title', { client: 'X' }), '使用微信登入 X');
  });

  it('ui_locales, then Accept-Language: Traditional for Taiwan, Hong Kong, Macau and zh-Hant; Simplified for other Chinese', () => {
    // Accept-Language as Koa hands it over (ctx.acceptsLanguages(): by preference, q=0 left out).
    const cases: [string | undefined, string[], string][] = [
      ['zh-TW', [], 'zh-TW'], ['zh-HK', [], 'zh-TW'], ['zh-Hant', [], 'zh-TW'], ['zh-Hant-HK', [], 'zh-TW'], ['zh-MO', [], 'zh-TW'],
      ['zh', [], 'zh-CN'], ['zh-Hans-HK', [], 'zh-CN'], ['zh-SG', [], 'zh-CN'], ['en-GB', ['zh-TW'], 'en'], ['fr', [], 'zh-CN'],
      [undefined, ['fr-FR', 'en', 'zh-HK'], 'en'], [undefined, ['zh-hk', 'en'], 'zh-TW'], [undefined, ['de'], 'zh-CN'], ['fr de', ['zh-TW'], 'zh-TW'],
    ];
    for (const [ui, accepted, want] of cases) assert.equal(chooseLang(ui, accepted), want, `ui_locales=${ui} Accept-Language=${accepted.join(',')}`);
  });

  it('the mini-program speaks every page language, each with every key of every other', () => {
    assert.deepEqual(Object.keys(texts.languages).sort(), [...LANGS].sort(), 'one mini-program language for each locales/ file');
    const keys = new Set(Object.values(texts.languages).flatMap((t) => Object.keys(t)));
    for (const [lang, words] of Object.entries(texts.languages)) {
      for (const key of keys) assert.ok(key in words, `miniprogram/lib/texts.js ${lang}: missing ${key}`);
    }
  });

  it('the mini-program\'s account page speaks the same languages, each with every key of every other, chosen as the login page chooses', () => {
    assert.deepEqual(Object.keys(accountTexts.languages).sort(), [...LANGS].sort(), 'one account-page language for each locales/ file');
    const keys = new Set(Object.values(accountTexts.languages).flatMap((t) => Object.keys(t)));
    for (const [lang, words] of Object.entries(accountTexts.languages)) {
      for (const key of keys) assert.ok(key in words, `miniprogram/lib/account-texts.js ${lang}: missing ${key}`);
    }
    for (const wechat of ['zh_CN', 'zh_TW', 'zh_HK', 'en', 'ja']) assert.equal(accountTexts.accountTexts(wechat), accountTexts.languages[texts.acceptLanguage(wechat)], wechat);
    assert.equal(accountTexts.accountTexts('zh_TW').deleteAccount, '刪除帳號');
  });

  it('the mini-program follows WeChat\'s language: zh_TW and zh_HK read Traditional and ask saoma for zh-TW', () => {
    for (const [wechat, tag] of [['zh_CN', 'zh-CN'], ['zh_TW', 'zh-TW'], ['zh_HK', 'zh-TW'], ['en', 'en'], ['ja', 'en']] as const) {
      assert.equal(texts.acceptLanguage(wechat), tag, wechat);
      assert.equal(texts.textsFor(wechat), texts.languages[tag]);
    }
    assert.equal(texts.textsFor('zh_TW').confirm, '確認登入');
  });
});
