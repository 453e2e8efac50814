// What `eks-dr demo` hands to its table and its HTML report, and the one place that joins the report's
// modelled timeline with the steps as they ran here, so both views show the same rows.

import type { ModelledSpan } from '../../sandbox/aws/sandbox-clock.ts';
import type { ReportedWorkflow, RunReport, TimelineEntry } from '../../src/failover/report.ts';
import type { StepProgress, StepStatus } from './progress-tracker.ts';
import { counterText, stepLabel } from './step-catalog.ts';

/** The DNS record the run moved, as read from Route 53 before the run and after it. */
export interface DnsChangeView {
  /** Record name, e.g. `shop.example.com`. */
  name: string;
  /** Record type, e.g. `A` or `CNAME`. */
  type: string;
  /** Values (or alias target) before the run. */
  before: readonly string[];
  /** Values after the run. */
  after: readonly string[];
}

/** Restore outcome of one `<resource>[.<group>]`. */
export interface ResourceCountView {
  resource: string;
  created: number;
  updated: number;
  skipped: number;
  failed: number;
}

/** The backup the run restored (or, for a backup run, wrote). */
export interface BackupView {
  name: string;
  /** ISO time the snapshot was taken. */
  createdAt?: string;
  objects?: number;
  bytes?: number;
  volumes?: number;
  /** Bucket, region or path it was read from. */
  location?: string;
}

/**
 * Everything the demo shows after a run. Only `report` is required; the rest adds detail when the demo
 * has it:
 * - `report`: RunReporter's output (the execution output): timeline on modelled time, RTO, RPO, counts.
 * - `progress`: the steps as LiveProgress saw them (real durations, loop rounds, the failing step).
 * - `spans`: the sandbox clock's `spans`: each AWS operation's modelled and real duration.
 * - `dns`: the record before and after, read from the Route 53 stand-in.
 * - `resources`: restore outcomes per resource; without it, `report.restore.byResource` is used.
 * - `backup`: the backup used, in more detail than the report's RPO carries.
 * - `failback`: the run is the way back (labels and wording change).
 * - `realMsPerModelledSecond`: the sandbox clock's speed-up, shown as a footnote.
 * - `generatedAt`: when the page was made (ISO). @default report.reportedAt
 */
export interface DemoReportData {
  report: RunReport;
  progress?: readonly StepProgress[];
  spans?: readonly ModelledSpan[];
  dns?: DnsChangeView;
  resources?: readonly ResourceCountView[];
  backup?: BackupView;
  failback?: boolean;
  realMsPerModelledSecond?: number;
  generatedAt?: string;
}

/** One row of the timeline, modelled and real side by side. */
export interface StepRow {
  id: string;
  label: string;
  status: StepStatus | 'unknown';
  /** Modelled epoch milliseconds at its start (the report's startedAt, else the live tracker's). */
  modelledStartMs?: number;
  modelledMs?: number;
  realMs?: number;
  /** `3 checks`, `2 chunks`. */
  rounds?: string;
  retries: number;
  error?: { name: string; message: string };
}

/** The workflow the data describes; `failback` forces failback labels whatever the report says. */
export function workflowOf(data: DemoReportData): ReportedWorkflow {
  return data.failback ? 'failback' : data.report.workflow;
}

/**
 * The rows of the timeline: the steps in the order they ran (live progress), each with the report's
 * modelled timing when it has one, then any timeline step the progress did not see.
 */
export function stepRows(data: DemoReportData): StepRow[] {
  const workflow = workflowOf(data);
  const timeline = new Map<string, TimelineEntry>(data.report.timeline.map((entry) => [entry.step, entry]));
  const rows: StepRow[] = [];
  const seen = new Set<string>();
  for (const step of data.progress ?? []) {
    seen.add(step.id);
    const entry = timeline.get(step.id);
    const modelled = entry ? modelledOf(entry) : undefined;
    const modelledStartMs = modelled?.startMs ?? step.modelledStartMs;
    const modelledMs = modelled?.ms ?? step.modelledMs;
    const rounds = counterText(step.id, step.rounds);
    rows.push({
      id: step.id,
      label: step.label,
      status: step.status,
      ...(modelledStartMs !== undefined ? { modelledStartMs } : {}),
      ...(modelledMs !== undefined ? { modelledMs } : {}),
      ...(step.realMs !== undefined ? { realMs: step.realMs } : {}),
      ...(rounds ? { rounds } : {}),
      retries: step.retries,
      ...(step.error ? { error: step.error } : {}),
    });
  }
  for (const entry of data.report.timeline) {
    if (seen.has(entry.step)) continue;
    const modelled = modelledOf(entry);
    rows.push({
      id: entry.step,
      label: stepLabel(entry.step, workflow),
      status: entry.finishedAt ? 'succeeded' : 'unknown',
      ...(modelled?.startMs !== undefined ? { modelledStartMs: modelled.startMs } : {}),
      ...(modelled?.ms !== undefined ? { modelledMs: modelled.ms } : {}),
      retries: 0,
    });
  }
  return rows;
}

/** Per-resource restore outcomes, largest first; from `resources`, else the report's byResource totals. */
export function resourceRows(data: DemoReportData): ResourceCountView[] {
  const rows: ResourceCountView[] = data.resources
    ? [...data.resources]
    : Object.entries(data.report.restore?.byResource ?? {}).map(([resource, restored]) => ({
        resource,
        created: restored,
        updated: 0,
        skipped: 0,
        failed: 0,
      }));
  const total = (row: ResourceCountView) => row.created + row.updated + row.skipped + row.failed;
  return rows.sort((a, b) => total(b) - total(a) || a.resource.localeCompare(b.resource));
}

/** The backup used: `backup` when given, else what the report knows (RPO's backup, backup run's snapshot). */
export function backupOf(data: DemoReportData): BackupView | undefined {
  if (data.backup) return data.backup;
  const { report } = data;
  const name = report.rpo?.backupName ?? report.backup?.name;
  if (!name) return undefined;
  return {
    name,
    ...(report.rpo ? { createdAt: report.rpo.from } : {}),
    ...(report.backup?.objects !== undefined ? { objects: report.backup.objects } : {}),
    ...(report.backup?.bytes !== undefined ? { bytes: report.backup.bytes } : {}),
    ...(report.backup?.volumes !== undefined ? { volumes: report.backup.volumes } : {}),
  };
}

/** The first step that failed, if any. */
export function failedStepOf(data: DemoReportData): StepRow | undefined {
  return stepRows(data).find((row) => row.status === 'failed');
}

function modelledOf(entry: TimelineEntry): { startMs?: number; ms?: number } | undefined {
  const start = entry.startedAt ? Date.parse(entry.startedAt) : Number.NaN;
  const end = entry.finishedAt ? Date.parse(entry.finishedAt) : Number.NaN;
  if (Number.isNaN(start)) return undefined;
  return { startMs: start, ...(Number.isNaN(end) ? {} : { ms: Math.max(0, end - start) }) };
}
