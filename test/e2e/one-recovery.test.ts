// One recovery per outage, end to end: two failovers started together through the local Step Functions
// stand-in run the real ASL with the real handlers; one recovers, the other ends as not run. Once DR serves,
// a later alarm starts nothing and a failover started by hand is not run, both saying DR is already active.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalWorkflowResult } from '../../sandbox/workflows/local-workflow-runner.ts';
import {
  SAMPLE_TARGETS,
  SAMPLE_ZONE_ID,
  type SandboxWorld,
  startSandboxWorld,
  stateMachineOf,
} from '../../sandbox/world.ts';
import type { TriggerOutcome } from '../../src/failover/index.ts';
import { reportOf, runOnWorld, statesOf } from './e2e-helpers.ts';
import { alarmEvent } from './events.ts';

interface Report {
  outcome: string;
  summary: string;
  executionName: string;
  notRun?: { reason: string; holder?: string };
}

let world: SandboxWorld;
let runs: LocalWorkflowResult[];
let lateAlarm: TriggerOutcome;
let byHand: LocalWorkflowResult;

beforeAll(async () => {
  world = await startSandboxWorld();
  const backup = await runOnWorld(world, 'backup', { executionName: 'shop-backup-20260307T1000Z' });
  if (backup.status !== 'SUCCEEDED')
    throw new Error(`backup failed: ${backup.error} ${String(backup.cause)}`);
  // Both of an outage's alarms, the same second: two executions exist before either guard ran.
  const started = await Promise.all(
    ['shop-failover-20260307T1100Z', 'shop-failover-20260307T1100Z-latency'].map((name) =>
      world.workflows.startExecution(stateMachineOf('failover'), name, { reason: 'eu-west-1 outage' }),
    ),
  );
  runs = await Promise.all(started.map((execution) => world.workflows.wait(execution.executionArn)));
  lateAlarm = await world.trigger(alarmEvent('shop-primary-5xx', 'ALARM', world.clock.now(), 'late-1'));
  byHand = await runOnWorld(world, 'failover', {
    executionName: 'shop-failover-by-hand',
    input: { reason: 'the pager went off again' },
  });
}, 60_000);

afterAll(async () => {
  await world?.stop();
});

describe('one recovery per outage on the sandbox', () => {
  it('runs exactly one of two failovers started together; the other succeeds as not run', () => {
    // Arrange
    const reports = runs.map((run) => reportOf(run) as unknown as Report);

    // Act
    const recovered = reports.filter((report) => report.outcome === 'Succeeded');
    const notRun = reports.filter((report) => report.outcome === 'NotRun');

    // Assert
    expect(runs.map((run) => run.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(recovered).toHaveLength(1);
    expect(notRun).toHaveLength(1);
    expect(notRun[0]?.notRun?.holder).toBe(recovered[0]?.executionName);
    expect(notRun[0]?.summary).toMatch(
      /^eks-dr shop: failover not run: failover shop-failover-20260307T1100Z/,
    );
    const skipped = runs.find((run) => (reportOf(run) as unknown as Report).outcome === 'NotRun');
    expect(statesOf(skipped as LocalWorkflowResult)).toEqual([
      'Start',
      'Guard',
      'Proceed',
      'ReportNotRun',
      'NotRun',
    ]);
  });

  it('moves DNS once, records DR as the active side and frees the plan', async () => {
    // Arrange
    const winner = runs
      .map((run) => reportOf(run) as unknown as Report)
      .find((r) => r.outcome === 'Succeeded');

    // Act
    const active = await world.ledger.activeSide('shop');

    // Assert
    expect(world.route53.records(SAMPLE_ZONE_ID).find((r) => r.name === 'shop.example.com.')?.values).toEqual(
      [SAMPLE_TARGETS.dr.shop],
    );
    expect(active).toMatchObject({ side: 'dr', executionName: winner?.executionName });
    expect(world.ledger.claimOf('shop')).toBeUndefined();
    expect(world.metrics.values('WorkflowFailed', 'shop').filter((value) => value > 0)).toEqual([]);
  });

  it('starts nothing on a later alarm, saying DR already serves', () => {
    // Arrange
    const failovers = world.workflows.executions.filter(
      (e) => e.stateMachineArn === stateMachineOf('failover'),
    );

    // Act
    const reason = !lateAlarm.started && !lateAlarm.duplicate ? lateAlarm.reason : '';

    // Assert
    expect(lateAlarm).toMatchObject({ started: false, duplicate: false });
    expect(reason).toMatch(
      /DR already active: DR has served plan shop since .+, by shop-failover-20260307T1100Z/,
    );
    expect(failovers).toHaveLength(2);
  });

  it('does not run a failover started by hand while DR serves, and reports it as not run', () => {
    // Arrange
    const report = reportOf(byHand) as unknown as Report;

    // Act
    const sent = world.notifier.sent.at(-1);

    // Assert
    expect(byHand.status).toBe('SUCCEEDED');
    expect(report.outcome).toBe('NotRun');
    expect(report.notRun?.reason).toMatch(/^DR already active/);
    expect(sent?.subject).toMatch(/^eks-dr shop: failover not run: DR already active/);
    expect(sent?.message).toContain('Not run: DR already active');
    expect(statesOf(byHand)).not.toContain('PickBackup');
  });
});
