// The last step of every workflow: what happened, how long recovery took (RTO) and how much data it could
// have lost (RPO), against the plan's objectives. The report is the execution output, the CloudWatch metrics
// feed dashboards and alarms, and the SNS message tells people. Everything comes from the state document
// (`input` and `steps`), so the report needs no access to the execution history.
import type { DrPlan } from '../plan/index.ts';
import type { Now } from '../util/clock.ts';
import { isRecord } from '../util/is-record.ts';
import type { MetricPoint, MetricsPublisher } from './ports/metrics.ts';
import type { Notifier } from './ports/notifier.ts';
import type { RecoveryLedger } from './ports/recovery-ledger.ts';
import type { StepTiming } from './timing.ts';

export type { Now } from '../util/clock.ts';
export { type StepTiming, type Timed, timed } from './timing.ts';

/** Workflows that end in a report. */
export type ReportedWorkflow = 'backup' | 'failover' | 'failback' | 'drill';

/** How the workflow ended; NotRun is a recovery the guard did not let proceed, which is not a failure. */
export type WorkflowOutcome = 'Succeeded' | 'Failed' | 'NotRun';

/** The Report Task's envelope. */
export interface ReportRequest {
  workflow: ReportedWorkflow;
  outcome: WorkflowOutcome;
  executionName: string;
  executionStartTime: string;
  /** The execution's ARN (recovery workflows): its claim on the plan is released. */
  executionId?: string;
  input?: unknown;
  /** `steps.<step>.result` as the state machine collected them; anything may be missing. */
  steps?: Record<string, unknown>;
  /** The Catch's `{ Error, Cause }` on a failure. */
  error?: unknown;
}

/** One step on the timeline; a step whose function returned no timing has none. */
export interface TimelineEntry {
  step: string;
  startedAt?: string;
  finishedAt?: string;
  durationSeconds?: number;
}

/** A measured objective. */
export interface ObjectiveMeasure {
  seconds: number;
  objectiveSeconds: number;
  met: boolean;
  from: string;
  to: string;
}

/** Objects restored, from the restore step's counts. */
export interface RestoreCounts {
  planned: number;
  created: number;
  updated: number;
  skipped: number;
  failed: number;
  /** Per `<resource>[.<group>]`, when the restore step reports it. */
  byResource: Record<string, number>;
}

/** The execution output. */
export interface RunReport {
  plan: string;
  workflow: ReportedWorkflow;
  outcome: WorkflowOutcome;
  executionName: string;
  executionStartTime: string;
  /** When the trigger fired (the alarm's state change), when the input says. */
  triggeredAt?: string;
  reportedAt: string;
  reason?: string;
  timeline: TimelineEntry[];
  /** Recovery workflows only. */
  rto?: ObjectiveMeasure;
  rpo?: ObjectiveMeasure & { backupName?: string };
  restore?: RestoreCounts;
  /**
   * Failback: what came back from DR, objects created or updated in the primary and primary volumes made
   * from DR's snapshots. A failback that carried nothing back is worth a look, so it is said in the summary.
   */
  carriedBack?: { objects: number; volumes: number };
  /** Failback: objects deleted in DR that the primary still had, and those of them removed from it. */
  deletedInDr?: { objects: string[]; removedFromPrimary: string[] };
  /** Backup workflow: what the snapshot captured. */
  backup?: { name?: string; objects?: number; bytes?: number; volumes?: number };
  dns?: { changeId?: string; insync: boolean; previousRecords: number };
  /** A drill's cleanup: what it removed, and the DR volumes still attached when it had to stop. */
  cleanup?: {
    namespaces: number;
    persistentVolumes: number;
    volumes: number;
    volumesLeft: { volumeId: string; reason: string }[];
  };
  error?: { name: string; message: string };
  /** Why a recovery did not proceed, and the execution that held the plan when that was why. */
  notRun?: { reason: string; holder?: string };
  /** One line, the notification's subject. */
  summary: string;
}

/** Collaborators of RunReporter. */
export interface RunReporterDependencies {
  plan: DrPlan;
  metrics: MetricsPublisher;
  notifier: Notifier;
  /** Recovery workflows: their claim is released, and a move without DNS is recorded. @default neither */
  ledger?: Pick<RecoveryLedger, 'release' | 'recordActiveSide'>;
  now?: Now;
}

interface PhaseSpec {
  step: string;
  keys: string[];
  /**
   * The step is a Wait → status loop (or a chunked loop) whose result is overwritten on each round, so its
   * own startedAt is only the last round's: the phase starts when the one before it ended.
   */
  loops: boolean;
}

