// The summary printed after a demo run: each step's modelled AWS time beside its real local time, then
// the figures people came for (RTO, RPO, objects, DNS). A pure function of the data, so it is tested as text.
import { formatDuration, type ObjectiveMeasure } from '../../src/failover/report.ts';
import { formatTable } from '../progress.ts';
import { type DemoReportData, failedStepOf, type StepRow, stepRows, workflowOf } from './demo-data.ts';
import { formatModelled, formatReal } from './format.ts';

/** Options of renderTimelineTable. */
export interface TimelineTableOptions {
  /** ANSI colours on the status marks and the objectives. @default false */
  color?: boolean;
}

const STATUS_MARK: Record<StepRow['status'], string> = {
  succeeded: '✓',
  failed: '✗',
  running: '…',
  unknown: '?',
};

/** The after-run summary as lines of text (no trailing newline). */
export function renderTimelineTable(data: DemoReportData, options: TimelineTableOptions = {}): string {
  const paint = (text: string, code: number) => (options.color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const { report } = data;
  const workflow = workflowOf(data);
  const rows = stepRows(data);
  const title = `${capitalize(workflow)} of plan ${report.plan}: ${report.outcome}`;
  const table: string[][] = [['Step', 'AWS time', 'Local time', 'Status']];
  let modelledTotal = 0;
  let realTotal = 0;
  for (const row of rows) {
    modelledTotal += row.modelledMs ?? 0;
    realTotal += row.realMs ?? 0;
    const notes = [row.rounds, row.retries > 0 ? retriesText(row.retries) : undefined].filter(Boolean);
    table.push([
      row.label,
      row.modelledMs !== undefined ? formatModelled(row.modelledMs) : '-',
      row.realMs !== undefined ? formatReal(row.realMs) : '-',
      [STATUS_MARK[row.status], ...notes].join(' '),
    ]);
  }
  table.push(['Total', formatModelled(modelledTotal), formatReal(realTotal), '']);
  // Colour after aligning, so escape codes do not count towards column widths.
  const lines = formatTable(table, [1, 2]).split('\n');
  const body = lines.map((line, i) => {
    const row = rows[i - 1];
    if (i === 0) return paint(line, 1);
    if (!row) return line;
    const mark = STATUS_MARK[row.status];
    const at = line.lastIndexOf(mark);
    const code = row.status === 'succeeded' ? 32 : row.status === 'failed' ? 31 : 33;
    return at < 0 ? line : `${line.slice(0, at)}${paint(mark, code)}${line.slice(at + mark.length)}`;
  });

  const facts: string[][] = [];
  if (report.rto) facts.push(['RTO', objectiveText(report.rto, paint)]);
  if (report.rpo) {
    const backup = report.rpo.backupName ? `  (backup ${report.rpo.backupName})` : '';
    facts.push(['RPO', `${objectiveText(report.rpo, paint)}${backup}`]);
  }
  if (report.restore) {
    const r = report.restore;
    facts.push([
      'Objects restored',
      `${r.created} created, ${r.updated} updated, ${r.skipped} skipped, ${r.failed} failed (${r.planned} planned)`,
    ]);
  }
  if (data.dns) {
    const before = data.dns.before.length > 0 ? data.dns.before.join(', ') : '(none)';
    const after = data.dns.after.length > 0 ? data.dns.after.join(', ') : '(none)';
    const status = report.dns ? (report.dns.insync ? '  INSYNC' : '  PENDING') : '';
    facts.push(['DNS', `${data.dns.name} ${data.dns.type}  ${before} → ${after}${status}`]);
  } else if (report.dns) {
    facts.push(['DNS', `change ${report.dns.changeId ?? '?'} ${report.dns.insync ? 'INSYNC' : 'PENDING'}`]);
  }
  const failed = failedStepOf(data);
  if (report.outcome === 'Failed' || failed) {
    const error = failed?.error ?? report.error;
    const where = failed ? failed.label : 'unknown step';
    facts.push(['Failed step', paint(error ? `${where}: ${error.name}: ${error.message}` : where, 31)]);
  }
  const factWidth = Math.max(0, ...facts.map(([label]) => (label ?? '').length));
  const factLines = facts.map(([label, text]) => `${(label ?? '').padEnd(factWidth)}  ${text}`);
  return [paint(title, 1), '', ...body, ...(factLines.length > 0 ? ['', ...factLines] : [])].join('\n');
}

function objectiveText(measure: ObjectiveMeasure, paint: (text: string, code: number) => string): string {
  const verdict = measure.met ? paint('✓ met', 32) : paint('✗ not met', 31);
  return `${formatDuration(measure.seconds)}  objective ${formatDuration(measure.objectiveSeconds)}  ${verdict}`;
}

function retriesText(retries: number): string {
  return `${retries} ${retries === 1 ? 'retry' : 'retries'}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
