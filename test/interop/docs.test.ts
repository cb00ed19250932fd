import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { DOCS, pages, withIncludes } from './table.ts';

describe('docs/integrations shows what the interop tests run', () => {
  it('every configuration a page shows is, byte for byte, the file its test starts the website from', () => {
    for (const name of pages()) {
      const page = readFileSync(new URL(name, DOCS), 'utf8');
      assert.equal(page, withIncludes(page), `${name} is out of step with its examples: run node test/interop/table.ts`);
    }
  });

  it('every example is shown on a page, with its registration', () => {
    const shown = pages().map((name) => readFileSync(new URL(name, DOCS), 'utf8')).join('\n');
    for (const dir of readdirSync(new URL('examples/', DOCS))) {
      assert.ok(shown.includes(`<!-- include: examples/${dir}/`), `examples/${dir} is on no page`);
      assert.ok(shown.includes(`examples/${dir}/client.json`), `examples/${dir}/client.json (its registration) is on no page`);
    }
  });

  it('the compatibility table lists every library the interop tests run', () => {
    const readme = readFileSync(new URL('README.md', DOCS), 'utf8');
    const table = readme.slice(readme.indexOf('<!-- interop-table:start -->'), readme.indexOf('<!-- interop-table:end -->'));
    assert.doesNotMatch(table, /not run yet/, 'a library has no result: run the interop tests, then node test/interop/table.ts');
    for (const name of pages().filter((p) => p !== 'README.md')) assert.ok(readme.includes(`(${name})`), `README.md does not link ${name}`);
  });
});
