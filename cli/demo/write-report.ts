// Writes the report page next to where the demo ran. Atomic (temporary file in the same directory, then
// rename), so a browser tab reloading the page never sees half of it and a crash never leaves a torn file.
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DemoReportData } from './demo-data.ts';
import { renderHtmlReport } from './html-report.ts';

/** Where the demo writes its page unless told otherwise. */
export const DEFAULT_REPORT_FILE = 'eks-dr-report.html';

/** Failure to write the report page; names the file. */
export class ReportWriteError extends Error {
  readonly file: string;

  constructor(file: string, cause: unknown) {
    super(`cannot write report ${file}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = 'ReportWriteError';
    this.file = file;
  }
}

/** Renders the page and writes it atomically to `file`; returns the absolute path written. */
export async function writeHtmlReport(
  data: DemoReportData,
  file: string = DEFAULT_REPORT_FILE,
): Promise<string> {
  const html = renderHtmlReport(data);
  const target = path.resolve(file);
  const temporary = path.join(
    path.dirname(target),
    `.${path.basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  );
  try {
    await writeFile(temporary, html, { encoding: 'utf8', flag: 'wx' });
    await rename(temporary, target);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw new ReportWriteError(target, error);
  }
  return target;
}
