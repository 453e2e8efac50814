import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_FRAMES, StackFrameMapper } from '../../../functions/shared/stack-frames.ts';
import { BUNDLE_FILE, esbuildOptions } from '../../../infra/constructs/bundling.ts';

const work = mkdtempSync(join(tmpdir(), 'eks-dr-stack-frames-'));
let failing: () => void;
let failingWithoutMap: () => void;

// A module that fails three calls deep, bundled and minified with the functions' own settings.
const SOURCE = [
  'export function outer(): void {',
  '  middle();',
  '}',
  'function middle(): void {',
  '  inner();',
  '}',
  'function inner(): void {',
  '  throw new Error(\'payload {"secret":"s3cr3t"} rejected\');',
  '}',
].join('\n');

beforeAll(async () => {
  writeFileSync(join(work, 'thrower.ts'), SOURCE);
  await build(esbuildOptions(join(work, 'thrower.ts'), join(work, 'with-map', BUNDLE_FILE)));
  await build({
    ...esbuildOptions(join(work, 'thrower.ts'), join(work, 'no-map', BUNDLE_FILE)),
    sourcemap: false,
  });
  // Loaded as the Lambda runtime loads a CommonJS bundle.
  const load = createRequire(import.meta.url);
  failing = load(join(work, 'with-map', BUNDLE_FILE)).outer;
  failingWithoutMap = load(join(work, 'no-map', BUNDLE_FILE)).outer;
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

function caught(run: () => void): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('StackFrameMapper', () => {
  it('maps frames of a minified bundle to the TypeScript lines, from the map beside it', () => {
    // Arrange
    const error = caught(failing);
    const mapper = new StackFrameMapper();

    // Act
    const frames = mapper.framesOf(error);

    // Assert: inner threw at line 8, called from middle (line 5), called from outer (line 2).
    expect(frames[0]).toMatch(/thrower\.ts:8:\d+/);
    expect(frames[1]).toMatch(/thrower\.ts:5:\d+/);
    expect(frames[2]).toMatch(/thrower\.ts:2:\d+/);
    expect(frames.join('\n')).not.toContain('index.js:1:');
  });

  it('leaves the message out, so an input quoted in it never reaches the log', () => {
    // Arrange
    const error = caught(failing);

    // Act
    const frames = new StackFrameMapper().framesOf(error);

    // Assert
    expect(frames.every((frame) => frame.startsWith('at '))).toBe(true);
    expect(frames.join('\n')).not.toContain('s3cr3t');
  });

  it('maps frames given as file:// URLs too, as an ES module reports them', () => {
    // Arrange
    const error = caught(failing) as Error;
    error.stack = (error.stack ?? '').replace(/\((\/[^\s()]+)\)/g, (_, path: string) => `(file://${path})`);

    // Act
    const frames = new StackFrameMapper().framesOf(error);

    // Assert
    expect(error.stack).toContain('(file:///');
    expect(frames[0]).toMatch(/thrower\.ts:8:\d+/);
  });

  it('keeps frames as they are when the bundle has no map beside it', () => {
    // Arrange
    const error = caught(failingWithoutMap);

    // Act
    const frames = new StackFrameMapper().framesOf(error);

    // Assert
    expect(frames[0]).toMatch(/no-map\/index\.js:\d+:\d+/);
  });

  it('logs at most MAX_FRAMES frames, and none for something that is not an Error', () => {
    // Arrange
    const deep = new Error('deep');
    deep.stack = [
      'Error: deep',
      ...Array.from({ length: 40 }, (_, i) => `    at f${i} (node:internal/x:${i}:1)`),
    ].join('\n');
    const mapper = new StackFrameMapper();

    // Act
    const frames = mapper.framesOf(deep);
    const none = mapper.framesOf('a string');

    // Assert
    expect(frames).toHaveLength(MAX_FRAMES);
    expect(frames[0]).toBe('at f0 (node:internal/x:0:1)');
    expect(none).toEqual([]);
  });
});
