// Demo data two ways: fixed by hand (exact text in assertions), and produced by running the real failover
// ASL through the local runner with scripted handlers on a modelled clock, so the tracker, the reporter and
// the renderers see the events and state document a real run produces.

import type { DemoReportData } from '../../../cli/demo/demo-data.ts';
import { LiveProgress, type ProgressStream } from '../../../cli/demo/live-progress.ts';
import type { StepProgress } from '../../../cli/demo/progress-tracker.ts';
import { modelledTimeOf } from '../../../cli/demo/progress-tracker.ts';
import { SandboxClock } from '../../../sandbox/aws/sandbox-clock.ts';
import {
  type LocalFunction,
  type LocalWorkflowResult,
  runLocalWorkflow,
} from '../../../sandbox/workflows/local-workflow-runner.ts';
import { buildReport, type RunReport } from '../../../src/failover/report.ts';
import { aPlan } from '../../failover/failover-fixtures.ts';

export const plan = aPlan((raw) => {
  raw.objectives = { rtoMinutes: 15, rpoMinutes: 90 };
});

export const at = (time: string) => `2024-05-01T${time}Z`;
const ms = (time: string) => Date.parse(at(time));
const step = (startedAt: string, finishedAt: string, result: Record<string, unknown> = {}) => ({
  result: { ...result, startedAt: at(startedAt), finishedAt: at(finishedAt) },
});

/** A failover that went well: alarm 12:34:56, DNS INSYNC 12:41:08 (RTO 6m12s), backup of 12:00 (RPO 35m). */
export function aFailoverReport(): RunReport {
  return buildReport(
    plan,
    {
      workflow: 'failover',
      outcome: 'Succeeded',
      executionName: 'shop-failover-20240501T1234Z',
      executionStartTime: at('12:35:00'),
      input: { reason: 'alarm', trigger: { type: 'alarm', name: 'shop-5xx-high', time: at('12:34:56') } },
      steps: {
        guard: step('12:35:00', '12:35:01'),
        backup: step('12:35:01', '12:35:03', { name: 'shop-1200', createdAt: at('12:00:00') }),
        scaleUp: step('12:35:03', '12:35:04'),
        scaleUpStatus: step('12:36:34', '12:36:35', { ready: true }),
        restore: step('12:37:40', '12:38:00', {
          done: true,
          counts: {
            planned: 120,
            created: 110,
            updated: 0,
            skippedExists: 8,
            failed: 2,
            byResource: { configmaps: 40, 'deployments.apps': 12 },
          },
        }),
        workloads: step('12:39:30', '12:39:31', { ready: true }),
        health: step('12:39:31', '12:39:34', { healthy: true }),
        dns: step('12:39:34', '12:39:35', { changeId: 'C1', previousRecords: [{}] }),
        dnsStatus: step('12:41:07', '12:41:08', { insync: true }),
      },
    },
    new Date(at('12:41:10')),
  );
}

function progress(
  id: string,
  label: string,
  realMs: number,
  extra: Partial<StepProgress> = {},
): StepProgress {
  return {
    id,
    label,
    status: 'succeeded',
    startedAtMs: 0,
    finishedAtMs: realMs,
    realMs,
    rounds: 0,
    retries: 0,
    ...extra,
  };
}

/** The hand-made failover with live progress, DNS, per-resource counts and clock spans. */
export function aFailoverData(): DemoReportData {
  return {
    report: aFailoverReport(),
    progress: [
      progress('guard', 'Guard', 12),
      progress('backup', 'Pick backup', 20),
      progress('capacity', 'Capacity up', 921, { rounds: 3 }),
      progress('restore', 'Restore', 1480, { rounds: 2, retries: 1 }),
      progress('workloads', 'Workloads ready', 160, { rounds: 1 }),
      progress('health', 'Health gate', 31),
      progress('dns', 'DNS cutover', 640, { rounds: 2 }),
      progress('report', 'Report', 9),
    ],
    spans: [
      {
        label: 'eks dr/workers 0→3 nodes',
        startedAt: new Date(ms('12:35:04')),
        modelledMs: 88_000,
        realMs: 880,
      },
      {
        label: 'route53 UPSERT shop.example.com',
        startedAt: new Date(ms('12:39:35')),
        modelledMs: 60_000,
        realMs: 600,
      },
    ],
    dns: { name: 'shop.example.com', type: 'A', before: ['203.0.113.10'], after: ['198.51.100.20'] },
    resources: [
      { resource: 'configmaps', created: 40, updated: 0, skipped: 2, failed: 0 },
      { resource: 'deployments.apps', created: 12, updated: 0, skipped: 0, failed: 2 },
      { resource: 'secrets', created: 30, updated: 0, skipped: 6, failed: 0 },
    ],
    realMsPerModelledSecond: 10,
    generatedAt: at('12:41:12'),
  };
}

/** Collects what a renderer writes. */
export class CapturedStream implements ProgressStream {
  text = '';
  constructor(
    readonly isTTY = false,
    readonly columns = 100,
  ) {}
  write(text: string): boolean {
    this.text += text;
    return true;
  }
}

export class HealthCheckFailedError extends Error {
  override name = 'HealthCheckFailedError';
}

/** What a scripted run produced. */
export interface ScriptedRun {
  result: LocalWorkflowResult;
  live: LiveProgress;
  stream: CapturedStream;
  data: DemoReportData;
}

