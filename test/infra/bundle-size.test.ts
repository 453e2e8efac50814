import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLE_FILE, esbuildOptions } from '../../infra/constructs/bundling.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const MB = 1024 * 1024;
// The target is 1 MB each (issue 7); bench/bundles.ts measures every function and its load time. These
// hold the line where regressions have come from: the SDK's default credential chain (replaced by
// functions/shared/aws/lambda-credentials.ts), classic zod (zod/mini instead), @aws-sdk/client-ec2 and
// client-eks (small signed clients instead), tar-stream (src/archive/tar-entries.ts) and the plan schema
// (src/plan/deployed-plan.ts). Budgets sit ~15% above today's sizes, so a client, schema or library
// creeping back in fails here.
const BUDGETS: Record<string, number> = { trigger: 0.45 * MB, snapshot: 0.66 * MB, restore: 0.66 * MB };
const out = mkdtempSync(join(tmpdir(), 'eks-dr-bundle-size-'));

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('Lambda bundle size (the settings cdk synth uses)', () => {
  // The entry point, one that calls only the control plane, one with S3 and Kubernetes, and the biggest.
  it.each(Object.keys(BUDGETS))('bundles %s within its budget, minified', async (name) => {
    // Arrange
    const outfile = join(out, name, BUNDLE_FILE);

    // Act
    await build(esbuildOptions(join(ROOT, 'functions', `${name}.ts`), outfile));

    // Assert
    expect(statSync(outfile).size).toBeLessThanOrEqual(BUDGETS[name] ?? MB);
  });
});

/** esbuild's account of a function's bundle. */
async function bundleMetafile(entry: string): Promise<Metafile> {
  const outfile = join(out, `contents-${basename(entry, '.ts')}`, BUNDLE_FILE);
  const result = await build({
    ...esbuildOptions(entry, outfile),
    metafile: true,
  });
  return result.metafile;
}

/** The inputs that reached a function's bundle (esbuild lists every parsed input, shaken out or not). */
async function bundledInputs(entry: string): Promise<string[]> {
  const metafile = await bundleMetafile(entry);
  const output = Object.values(metafile.outputs).find((entry) => entry.entryPoint !== undefined);
  return Object.entries(output?.inputs ?? {})
    .filter(([, contribution]) => contribution.bytesInOutput > 0)
    .map(([input]) => input);
}

const FUNCTIONS = readdirSync(join(ROOT, 'functions'))
  .filter((file) => file.endsWith('.ts'))
  .map((file) => file.slice(0, -3));

describe('Lambda bundle format', () => {
  // CommonJS output has no top-level await (esbuild refuses it) and no import.meta (esbuild only warns, and
  // the value would be empty at run time), so a warning is a defect.
  it.each(FUNCTIONS)('bundles %s as CommonJS without a warning', async (name) => {
    // Arrange
    const outfile = join(out, `format-${name}`, BUNDLE_FILE);

    // Act
    const result = await build({
      ...esbuildOptions(join(ROOT, 'functions', `${name}.ts`), outfile),
      logLevel: 'silent',
    });

    // Assert
    expect(result.errors).toEqual([]);
    expect(result.warnings.map((warning) => `${warning.text} (${warning.location?.file})`)).toEqual([]);
  });
});

describe('Lambda bundle contents', () => {
  // package.json declares the project free of import side effects, so a barrel import (src/failover/index.ts)
  // no longer drags unused modules, and the CommonJS packages behind them, into every function.
  it.each(['trigger', 'capacity'])('%s carries no archive reader it never calls', async (name) => {
    // Arrange
    const entry = join(ROOT, 'functions', `${name}.ts`);

    // Act
    const inputs = await bundledInputs(entry);

    // Assert
    expect(inputs.some((input) => input.includes('src/failover/'))).toBe(true);
    expect(inputs.filter((input) => input.includes('src/archive/'))).toEqual([]);
  });

  // DescribeCluster goes through src/aws/eks-rest-client.ts: the SDK client cost ~19 ms of cold load.
  it.each(['snapshot', 'restore', 'workloads-ready'])(
    '%s reaches its cluster without @aws-sdk/client-eks',
    async (name) => {
      // Arrange
      const entry = join(ROOT, 'functions', `${name}.ts`);

      // Act
      const inputs = await bundledInputs(entry);

      // Assert
      expect(inputs.some((input) => input.includes('src/aws/eks-rest-client.ts'))).toBe(true);
      expect(inputs.filter((input) => input.includes('node_modules/@aws-sdk/client-eks/'))).toEqual([]);
    },
  );

  // The alias to functions/shared/semver-gte.ts is safe only while its callers want `gte` and nothing else.
  it.each(['trigger', 'snapshot', 'restore'])(
    "%s loads semver's gte stand-in, and only from callers that use gte alone",
    async (name) => {
      // Arrange
      const standIn = 'functions/shared/semver-gte.ts';

      // Act
      const metafile = await bundleMetafile(join(ROOT, 'functions', `${name}.ts`));

      // Assert
      const callers = Object.entries(metafile.inputs)
        .filter(([, input]) => input.imports.some((imported) => imported.path === standIn))
        .map(([file]) => file);
      expect(callers.map((file) => file.replace(/^.*node_modules\//, ''))).toEqual([
        'aws-xray-sdk-core/dist/lib/patchers/aws_p.js',
      ]);
      for (const file of callers) {
        const members = readFileSync(join(ROOT, file), 'utf8').match(/\bsemver\.\w+/g) ?? [];
        expect(new Set(members), file).toEqual(new Set(['semver.gte']));
      }
      expect(Object.keys(metafile.inputs).filter((file) => file.includes('node_modules/semver/'))).toEqual(
        [],
      );
    },
  );
});
