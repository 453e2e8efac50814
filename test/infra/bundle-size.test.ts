import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { build, type Metafile } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLE_FILE, esbuildOptions, lambdaBundling } from '../../infra/constructs/bundling.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const MB = 1024 * 1024;
// One budget for every function: 3 MB of code. The old 1 MB / 150 ms cold-load target is withdrawn (issue
// 13): these functions run inside workflows whose steps take minutes, so tens of milliseconds of cold start
// are invisible, while hand-written stand-ins for the SDK clients, the credential chain and semver were the
// code most likely to break. 3 MB still catches a bundle that swallows something by mistake (a second copy
// of the SDK, a dev-only package); bench/bundles.ts reports sizes and load times for information.
const BUDGET_BYTES = 3 * MB;
const out = mkdtempSync(join(tmpdir(), 'eks-dr-bundle-size-'));

afterAll(() => rmSync(out, { recursive: true, force: true }));

const FUNCTIONS = readdirSync(join(ROOT, 'functions'))
  .filter((file) => file.endsWith('.ts'))
  .map((file) => file.slice(0, -3));

describe('Lambda bundles (the settings cdk synth uses)', () => {
  // CommonJS output has no top-level await (esbuild refuses it) and no import.meta (esbuild only warns, and
  // the value would be empty at run time), so a warning is a defect.
  it.each(FUNCTIONS)('bundles %s as CommonJS without a warning, within 3 MB', async (name) => {
    // Arrange
    const outfile = join(out, name, BUNDLE_FILE);

    // Act
    const result = await build({
      ...esbuildOptions(join(ROOT, 'functions', `${name}.ts`), outfile),
      logLevel: 'silent',
    });

    // Assert
    expect(result.errors).toEqual([]);
    expect(result.warnings.map((warning) => `${warning.text} (${warning.location?.file})`)).toEqual([]);
    expect(statSync(outfile).size).toBeLessThanOrEqual(BUDGET_BYTES);
  });

  it('aliases no module to a stand-in, neither for esbuild nor on the command line CDK builds', () => {
    // Arrange
    const entry = join(ROOT, 'functions', 'trigger.ts');

    // Act
    const options: Record<string, unknown> = esbuildOptions(entry, join(out, 'alias', BUNDLE_FILE));
    const bundling = lambdaBundling();

    // Assert
    expect(options).not.toHaveProperty('alias');
    expect(options).not.toHaveProperty('inject');
    expect(Object.keys(bundling.esbuildArgs ?? {}).filter((arg) => /alias|inject/.test(arg))).toEqual([]);
  });
});

/** The inputs that reached a function's bundle (esbuild lists every parsed input, shaken out or not). */
async function bundledInputs(entry: string): Promise<string[]> {
  const outfile = join(out, `contents-${basename(entry, '.ts')}`, BUNDLE_FILE);
  const result = await build({ ...esbuildOptions(entry, outfile), metafile: true });
  const metafile: Metafile = result.metafile;
  const output = Object.values(metafile.outputs).find((entry) => entry.entryPoint !== undefined);
  return Object.entries(output?.inputs ?? {})
    .filter(([, contribution]) => contribution.bytesInOutput > 0)
    .map(([input]) => input);
}

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

  it.each(['snapshot', 'restore', 'workloads-ready'])(
    '%s reaches its cluster through @aws-sdk/client-eks and the SDK credential chain',
    async (name) => {
      // Arrange
      const entry = join(ROOT, 'functions', `${name}.ts`);

      // Act
      const inputs = await bundledInputs(entry);

      // Assert
      expect(inputs.some((input) => input.includes('node_modules/@aws-sdk/client-eks/'))).toBe(true);
      expect(inputs.some((input) => input.includes('node_modules/@aws-sdk/credential-provider-node/'))).toBe(
        true,
      );
    },
  );
});
