#!/usr/bin/env node
// The saoma command line (`npx saoma --help`, or `node bin/saoma.ts --help`): see src/admin/cli/.
import { run } from '../src/admin/cli/main.ts';

process.exitCode = await run(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  env: process.env,
});
