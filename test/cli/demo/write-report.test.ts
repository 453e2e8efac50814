import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ReportWriteError, writeHtmlReport } from '../../../cli/demo/write-report.ts';
import { aFailoverData } from './demo-fixtures.ts';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'eks-dr-report-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeHtmlReport', () => {
  it('replaces the page in one rename and leaves no temporary file', async () => {
    // Arrange
    const file = path.join(dir, 'eks-dr-report.html');
    await writeFile(file, 'old page');

    // Act
    const written = await writeHtmlReport(aFailoverData(), file);

    // Assert
    expect(written).toBe(file);
    expect(await readFile(file, 'utf8')).toMatch(/^<!doctype html>[\s\S]*<\/html>\n$/);
    expect(await readdir(dir)).toEqual(['eks-dr-report.html']);
  });

  it('names the file it could not write', async () => {
    // Arrange
    const file = path.join(dir, 'missing', 'eks-dr-report.html');

    // Act
    const attempt = writeHtmlReport(aFailoverData(), file);

    // Assert
    await expect(attempt).rejects.toBeInstanceOf(ReportWriteError);
    await expect(attempt).rejects.toThrow(`cannot write report ${file}`);
  });
});
