#!/usr/bin/env node
// Runs one TypeScript file (a benchmark, a script) through tsx: `node bin/run-ts.js bench/x.ts [args]`.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { register } from 'tsx/esm/api';

const [file, ...rest] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bin/run-ts.js FILE.ts [args...]');
  process.exit(2);
}
register();
process.argv = [process.argv[0] ?? 'node', file, ...rest];
await import(pathToFileURL(resolve(file)).href);
