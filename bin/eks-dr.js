#!/usr/bin/env node
// Runs the TypeScript CLI directly through tsx, so `npx eks-dr` works after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
const code = await main(process.argv.slice(2));
// 128 + n: a command stopped by a signal, after its cleanup. Work it abandoned (a LIST the server is slow to
// answer, a retry's wait) would otherwise hold the process open until it ends by itself.
if (code >= 128) process.exit(code);
process.exitCode = code;