// Every step key the state machines write, in workflow order (statemachines/README.md).
const PHASES: PhaseSpec[] = [
  { step: 'guard', keys: ['guard'], loops: false },
  { step: 'approval', keys: ['approval'], loops: true },
  { step: 'snapshot', keys: ['snapshot'], loops: false },
  { step: 'volumeSnapshots', keys: ['volumeSnapshots'], loops: true },
  { step: 'volumeCopies', keys: ['volumeCopies'], loops: true },
  { step: 'copy', keys: ['copy'], loops: false },
  { step: 'backup', keys: ['backup'], loops: false },
  { step: 'capacity', keys: ['scaleUp', 'scaleUpStatus'], loops: false },
  { step: 'restore', keys: ['restore'], loops: true },
  { step: 'workloads', keys: ['workloads'], loops: true },
  { step: 'health', keys: ['health'], loops: false },
  { step: 'dns', keys: ['dns', 'dnsStatus'], loops: false },
  { step: 'cleanup', keys: ['cleanup'], loops: false },
  { step: 'scaleDown', keys: ['scaleDown'], loops: false },
  { step: 'prune', keys: ['prune'], loops: false },
];

/** Builds the run report, publishes its metrics and sends the notification. */
export class RunReporter {
  readonly #deps: RunReporterDependencies;

  constructor(deps: RunReporterDependencies) {
    this.#deps = deps;
  }

