// A handler parses, wires, calls one use case and answers: every file directly in functions/ stays within
// 80 lines, so logic that grows goes to src/ where it is tested on its own.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const FUNCTIONS = join(import.meta.dirname, '..', '..', 'functions');
const MAX_LINES = 80;

const handlers = readdirSync(FUNCTIONS).filter((file) => file.endsWith('.ts'));

describe('functions/*.ts', () => {
  it('finds the handlers', () => {
    // Arrange / Act: the directory read above

    // Assert
    expect(handlers).toContain('restore.ts');
    expect(handlers.length).toBeGreaterThanOrEqual(14);
  });

  it.each(handlers)(`%s has at most ${MAX_LINES} lines`, (file) => {
    // Arrange
    const text = readFileSync(join(FUNCTIONS, file), 'utf8');

    // Act
    const lines = text.endsWith('\n') ? text.split('\n').length - 1 : text.split('\n').length;

    // Assert
    expect(lines, `functions/${file}`).toBeLessThanOrEqual(MAX_LINES);
  });
});
