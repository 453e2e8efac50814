// One real bundle through NodejsFunction: the local esbuild (never Docker), CommonJS (bundling.ts says why).
// The 3 MB size budget is held for every function by bundle-size.test.ts; bench/bundles.ts measures sizes
// and load times.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_FILE, BUNDLE_PACKAGE_JSON } from '../../infra/constructs/bundling.ts';
import { EksDrFunction } from '../../infra/constructs/eks-dr-function.ts';
import { serializePlan } from '../../src/plan/index.ts';
import { examplePlan } from './synth-helpers.ts';

let assetDir: string;

beforeAll(() => {
  const app = new App();
  const stack = new Stack(app, 'Bundling', { env: { region: 'eu-central-1' } });
  new EksDrFunction(stack, 'Health', { file: 'health', planJson: serializePlan(examplePlan()), side: 'dr' });
  const assembly = app.synth();
  const asset = readdirSync(assembly.directory).find(
    (entry) => entry.startsWith('asset.') && !entry.endsWith('.json'),
  );
  assetDir = join(assembly.directory, asset ?? 'missing');
}, 60_000);

describe('EksDrFunction bundling', () => {
  it('emits one minified CommonJS bundle with a source map', () => {
    // Arrange
    const file = join(assetDir, BUNDLE_FILE);

    // Act
    const code = readFileSync(file, 'utf8');
    const files = readdirSync(assetDir).sort();

    // Assert
    expect(files).toEqual(['index.js', 'index.js.map', 'package.json']);
    expect(code).toMatch(/^"use strict";/);
    expect(code).toContain('module.exports=');
    // Lambda's own limit for an unzipped deployment package.
    expect(statSync(file).size).toBeLessThan(250 * 1024 * 1024);
    expect(code.trimEnd().endsWith('//# sourceMappingURL=index.js.map')).toBe(true);
  });

  it('carries semver and the SDK default credential chain as published, no stand-in', () => {
    // Arrange
    const map = join(assetDir, `${BUNDLE_FILE}.map`);

    // Act
    const sources: string[] = JSON.parse(readFileSync(map, 'utf8')).sources;

    // Assert
    expect(sources.some((source) => source.includes('node_modules/semver/'))).toBe(true);
    expect(sources.some((source) => source.includes('node_modules/@aws-sdk/credential-provider-node/'))).toBe(
      true,
    );
  });

  it('exports the handler, loaded with require as the runtime does, even inside a "type": "module" project', () => {
    // Arrange: a copy of the asset under a package.json that makes .js files ES modules, like cdk.out here.
    const project = mkdtempSync(join(tmpdir(), 'eks-dr-asset-'));
    writeFileSync(join(project, 'package.json'), '{"type":"module"}');
    cpSync(assetDir, join(project, 'asset'), { recursive: true });

    // Act
    const loaded = createRequire(import.meta.url)(join(project, 'asset', BUNDLE_FILE));

    // Assert
    expect(typeof loaded.handler).toBe('function');
    expect(readFileSync(join(assetDir, 'package.json'), 'utf8').trim()).toBe(BUNDLE_PACKAGE_JSON);
    rmSync(project, { recursive: true, force: true });
  });
});