  /** The report (the execution output), after its metrics and notification went out. */
  async report(request: ReportRequest): Promise<RunReport> {
    const now = (this.#deps.now ?? (() => new Date()))();
    const report = buildReport(this.#deps.plan, request, now);
    await this.#closeRecovery(request, report);
    await this.#deps.metrics.publish(this.#deps.plan.name, metricsOf(report, now));
    await this.#deps.notifier.publish(report.summary, renderMessage(report));
    return report;
  }

  /**
   * The end of a recovery in the ledger, whatever the outcome: a failover or failback that succeeded without
   * a DNS step (a plan without records) records its side here, before this execution's claim goes, so the
   * next claimant reads it. Releasing touches this execution's claim only, so a not-run run frees nothing.
   */
  async #closeRecovery(request: ReportRequest, report: RunReport): Promise<void> {
    const { ledger, plan } = this.#deps;
    if (ledger === undefined || request.workflow === 'backup') return;
    const moved = request.workflow === 'failover' || request.workflow === 'failback';
    if (moved && request.outcome === 'Succeeded' && !('dns' in (request.steps ?? {}))) {
      await ledger.recordActiveSide(plan.name, {
        side: request.workflow === 'failover' ? 'dr' : 'primary',
        since: report.reportedAt,
        executionName: request.executionName,
      });
    }
    if (request.executionId) await ledger.release(plan.name, request.executionId);
  }
}

/** The report of one run, computed from the state document alone. */
export function buildReport(plan: DrPlan, request: ReportRequest, now: Date): RunReport {
  const steps = request.steps ?? {};
  const input = isRecord(request.input) ? request.input : {};
  const trigger = isRecord(input.trigger) ? input.trigger : {};
  const triggeredAt = isoOrUndefined(trigger.time);
  const reason = typeof input.reason === 'string' ? input.reason : undefined;
  const timeline = buildTimeline(steps, request.executionStartTime);
  const reportedAt = now.toISOString();
  const report: RunReport = {
    plan: plan.name,
    workflow: request.workflow,
    outcome: request.outcome,
    executionName: request.executionName,
    executionStartTime: request.executionStartTime,
    ...(triggeredAt ? { triggeredAt } : {}),
    reportedAt,
    ...(reason ? { reason } : {}),
    timeline,
    summary: '',
  };
  const rpoObjective = plan.objectives.rpoMinutes * 60;
  if (request.outcome === 'NotRun') {
    report.notRun = notRunOf(resultOf(steps, 'guard'));
  } else if (request.workflow === 'backup') {
    const snapshot = resultOf(steps, 'snapshot');
    report.backup = {
      ...optional('name', stringOf(snapshot.name)),
      ...optional('objects', numberOf(snapshot.objects)),
      ...optional('bytes', numberOf(snapshot.bytes)),
      ...optional('volumes', numberOf(snapshot.volumeCount)),
    };
    const created = isoOrUndefined(snapshot.createdAt) ?? isoOrUndefined(snapshot.startedAt);
    if (created && request.outcome === 'Succeeded') {
      report.rpo = measure(created, reportedAt, rpoObjective, true);
      if (report.backup.name) report.rpo.backupName = report.backup.name;
    }
  } else {
    const started = isoOrUndefined(request.executionStartTime) ?? request.executionStartTime;
    const rtoFrom = triggeredAt ?? started;
    const rtoTo = recoveredAt(steps, request.workflow) ?? reportedAt;
    report.rto = measure(rtoFrom, rtoTo, plan.objectives.rtoMinutes * 60, request.outcome === 'Succeeded');
    const backup = resultOf(steps, 'backup');
    const created = isoOrUndefined(backup.createdAt) ?? isoOrUndefined(resultOf(steps, 'snapshot').createdAt);
    if (created) {
      report.rpo = measure(created, started, rpoObjective, request.outcome === 'Succeeded');
      const name = stringOf(backup.name);
      if (name) report.rpo.backupName = name;
    }
    const restore = restoreCounts(resultOf(steps, 'restore'));
    if (restore) report.restore = restore;
    if (request.workflow === 'failback' && request.outcome === 'Succeeded') {
      report.carriedBack = {
        objects: restore ? restore.created + restore.updated : 0,
        volumes: numberOf(resultOf(steps, 'restore').volumes) ?? 0,
      };
    }
    const deletedInDr = resultOf(steps, 'restore').deletedInDr;
    if (isRecord(deletedInDr)) {
      report.deletedInDr = {
        objects: stringsOf(deletedInDr.deletedInDr),
        removedFromPrimary: stringsOf(deletedInDr.removedFromPrimary),
      };
    }
    const cleanup = cleanupOf(resultOf(steps, 'cleanup'));
    if (cleanup) report.cleanup = cleanup;
    const change = resultOf(steps, 'dns');
    if (Object.keys(change).length > 0) {
      report.dns = {
        ...optional('changeId', stringOf(change.changeId)),
        insync: resultOf(steps, 'dnsStatus').insync === true,
        previousRecords: Array.isArray(change.previousRecords) ? change.previousRecords.length : 0,
      };
    }
  }
  if (request.error !== undefined) report.error = describeError(request.error);
  report.summary = summaryOf(report);
  return report;
}

/** The timeline: known phases in workflow order, then any other step with timing, by start. */
export function buildTimeline(steps: Record<string, unknown>, executionStartTime: string): TimelineEntry[] {
  const entries: TimelineEntry[] = [];
  let previousEnd: string | undefined = isoOrUndefined(executionStartTime);
  const known = new Set<string>();
  for (const phase of PHASES) {
    for (const key of phase.keys) known.add(key);
    const present = phase.keys.filter((key) => key in steps);
    if (present.length === 0) continue;
    const timings = present.map((key) => timingOf(steps[key]));
    const ownStart = earliest(timings.map((timing) => timing.startedAt));
    const finishedAt = latest(timings.map((timing) => timing.finishedAt));
    const startedAt = phase.loops ? (previousEnd ?? ownStart) : (ownStart ?? previousEnd);
    entries.push(entry(phase.step, startedAt, finishedAt));
    if (finishedAt) previousEnd = finishedAt;
  }
  const others = Object.keys(steps)
    .filter((key) => !known.has(key))
    .map((key) => {
      const timing = timingOf(steps[key]);
      return entry(key, timing.startedAt, timing.finishedAt);
    })
    .sort((a, b) => (a.startedAt ?? '~').localeCompare(b.startedAt ?? '~'));
  return [...entries, ...others];
}

/** `372` → `6m12s`; `45` → `45s`; `3720` → `1h02m`. */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const secs = total % 60;
  if (hours > 0) return `${hours}h${String(minutes).padStart(2, '0')}m`;
  if (minutes > 0) return `${minutes}m${String(secs).padStart(2, '0')}s`;
  return `${secs}s`;
}

/** When the service was back: DNS INSYNC; for a drill, which never moves DNS, the passed health gate. */
function recoveredAt(steps: Record<string, unknown>, workflow: ReportedWorkflow): string | undefined {
  const status = resultOf(steps, 'dnsStatus');
  if (status.insync === true) return timingOf(steps.dnsStatus).finishedAt;
  if (workflow === 'drill' && resultOf(steps, 'health').healthy === true)
    return timingOf(steps.health).finishedAt;
  return undefined;
}

