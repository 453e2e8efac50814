import { describe, expect, it } from 'vitest';
import { SandboxMetrics } from '../../sandbox/aws/sandbox-metrics.ts';
import { SandboxNotifier } from '../../sandbox/aws/sandbox-notifier.ts';
import { SandboxRecoveryLedger } from '../../sandbox/aws/sandbox-recovery-ledger.ts';
import { buildTimeline, formatDuration, RunReporter } from '../../src/failover/report.ts';
import { timed } from '../../src/failover/timing.ts';
import { aPlan } from './failover-fixtures.ts';

const plan = aPlan((raw) => {
  raw.objectives = { rtoMinutes: 15, rpoMinutes: 90 };
});

const at = (time: string) => `2024-05-01T${time}Z`;
const step = (startedAt: string, finishedAt: string, result: Record<string, unknown> = {}) => ({
  result: { ...result, startedAt: at(startedAt), finishedAt: at(finishedAt) },
});

/** The state document of a failover that went well: alarm 12:34:56, DNS INSYNC 12:41:08. */
function failoverSteps() {
  return {
    guard: step('12:35:00', '12:35:01', { approvalRequired: false }),
    backup: step('12:35:01', '12:35:03', { name: 'shop-1200', createdAt: at('12:00:00') }),
    scaleUp: step('12:35:03', '12:35:04', { updates: [] }),
    scaleUpStatus: step('12:36:34', '12:36:35', { ready: true }),
    restore: step('12:37:40', '12:38:00', {
      done: true,
      phase: 'Completed',
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
    health: step('12:39:31', '12:39:34', { healthy: true, status: '200', latencyMs: 12 }),
    dns: step('12:39:34', '12:39:35', { changeId: 'C1', previousRecords: [{}, {}] }),
    dnsStatus: step('12:41:07', '12:41:08', { insync: true }),
  };
}

function aReporter(now = new Date(at('12:41:10'))) {
  const metrics = new SandboxMetrics();
  const notifier = new SandboxNotifier();
  const ledger = new SandboxRecoveryLedger();
  const reporter = new RunReporter({ plan, metrics, notifier, ledger, now: () => now });
  return { reporter, metrics, notifier, ledger };
}

const ARN = 'arn:aws:states:eu-central-1:111122223333:execution:shop-failover:shop-failover-20240501T1234Z';

async function claimFor(ledger: SandboxRecoveryLedger, arn = ARN) {
  await ledger.claim({
    plan: 'shop',
    execution: { name: arn.split(':').at(-1) ?? '', arn, workflow: 'failover', startedAt: at('12:35:00') },
    leaseSeconds: 3600,
    now: new Date(at('12:35:00')),
  });
}

describe('RunReporter', () => {
  it('reports a failover: timeline, RTO from the alarm to INSYNC, RPO, counts, metrics and SNS', async () => {
    // Arrange
    const { reporter, metrics, notifier } = aReporter();

    // Act
    const report = await reporter.report({
      workflow: 'failover',
      outcome: 'Succeeded',
      executionName: 'shop-failover-20240501T1234Z',
      executionStartTime: at('12:35:00'),
      input: { reason: 'alarm', trigger: { type: 'alarm', name: 'shop-5xx-high', time: at('12:34:56') } },
      steps: failoverSteps(),
    });

    // Assert
    expect(report.rto).toEqual({
      seconds: 372,
      objectiveSeconds: 900,
      met: true,
      from: at('12:34:56.000'),
      to: at('12:41:08.000'),
    });
    expect(report.rpo).toMatchObject({
      seconds: 2100,
      objectiveSeconds: 5400,
      met: true,
      backupName: 'shop-1200',
    });
    expect(report.restore).toEqual({
      planned: 120,
      created: 110,
      updated: 0,
      skipped: 8,
      failed: 2,
      byResource: { configmaps: 40, 'deployments.apps': 12 },
    });
    expect(report.dns).toEqual({ changeId: 'C1', insync: true, previousRecords: 2 });
    expect(report.timeline.map((e) => [e.step, e.durationSeconds])).toEqual([
      ['guard', 1],
      ['backup', 2],
      ['capacity', 92],
      ['restore', 85],
      ['workloads', 91],
      ['health', 3],
      ['dns', 94],
    ]);
    expect(report.summary).toBe('eks-dr shop: failover Succeeded — RTO 6m12s');
    expect(notifier.sent[0]?.subject).toBe('eks-dr shop: failover Succeeded - RTO 6m12s');
    expect(notifier.sent[0]?.message).toContain('RTO: 6m12s (objective 15m00s, met)');
    expect(metrics.values('RtoSeconds', 'shop')).toEqual([372]);
    expect(metrics.values('RpoSeconds')).toEqual([2100]);
    expect(metrics.values('ObjectsRestored')).toEqual([110]);
    expect(metrics.values('ObjectsFailed')).toEqual([2]);
    expect(metrics.values('WorkflowSucceeded')).toEqual([1]);
    expect(metrics.values('WorkflowFailed')).toEqual([0]);
    expect(
      metrics.published.find((m) => m.name === 'StepDurationSeconds' && m.dimensions.Step === 'capacity')
        ?.value,
    ).toBe(92);
  });

  it('reports a run the guard did not let proceed as not run, never as failed, and frees no one', async () => {
    // Arrange
    const { reporter, metrics, notifier, ledger } = aReporter();
    const holder = ARN.replace('T1234Z', 'T1230Z');
    await claimFor(ledger, holder);
    const reason =
      'failover shop-failover-20240501T1230Z is recovering plan shop; one recovery runs at a time';

    // Act
    const report = await reporter.report({
      workflow: 'failover',
      outcome: 'NotRun',
      executionName: 'shop-failover-20240501T1234Z',
      executionStartTime: at('12:35:00'),
      executionId: ARN,
      steps: {
        guard: step('12:35:00', '12:35:01', {
          proceed: false,
          notRun: { reason, holder: { name: 'shop-failover-20240501T1230Z', arn: holder } },
        }),
      },
    });

    // Assert
    expect(report).toMatchObject({
      outcome: 'NotRun',
      notRun: { reason, holder: 'shop-failover-20240501T1230Z' },
      summary: `eks-dr shop: failover not run: ${reason}`,
    });
    expect(report.rto).toBeUndefined();
    expect(report.error).toBeUndefined();
    expect(notifier.sent[0]?.message).toContain(`Not run: ${reason}`);
    expect(notifier.sent[0]?.message).not.toMatch(/failed/i);
    expect(metrics.values('WorkflowFailed')).toEqual([0]);
    expect(metrics.values('WorkflowSucceeded')).toEqual([0]);
    expect(metrics.values('WorkflowNotRun')).toEqual([1]);
    expect(metrics.values('RtoSeconds')).toEqual([]);
    expect(ledger.claimOf('shop')?.arn).toBe(holder);
  });

  it.each(['Succeeded', 'Failed'] as const)('releases the claim of a failover that %s', async (outcome) => {
    // Arrange
    const { reporter, ledger } = aReporter();
    await claimFor(ledger);

    // Act
    await reporter.report({
      workflow: 'failover',
      outcome,
      executionName: 'shop-failover-20240501T1234Z',
      executionStartTime: at('12:35:00'),
      executionId: ARN,
      steps: failoverSteps(),
    });

    // Assert
    expect(ledger.claimOf('shop')).toBeUndefined();
    // The DNS step recorded the side; the report does not record it again.
    expect(await ledger.activeSide('shop')).toMatchObject({ side: 'primary', since: null });
  });

  it.each([
    ['failover', 'dr'],
    ['failback', 'primary'],
  ] as const)(
    'records the side a %s without DNS records moved to, before it releases',
    async (workflow, side) => {
      // Arrange
      const { reporter, ledger } = aReporter();
      await claimFor(ledger);
      const { dns: _dns, dnsStatus: _status, ...steps } = failoverSteps();

      // Act
      await reporter.report({
        workflow,
        outcome: 'Succeeded',
        executionName: 'shop-failover-20240501T1234Z',
        executionStartTime: at('12:35:00'),
        executionId: ARN,
        steps,
      });

      // Assert
      expect(await ledger.activeSide('shop')).toEqual({
        side,
        since: at('12:41:10.000'),
        executionName: 'shop-failover-20240501T1234Z',
      });
      expect(ledger.claimOf('shop')).toBeUndefined();
    },
  );

  it('never records a side for a drill or a failed failover', async () => {
    // Arrange
    const { reporter, ledger } = aReporter();
    const base = { executionName: 'x', executionStartTime: at('12:35:00'), executionId: ARN, steps: {} };

    // Act
    await reporter.report({ ...base, workflow: 'drill', outcome: 'Succeeded' });
    await reporter.report({ ...base, workflow: 'failover', outcome: 'Failed' });

    // Assert
    expect(await ledger.activeSide('shop')).toMatchObject({ side: 'primary', since: null });
  });

  it('reports a failure with the cause, RTO breached and measured to the report time', async () => {
    // Arrange
    const { reporter, metrics, notifier } = aReporter(new Date(at('12:40:00')));
    const steps = failoverSteps();
    const { guard, backup, scaleUp } = steps;

    // Act
    const report = await reporter.report({
      workflow: 'failover',
      outcome: 'Failed',
      executionName: 'x',
      executionStartTime: at('12:35:00'),
      input: {},
      steps: { guard, backup, scaleUp },
      error: {
        Error: 'NodeGroupUpdateFailedError',
        Cause: JSON.stringify({
          errorType: 'NodeGroupUpdateFailedError',
          errorMessage: 'node group shop-dr/workers update u1 Failed: NodeCreationFailure: boom',
        }),
      },
    });

    // Assert
    expect(report.error).toEqual({
      name: 'NodeGroupUpdateFailedError',
      message: 'node group shop-dr/workers update u1 Failed: NodeCreationFailure: boom',
    });
    expect(report.rto).toMatchObject({ seconds: 300, met: false });
    expect(report.summary).toBe('eks-dr shop: failover Failed — NodeGroupUpdateFailedError');
    expect(notifier.sent[0]?.message).toContain(
      'Error: NodeGroupUpdateFailedError: node group shop-dr/workers',
    );
    expect(metrics.values('WorkflowFailed')).toEqual([1]);
    expect(report.dns).toBeUndefined();
  });

  it('measures a drill to its passed health gate, since a drill never moves DNS', async () => {
    // Arrange
    const { reporter } = aReporter(new Date(at('12:50:00')));
    const { guard, backup, scaleUp, scaleUpStatus, restore, workloads, health } = failoverSteps();

    // Act
    const report = await reporter.report({
      workflow: 'drill',
      outcome: 'Succeeded',
      executionName: 'drill-1',
      executionStartTime: at('12:35:00'),
      steps: {
        guard,
        backup,
        scaleUp,
        scaleUpStatus,
        restore,
        workloads,
        health,
        scaleDown: step('12:45:00', '12:45:01'),
      },
    });

    // Assert
    expect(report.rto).toMatchObject({
      seconds: 274,
      from: at('12:35:00.000'),
      to: at('12:39:34.000'),
      met: true,
    });
    expect(report.timeline.at(-1)).toMatchObject({ step: 'scaleDown', durationSeconds: 1 });
  });

  it("reports a drill's cleanup, naming any DR volume it had to leave attached", async () => {
    // Arrange
    const { reporter, notifier } = aReporter(new Date(at('12:50:00')));
    const { guard, backup, restore, health } = failoverSteps();
    const cleanup = step('12:44:00', '12:46:00', {
      deletedNamespaces: ['drill-shop', 'drill-payments'],
      deletedPersistentVolumes: ['pv-a', 'pv-b', 'pv-c'],
      deletedVolumes: ['vol-0a', 'vol-0b'],
      volumesLeft: [{ volumeId: 'vol-0c', reason: 'still in-use at the deadline' }],
    });

    // Act
    const report = await reporter.report({
      workflow: 'drill',
      outcome: 'Succeeded',
      executionName: 'drill-2',
      executionStartTime: at('12:35:00'),
      steps: { guard, backup, restore, health, cleanup },
    });

    // Assert
    expect(report.cleanup).toEqual({
      namespaces: 2,
      persistentVolumes: 3,
      volumes: 2,
      volumesLeft: [{ volumeId: 'vol-0c', reason: 'still in-use at the deadline' }],
    });
    expect(notifier.sent[0]?.message).toContain('Cleanup: 2 namespaces, 3 PVs and 2 DR volumes deleted');
    expect(notifier.sent[0]?.message).toContain('left behind: vol-0c (still in-use at the deadline)');
  });

  it('reports a failback: what DR deleted, by name, and what of it was removed from the primary', async () => {
    // Arrange
    const { reporter, notifier } = aReporter(new Date(at('12:50:00')));
    const { guard, backup, health, dns, dnsStatus } = failoverSteps();
    const restoreOf = (removed: string[]) =>
      step('12:37:40', '12:38:00', {
        done: true,
        counts: { planned: 40, created: 1, updated: 37, skippedExists: 0, failed: 0 },
        deletedInDr: {
          deletedInDr: ['promotions.shop.example.com shop/spring-sale', 'configmaps shop/old'],
          removedFromPrimary: removed,
          comparedWith: ['shop-1200'],
          missingBackups: [],
        },
      });
    const run = (removed: string[]) =>
      reporter.report({
        workflow: 'failback',
        outcome: 'Succeeded',
        executionName: 'failback-1',
        executionStartTime: at('12:35:00'),
        steps: { guard, backup, restore: restoreOf(removed), health, dns, dnsStatus },
      });

    // Act
    const kept = await run([]);
    const removed = await run(['configmaps shop/old']);

    // Assert
    expect(kept.deletedInDr).toEqual({
      objects: ['promotions.shop.example.com shop/spring-sale', 'configmaps shop/old'],
      removedFromPrimary: [],
    });
    expect(removed.deletedInDr?.removedFromPrimary).toEqual(['configmaps shop/old']);
    expect(notifier.sent[0]?.message).toContain(
      'Deleted in DR, still in the primary (removeDeletedInDr removes them): promotions.shop.example.com shop/spring-sale, configmaps shop/old',
    );
    expect(notifier.sent[1]?.message).toContain(
      'Deleted in DR, removed from the primary: configmaps shop/old',
    );
  });

  it('says what a failback carried back, and says so in the summary when it carried nothing', async () => {
    // Arrange
    const { reporter, notifier } = aReporter(new Date(at('12:50:00')));
    const { guard, backup, health, dns, dnsStatus } = failoverSteps();
    const run = (created: number, updated: number, volumes: number) =>
      reporter.report({
        workflow: 'failback',
        outcome: 'Succeeded',
        executionName: 'failback-1',
        executionStartTime: at('12:35:00'),
        steps: {
          guard,
          backup,
          restore: step('12:37:40', '12:38:00', {
            done: true,
            counts: { planned: 40, created, updated, skippedExists: 40 - created - updated, failed: 0 },
            volumes,
          }),
          health,
          dns,
          dnsStatus,
        },
      });

    // Act
    const carried = await run(1, 37, 2);
    const nothing = await run(0, 0, 0);

    // Assert
    expect(carried.carriedBack).toEqual({ objects: 38, volumes: 2 });
    expect(notifier.sent[0]?.message).toContain('Carried back from DR: 38 objects, 2 volumes');
    expect(nothing.carriedBack).toEqual({ objects: 0, volumes: 0 });
    expect(nothing.summary).toBe('eks-dr shop: failback Succeeded — but carried nothing back from DR');
  });

  it('reports a backup: objects, bytes and RPO now', async () => {
    // Arrange
    const { reporter, metrics } = aReporter(new Date(at('12:10:00')));

    // Act
    const report = await reporter.report({
      workflow: 'backup',
      outcome: 'Succeeded',
      executionName: 'shop-backup-20240501T1200Z',
      executionStartTime: at('12:00:01'),
      steps: {
        snapshot: step('12:00:02', '12:02:00', {
          name: 'shop-20240501-1200',
          objects: 5000,
          bytes: 1_250_000,
          volumeCount: 2,
          createdAt: at('12:00:02'),
        }),
        copy: step('12:05:00', '12:06:00', { name: 'shop-20240501-1200' }),
        prune: step('12:06:00', '12:06:05', { deleted: [], kept: [] }),
      },
    });

    // Assert
    expect(report.backup).toEqual({
      name: 'shop-20240501-1200',
      objects: 5000,
      bytes: 1_250_000,
      volumes: 2,
    });
    expect(report.rpo).toMatchObject({ seconds: 598, met: true, backupName: 'shop-20240501-1200' });
    expect(report.rto).toBeUndefined();
    expect(report.summary).toBe('eks-dr shop: backup Succeeded — RPO 9m58s');
    expect(metrics.values('ObjectsBackedUp')).toEqual([5000]);
    expect(metrics.values('BackupBytes')).toEqual([1_250_000]);
    expect(metrics.values('BackupAgeSeconds')).toEqual([598]);
  });
});

describe('buildTimeline', () => {
  it('tolerates steps without timing and lists unknown steps after the known ones', () => {
    // Arrange
    const steps = {
      approval: { approvedBy: 'ops' },
      guard: step('12:35:00', '12:35:01'),
      custom: step('12:36:00', '12:36:30'),
      backup: { result: { name: 'b' } },
    };

    // Act
    const timeline = buildTimeline(steps, at('12:35:00'));

    // Assert
    expect(timeline).toEqual([
      { step: 'guard', startedAt: at('12:35:00.000'), finishedAt: at('12:35:01.000'), durationSeconds: 1 },
      { step: 'approval', startedAt: at('12:35:01.000') },
      { step: 'backup', startedAt: at('12:35:01.000') },
      { step: 'custom', startedAt: at('12:36:00.000'), finishedAt: at('12:36:30.000'), durationSeconds: 30 },
    ]);
  });
});

describe('timed and formatDuration', () => {
  it('wraps a result with its start and end, and renders durations people read', async () => {
    // Arrange
    const times = [new Date(at('12:00:00')), new Date(at('12:00:05'))];

    // Act
    const result = await timed(
      () => times.shift() ?? new Date(0),
      async () => ({ ready: true }),
    );

    // Assert
    expect(result).toEqual({ ready: true, startedAt: at('12:00:00.000'), finishedAt: at('12:00:05.000') });
    expect([formatDuration(45), formatDuration(372), formatDuration(3720)]).toEqual([
      '45s',
      '6m12s',
      '1h02m',
    ]);
  });
});