/** Options of runScriptedFailover. */
export interface ScriptedFailoverOptions {
  /** The health gate never passes: the run fails at HealthGate with DNS untouched. */
  unhealthy?: boolean;
  /** Restore's first attempt times out once (a retry on the Restore step). */
  timeOutRestoreOnce?: boolean;
  /** Draw as on a terminal. */
  tty?: boolean;
}

/**
 * Runs statemachines/failover.asl.json with scripted handlers on a real SandboxClock (1 modelled second =
 * 2 real ms): each handler sleeps what the operation would take on AWS and stamps its result with
 * startedAt/finishedAt on the modelled clock, Wait states last their modelled seconds, and the Report task
 * calls the real buildReport: the events and state document a sandbox run produces, in a fraction of a second.
 */
export async function runScriptedFailover(options: ScriptedFailoverOptions = {}): Promise<ScriptedRun> {
  const clock = new SandboxClock({ realMsPerModelledSecond: 2 });
  const start = clock.nowMs();
  const trigger = { type: 'alarm', name: 'shop-5xx-high' };
  const iso = (value: number) => new Date(value).toISOString();
  const stamped =
    (
      seconds: (payload: Record<string, unknown>) => number,
      answer: (payload: Record<string, unknown>) => unknown,
    ): LocalFunction =>
    async (payload: unknown) => {
      const p = payload as Record<string, unknown>;
      const startedAt = clock.now().toISOString();
      await clock.sleep(seconds(p) * 1000);
      const result = answer(p);
      if (result instanceof Error) throw result;
      return { ...(result as object), startedAt, finishedAt: clock.now().toISOString() };
    };
  let capacityChecks = 0;
  let dnsChecks = 0;
  let restoreCalls = 0;
  let timedOut = false;
  // A failed run's output is the Fail state's error, not the state document: keep what Report answered.
  let lastReport: RunReport | undefined;
  // The runner validates the ASL before the first state, for a real time that varies with load; the alarm
  // is placed 4 s (modelled) before Guard ran so the RTO measures the workflow, not that validation.
  let guardAt: number | undefined;
  const functions: Partial<Record<string, LocalFunction>> = {
    Guard: stamped(
      () => 0.3,
      () => {
        guardAt ??= clock.nowMs();
        return { proceed: true, approvalRequired: false, cleanup: false };
      },
    ),
    SelectBackup: stamped(
      () => 1.2,
      () => ({ name: 'shop-nightly', createdAt: iso((guardAt ?? start) - 35 * 60_000) }),
    ),
    Capacity: stamped(
      (p) => (p.action === 'status' ? 0.5 : 2),
      (p) => (p.action === 'status' ? { ready: ++capacityChecks >= 3 } : { updates: ['u-1'] }),
    ),
    Restore: stamped(
      () => 9,
      () => {
        if (options.timeOutRestoreOnce && !timedOut) {
          timedOut = true;
          return Object.assign(new Error('Task timed out after 900.00 seconds'), {
            name: 'Sandbox.Timedout',
          });
        }
        restoreCalls += 1;
        const done = restoreCalls >= 2;
        return {
          done,
          continuation: done ? null : { nextIndex: 60 },
          counts: {
            planned: 120,
            created: done ? 112 : 60,
            updated: 0,
            skippedExists: done ? 8 : 0,
            failed: 0,
            byResource: { configmaps: 40, secrets: 30, 'deployments.apps': 12, services: 10 },
          },
        };
      },
    ),
    WorkloadsReady: stamped(
      () => 0.4,
      () => ({ ready: true }),
    ),
    Health: stamped(
      () => 0.8,
      () =>
        options.unhealthy
          ? new HealthCheckFailedError('GET https://dr.shop.example.com/healthz: 503')
          : { healthy: true },
    ),
    Dns: stamped(
      (p) => (p.action === 'status' ? 0.3 : 1.1),
      (p) =>
        p.action === 'status' ? { insync: ++dnsChecks >= 3 } : { changeId: 'C0PY', previousRecords: [{}] },
    ),
    Report: async (payload: unknown) => {
      const p = payload as Record<string, unknown>;
      lastReport = buildReport(
        plan,
        {
          workflow: 'failover',
          outcome: p.outcome as 'Succeeded' | 'Failed',
          executionName: String(p.executionName),
          executionStartTime: iso(guardAt ?? start),
          input: { ...(p.input as object), trigger: { ...trigger, time: iso((guardAt ?? start) - 4000) } },
          steps: p.steps as Record<string, unknown>,
          error: p.error,
        },
        clock.now(),
      );
      return lastReport;
    },
  };
  const stream = new CapturedStream(options.tty ?? false);
  const live = new LiveProgress({
    stream,
    workflow: 'failover',
    modelledAt: modelledTimeOf(clock),
    spinnerIntervalMs: 5,
  });
  const result = await runLocalWorkflow({
    workflow: 'failover',
    input: { reason: 'alarm', trigger: { ...trigger, time: iso(start - 4000) } },
    functions,
    executionName: 'shop-failover-scripted',
    waitMs: (seconds) => clock.toRealMs(seconds * 1000),
    onEvent: live.onEvent,
  });
  live.finish();
  clock.cancelAll();
  if (!lastReport) throw new Error(`the scripted failover never reported: ${result.error}`);
  const data: DemoReportData = {
    report: lastReport,
    progress: live.steps,
    dns: {
      name: 'shop.example.com',
      type: 'A',
      before: ['203.0.113.10'],
      after: options.unhealthy ? ['203.0.113.10'] : ['198.51.100.20'],
    },
    spans: clock.spans,
    realMsPerModelledSecond: 2,
  };
  return { result, live, stream, data };
}