function metricsOf(report: RunReport, now: Date): MetricPoint[] {
  const dimensions = { Workflow: report.workflow };
  const point = (name: string, value: number, unit: MetricPoint['unit']): MetricPoint => ({
    name,
    value,
    unit,
    timestamp: now,
    dimensions,
  });
  const points: MetricPoint[] = [
    point('WorkflowSucceeded', report.outcome === 'Succeeded' ? 1 : 0, 'Count'),
    point('WorkflowFailed', report.outcome === 'Failed' ? 1 : 0, 'Count'),
    point('WorkflowNotRun', report.outcome === 'NotRun' ? 1 : 0, 'Count'),
  ];
  if (report.rto) points.push(point('RtoSeconds', report.rto.seconds, 'Seconds'));
  if (report.rpo) {
    points.push(point('RpoSeconds', report.rpo.seconds, 'Seconds'));
    points.push(point('BackupAgeSeconds', report.rpo.seconds, 'Seconds'));
  }
  if (report.restore) {
    points.push(point('ObjectsRestored', report.restore.created + report.restore.updated, 'Count'));
    points.push(point('ObjectsSkipped', report.restore.skipped, 'Count'));
    points.push(point('ObjectsFailed', report.restore.failed, 'Count'));
  }
  if (report.backup?.objects !== undefined)
    points.push(point('ObjectsBackedUp', report.backup.objects, 'Count'));
  if (report.backup?.bytes !== undefined) points.push(point('BackupBytes', report.backup.bytes, 'Bytes'));
  for (const step of report.timeline) {
    if (step.durationSeconds === undefined) continue;
    points.push({
      name: 'StepDurationSeconds',
      value: step.durationSeconds,
      unit: 'Seconds',
      timestamp: now,
      dimensions: { ...dimensions, Step: step.step },
    });
  }
  return points;
}

function summaryOf(report: RunReport): string {
  if (report.notRun) return `eks-dr ${report.plan}: ${report.workflow} not run: ${report.notRun.reason}`;
  const head = `eks-dr ${report.plan}: ${report.workflow} ${report.outcome}`;
  if (report.outcome === 'Failed' && report.error) return `${head} — ${report.error.name}`;
  if (report.carriedBack && report.carriedBack.objects + report.carriedBack.volumes === 0) {
    return `${head} — but carried nothing back from DR`;
  }
  if (report.rto) return `${head} — RTO ${formatDuration(report.rto.seconds)}`;
  if (report.rpo) return `${head} — RPO ${formatDuration(report.rpo.seconds)}`;
  return head;
}

/** The notification body: plain text a person reads on a phone, the full JSON after it. */
function renderMessage(report: RunReport): string {
  const lines = [report.summary, '', `Execution: ${report.executionName}`];
  if (report.reason) lines.push(`Reason: ${report.reason}`);
  if (report.notRun) lines.push(`Not run: ${report.notRun.reason}`, 'Nothing was changed by this run.');
  if (report.error) lines.push(`Error: ${report.error.name}: ${report.error.message}`);
  const objective = (label: string, value: ObjectiveMeasure) =>
    `${label}: ${formatDuration(value.seconds)} (objective ${formatDuration(value.objectiveSeconds)}, ${value.met ? 'met' : 'breached'})`;
  if (report.rto) lines.push(objective('RTO', report.rto));
  if (report.rpo) lines.push(objective('RPO', report.rpo));
  if (report.restore) {
    const r = report.restore;
    lines.push(
      `Objects: ${r.created} created, ${r.updated} updated, ${r.skipped} skipped, ${r.failed} failed`,
    );
  }
  if (report.carriedBack) {
    const { objects, volumes } = report.carriedBack;
    lines.push(`Carried back from DR: ${objects} objects, ${volumes} volumes`);
  }
  if (report.deletedInDr && report.deletedInDr.objects.length > 0) {
    const { objects, removedFromPrimary } = report.deletedInDr;
    // Named one by one: a person decides whether what DR deleted should go from the primary too.
    lines.push(
      removedFromPrimary.length > 0
        ? `Deleted in DR, removed from the primary: ${removedFromPrimary.join(', ')}`
        : `Deleted in DR, still in the primary (removeDeletedInDr removes them): ${objects.join(', ')}`,
    );
  }
  if (report.cleanup) {
    const c = report.cleanup;
    lines.push(
      `Cleanup: ${c.namespaces} namespaces, ${c.persistentVolumes} PVs and ${c.volumes} DR volumes deleted`,
    );
    // Still attached when the step had to stop: they keep billing until someone deletes them.
    for (const left of c.volumesLeft) lines.push(`  left behind: ${left.volumeId} (${left.reason})`);
  }
  if (report.backup?.objects !== undefined) {
    lines.push(
      `Backup: ${report.backup.name ?? '?'}, ${report.backup.objects} objects, ${report.backup.bytes ?? 0} bytes`,
    );
  }
  lines.push('', 'Timeline:');
  for (const step of report.timeline) {
    const took = step.durationSeconds !== undefined ? formatDuration(step.durationSeconds) : '-';
    lines.push(`  ${step.step.padEnd(16)} ${(step.startedAt ?? '').padEnd(24)} ${took}`);
  }
  lines.push('', JSON.stringify(report, null, 2));
  return lines.join('\n');
}

