import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { esbuildOptions } from '../../infra/constructs/bundling.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const MB = 1024 * 1024;
// The target is 1 MB each (issue 7); bench/bundles.ts measures every function and its load time. These
// hold the line where regressions have come from: the SDK's default credential chain (replaced by
// functions/shared/aws/lambda-credentials.ts), classic zod (zod/mini instead) and @aws-sdk/client-ec2
// (a small Query client instead). Budgets sit ~15% above today's sizes, so a client or schema library
// creeping back in fails here.
const BUDGETS: Record<string, number> = { trigger: 0.6 * MB, snapshot: 0.85 * MB, restore: 0.85 * MB };
const out = mkdtempSync(join(tmpdir(), 'eks-dr-bundle-size-'));

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('Lambda bundle size (the settings cdk synth uses)', () => {
  // The entry point, one that calls only the control plane, one with S3 and Kubernetes, and the biggest.
  it.each(Object.keys(BUDGETS))('bundles %s within its budget, minified', async (name) => {
    // Arrange
    const outfile = join(out, name, 'index.mjs');

    // Act
    await build(esbuildOptions(join(ROOT, 'functions', `${name}.ts`), outfile));

    // Assert
    expect(statSync(outfile).size).toBeLessThanOrEqual(BUDGETS[name] ?? MB);
  });
});

describe('Lambda bundle contents', () => {
  // package.json declares the project free of import side effects, so a barrel import (src/failover/index.ts)
  // no longer drags unused modules, and the CommonJS packages behind them, into every function.
  it.each(['trigger', 'capacity'])(
    '%s carries no archive reader (tar-stream) it never calls',
    async (name) => {
      // Arrange
      const outfile = join(out, `contents-${name}`, 'index.mjs');

      // Act
      const result = await build({
        ...esbuildOptions(join(ROOT, 'functions', `${name}.ts`), outfile),
        metafile: true,
      });

      // Assert
      // What reached the output file: esbuild lists every parsed input, shaken out or not, under `inputs`.
      const output = Object.values(result.metafile.outputs).find((entry) => entry.entryPoint !== undefined);
      const inputs = Object.entries(output?.inputs ?? {})
        .filter(([, contribution]) => contribution.bytesInOutput > 0)
        .map(([input]) => input);
      expect(inputs.some((input) => input.includes('src/failover/'))).toBe(true);
      expect(inputs.filter((input) => input.includes('node_modules/tar-stream/'))).toEqual([]);
    },
  );
});
