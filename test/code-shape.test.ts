import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { parse } from 'acorn';
import { full } from 'acorn-walk';

/**
 * The shape promised to the next engineer (issue 12): no function in src/ is over 60 lines, so every
 * one can be read on one screen. Type stripping keeps line numbers (types become spaces), so acorn's
 * locations are the TypeScript file's own.
 */
const MAX_LINES = 60;
const root = join(import.meta.dirname, '..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

function longFunctions(file: string, max = MAX_LINES): string[] {
  const js = stripTypeScriptTypes(readFileSync(file, 'utf8'), { mode: 'strip' });
  const tree = parse(js, { ecmaVersion: 'latest', sourceType: 'module', locations: true });
  const found: string[] = [];
  full(tree, (node) => {
    if (!/Function/.test(node.type) || !node.loc) return;
    const lines = node.loc.end.line - node.loc.start.line + 1;
    if (lines > max) found.push(`${relative(root, file)}:${node.loc.start.line} (${lines} lines)`);
  });
  return found;
}

describe('the code a newcomer reads', () => {
  it('has no function in src/ over 60 lines', () => {
    const long = sourceFiles(join(root, 'src')).flatMap((file) => longFunctions(file));
    assert.deepEqual(long, [], `functions over ${MAX_LINES} lines:\n${long.join('\n')}`);
  });
});