/** The guard's reason; a run sent down the not-run path without one still says it did not run. */
function notRunOf(guard: Record<string, unknown>): RunReport['notRun'] {
  const notRun = isRecord(guard.notRun) ? guard.notRun : {};
  const holder = isRecord(notRun.holder) ? stringOf(notRun.holder.name) : undefined;
  return {
    reason: stringOf(notRun.reason) ?? 'the guard did not let the run proceed',
    ...optional('holder', holder),
  };
}

function cleanupOf(result: Record<string, unknown>): RunReport['cleanup'] {
  if (Object.keys(result).length === 0) return undefined;
  const count = (value: unknown) => (Array.isArray(value) ? value.length : 0);
  const left = Array.isArray(result.volumesLeft) ? result.volumesLeft.filter(isRecord) : [];
  return {
    namespaces: count(result.deletedNamespaces),
    persistentVolumes: count(result.deletedPersistentVolumes),
    volumes: count(result.deletedVolumes),
    volumesLeft: left.map((entry) => ({
      volumeId: stringOf(entry.volumeId) ?? '?',
      reason: stringOf(entry.reason) ?? '',
    })),
  };
}

function restoreCounts(result: Record<string, unknown>): RestoreCounts | undefined {
  const counts = isRecord(result.counts)
    ? result.counts
    : isRecord(result.totals)
      ? result.totals
      : undefined;
  if (counts === undefined) return undefined;
  const byResource: Record<string, number> = {};
  const perResource = isRecord(counts.byResource) ? counts.byResource : {};
  for (const [resource, value] of Object.entries(perResource)) {
    const total =
      typeof value === 'number'
        ? value
        : isRecord(value)
          ? (numberOf(value.created) ?? 0) + (numberOf(value.updated) ?? 0)
          : 0;
    byResource[resource] = total;
  }
  return {
    planned: numberOf(counts.planned) ?? 0,
    created: numberOf(counts.created) ?? 0,
    updated: numberOf(counts.updated) ?? 0,
    skipped: numberOf(counts.skippedExists) ?? numberOf(counts.skipped) ?? 0,
    failed: numberOf(counts.failed) ?? 0,
    byResource,
  };
}

function describeError(error: unknown): { name: string; message: string } {
  if (!isRecord(error)) return { name: 'Error', message: String(error) };
  const name = stringOf(error.Error) ?? stringOf(error.name) ?? 'Error';
  const cause = stringOf(error.Cause) ?? stringOf(error.message) ?? '';
  // A Lambda error's Cause is JSON: {"errorType": ..., "errorMessage": ...}.
  try {
    const parsed: unknown = JSON.parse(cause);
    if (isRecord(parsed) && typeof parsed.errorMessage === 'string')
      return { name, message: parsed.errorMessage };
  } catch {
    // Not JSON: a States.* error's Cause is plain text.
  }
  return { name, message: cause };
}

function measure(from: string, to: string, objectiveSeconds: number, succeeded: boolean): ObjectiveMeasure {
  const seconds = Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));
  return { seconds, objectiveSeconds, met: succeeded && seconds <= objectiveSeconds, from, to };
}

function entry(step: string, startedAt: string | undefined, finishedAt: string | undefined): TimelineEntry {
  const duration =
    startedAt && finishedAt
      ? Math.max(0, Math.round((Date.parse(finishedAt) - Date.parse(startedAt)) / 1000))
      : undefined;
  return {
    step,
    ...(startedAt ? { startedAt } : {}),
    ...(finishedAt ? { finishedAt } : {}),
    ...(duration !== undefined ? { durationSeconds: duration } : {}),
  };
}

function timingOf(step: unknown): Partial<StepTiming> {
  const result = isRecord(step) && isRecord(step.result) ? step.result : isRecord(step) ? step : {};
  return {
    ...optional('startedAt', isoOrUndefined(result.startedAt)),
    ...optional('finishedAt', isoOrUndefined(result.finishedAt)),
  };
}

function resultOf(steps: Record<string, unknown>, key: string): Record<string, unknown> {
  const step = steps[key];
  return isRecord(step) && isRecord(step.result) ? step.result : {};
}

function earliest(values: (string | undefined)[]): string | undefined {
  return values.filter((v) => v !== undefined).sort()[0];
}

function latest(values: (string | undefined)[]): string | undefined {
  return values
    .filter((v) => v !== undefined)
    .sort()
    .at(-1);
}

function isoOrUndefined(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

function numberOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
