import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { esbuildOptions } from '../../infra/constructs/bundling.ts';
import { InvalidManifestError, parseManifest } from '../../src/archive/index.ts';
import * as z from '../../src/util/zod.ts';
import { aManifest } from '../archive/archive-helpers.ts';

const ZOD_MODULE = join(import.meta.dirname, '..', '..', 'src', 'util', 'zod.ts');
// zod/mini with the English locale bundles to ~20 KiB; classic zod is ~90 KiB and `z.locales` (every
// locale) over 400 KiB, so this bound catches either creeping back into the Lambda bundles.
const MAX_BUNDLE_BYTES = 40 * 1024;

const scratch = mkdtempSync(join(tmpdir(), 'eks-dr-zod-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the shared zod (zod/mini with the English locale)', () => {
  it('says what type was expected instead of a bare "Invalid input"', () => {
    // Arrange
    const schema = z.object({ name: z.string() });

    // Act
    const result = schema.safeParse({ name: 5 });

    // Assert
    expect(result.error?.issues[0]?.message).toBe('Invalid input: expected string, received number');
  });

  it('says which bound a value missed', () => {
    // Arrange
    const schema = z.array(z.string()).check(z.minLength(1));

    // Act
    const result = schema.safeParse([]);

    // Assert
    expect(result.error?.issues[0]?.message).toBe('Too small: expected array to have >=1 items');
  });

  it('reaches the errors of a real schema: a manifest field of the wrong type is named with the expected type', () => {
    // Arrange
    const manifest = { ...aManifest(), totalObjects: 'many' };

    // Act
    const act = () => parseManifest(manifest, 'manifest.json');

    // Assert
    expect(act).toThrow(InvalidManifestError);
    expect(act).toThrow(/totalObjects: expected number, received string/);
  });

  it('keeps English messages and a small footprint in a Lambda bundle loaded in a fresh process', async () => {
    // Arrange
    const entry = join(scratch, 'entry.ts');
    const outfile = join(scratch, 'entry.cjs');
    writeFileSync(
      entry,
      [
        `import * as z from ${JSON.stringify(ZOD_MODULE)};`,
        "const result = z.strictObject({ count: z.number().check(z.int()) }).safeParse({ count: 'x', extra: 1 });",
        'console.log(JSON.stringify(result.error?.issues.map((issue) => issue.message)));',
      ].join('\n'),
    );
    await build({ ...esbuildOptions(entry, outfile), logLevel: 'silent' });

    // Act
    const child = spawnSync(process.execPath, [outfile], { encoding: 'utf8' });

    // Assert
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual([
      'Invalid input: expected number, received string',
      'Unrecognized key: "extra"',
    ]);
    expect(statSync(outfile).size).toBeLessThan(MAX_BUNDLE_BYTES);
  });
});
