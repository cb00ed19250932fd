import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { envSchema } from '../../src/config/env.ts';

const MINIPROGRAM = fileURLToPath(new URL('../../miniprogram/', import.meta.url));
const json = (file: string) => JSON.parse(readFileSync(`${MINIPROGRAM}${file}`, 'utf8'));
const config = createRequire(import.meta.url)(`${MINIPROGRAM}config.js`) as { server: string; page: string };

/** The project files WeChat's developer tools open and upload, and what must hold between them. */
describe('the mini-program project', () => {
  it('app.json has the login page where config.js says it is, and saoma\'s default WECHAT_PAGE is the same', () => {
    assert.ok(json('app.json').pages.includes(config.page));
    assert.equal(envSchema.parse({}).WECHAT_PAGE, config.page);
    const page = json(`${config.page}.json`);
    assert.equal(page.component, true, 'the page is a Component(), so miniprogram-simulate can test it');
    assert.deepEqual(page.usingComponents, {});
    for (const ext of ['js', 'wxml', 'wxss']) assert.ok(existsSync(`${MINIPROGRAM}${config.page}.${ext}`), ext);
  });

  it('the server in config.js is an https URL without a trailing slash (WeChat talks to https hosts only)', () => {
    assert.match(config.server, /^https:\/\/[^/]+$/);
  });

  it('project.config.json is a mini-program project that leaves the test-only files out of the upload', () => {
    const project = json('project.config.json');
    assert.equal(project.compileType, 'miniprogram');
    assert.equal(project.setting.urlCheck, true, 'WeChat checks request domains, as it will in production');
    const ignored = project.packOptions.ignore.map((rule: { value: string }) => rule.value);
    assert.deepEqual(ignored.sort(), ['package.json', 'tsconfig.json']);
    assert.equal(json('sitemap.json').rules[0].action, 'disallow');
  });

  it('every picture the page names exists, named relative to the page so the folder can move', () => {
    const page = `${MINIPROGRAM}${config.page}`;
    const wxml = readFileSync(`${page}.wxml`, 'utf8');
    assert.doesNotMatch(wxml, /src="\//, 'no picture named from the mini-program\'s root');
    const named = [...wxml.matchAll(/(\.\.\/[\w./-]+\.svg)/g)].map((m) => m[1]!);
    // "../../images/{{screen}}.svg": one picture for every result and problem screen
    assert.match(wxml, /src="\.\.\/\.\.\/images\/\{\{screen\}\}\.svg"/);
    const perScreen = ['done', 'cancelled', 'expired', 'taken', 'offline', 'error'].map((screen) => `../../images/${screen}.svg`);
    assert.ok(named.length >= 3);
    for (const picture of [...named, ...perScreen]) assert.ok(existsSync(new URL(picture, pathToFileURL(page))), picture);
  });
});
