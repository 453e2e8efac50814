import { describe, expect, it } from 'vitest';
import { modelledTimeOf, ProgressTracker } from '../../../cli/demo/progress-tracker.ts';
import type { WorkflowEvent } from '../../../sandbox/workflows/local-workflow-runner.ts';
import { runScriptedFailover } from './demo-fixtures.ts';

const entered = (state: string, timestamp: number): WorkflowEvent => ({
  type: 'StateEntered',
  state,
  timestamp,
});
const exited = (state: string, timestamp: number): WorkflowEvent => ({
  type: 'StateExited',
  state,
  timestamp,
});

describe('ProgressTracker', () => {
  it('folds a real failover run into one step per logical phase, with loop rounds and retries', async () => {
    // Arrange
    const run = await runScriptedFailover({ timeOutRestoreOnce: true });

    // Act
    const steps = run.live.tracker.steps;

    // Assert
    expect(run.result.status).toBe('SUCCEEDED');
    expect(steps.map((s) => [s.id, s.rounds, s.retries])).toEqual([
      ['guard', 0, 0],
      ['backup', 0, 0],
      ['capacity', 3, 0],
      ['restore', 2, 1],
      ['workloads', 1, 0],
      ['health', 0, 0],
      ['dns', 3, 0],
      ['report', 0, 0],
    ]);
    expect(steps.every((s) => s.status === 'succeeded')).toBe(true);
    expect(run.live.tracker.outcome).toBe('succeeded');
    // Two Waits of 30 s sit inside the capacity loop, modelled; locally they took milliseconds.
    const capacity = steps.find((s) => s.id === 'capacity');
    expect(capacity?.modelledMs).toBeGreaterThanOrEqual(60_000);
    expect(capacity?.realMs).toBeLessThan(capacity?.modelledMs ?? 0);
  });

  it('fails the step whose error was caught, with its error, and lets the failure report succeed', async () => {
    // Arrange
    const run = await runScriptedFailover({ unhealthy: true });

    // Act
    const tracker = run.live.tracker;

    // Assert
    expect(run.result.status).toBe('FAILED');
    expect(tracker.outcome).toBe('failed');
    expect(tracker.failedStep).toMatchObject({
      id: 'health',
      status: 'failed',
      error: { name: 'HealthCheckFailedError', message: 'GET https://dr.shop.example.com/healthz: 503' },
    });
    expect(tracker.failedStep?.retries).toBeGreaterThan(0);
    expect(tracker.steps.map((s) => s.id)).toEqual([
      'guard',
      'backup',
      'capacity',
      'restore',
      'workloads',
      'health',
      'report',
    ]);
    expect(tracker.steps.at(-1)?.status).toBe('succeeded');
  });

  it('fails the running step when the execution fails on an uncaught error, and ignores routing states', () => {
    // Arrange
    const tracker = new ProgressTracker();
    const events: WorkflowEvent[] = [
      entered('Start', 1000),
      exited('Start', 1001),
      entered('Guard', 1002),
      exited('Guard', 1010),
      entered('ApprovalRequired', 1011),
      exited('ApprovalRequired', 1012),
      entered('Report', 1020),
      {
        type: 'StateFailed',
        state: 'Report',
        timestamp: 1030,
        error: 'SnsError',
        cause: '{"errorMessage":"topic gone"}',
      },
      { type: 'ExecutionFailed', timestamp: 1031, error: 'SnsError' },
    ];

    // Act
    for (const event of events) tracker.apply(event);

    // Assert
    expect(tracker.steps.map((s) => [s.id, s.status, s.realMs])).toEqual([
      ['guard', 'succeeded', 8],
      ['report', 'failed', 11],
    ]);
    expect(tracker.failedStep?.error).toEqual({ name: 'SnsError', message: 'topic gone' });
  });

  it('maps event timestamps onto the modelled clock rather than reading it when the event arrives', () => {
    // Arrange: a clock ten times slower than... modelled: 1 real ms = 100 modelled ms.
    const clock = { scale: 0.01, nowMs: () => 5_000_000 };
    const realNow = Date.now();
    const modelledAt = modelledTimeOf(clock);
    const tracker = new ProgressTracker({ modelledAt });

    // Act
    tracker.apply(entered('ChangeDns', realNow - 700));
    tracker.apply(exited('CheckDns', realNow - 100));
    tracker.apply({ type: 'ExecutionSucceeded', timestamp: realNow });

    // Assert
    const dns = tracker.steps[0];
    expect(dns?.label).toBe('DNS cutover');
    expect(dns?.modelledMs).toBeGreaterThanOrEqual(59_000);
    expect(dns?.modelledMs).toBeLessThanOrEqual(61_000);
    expect(dns?.realMs).toBe(600);
  });

  it('labels failback steps as the way back', () => {
    // Arrange
    const tracker = new ProgressTracker({ workflow: 'failback' });

    // Act
    tracker.apply(entered('CopyToPrimary', 1));
    tracker.apply(entered('ChangeDns', 2));

    // Assert
    expect(tracker.steps.map((s) => s.label)).toEqual(['Copy to primary', 'DNS back']);
  });
});
