// The trigger function's decisions, through the handler, with Step Functions in memory.
import { describe, expect, it } from 'vitest';
import type { WorkflowKind } from '../../functions/shared/dependencies.ts';
import { logger } from '../../functions/shared/powertools.ts';
import { createHandler } from '../../functions/trigger.ts';
import { SandboxNotifier } from '../../sandbox/aws/sandbox-notifier.ts';
import { SandboxRecoveryLedger } from '../../sandbox/aws/sandbox-recovery-ledger.ts';
import { InvalidTriggerEventError } from '../../src/failover/index.ts';
import { alarmEvent, scheduledEvent } from '../e2e/events.ts';
import { aPlan, BACKUP_ARN, FAILOVER_ARN, InMemoryWorkflows } from '../failover/failover-fixtures.ts';

logger.setLogLevel('SILENT');

const ARNS: Record<WorkflowKind, string> = {
  backup: BACKUP_ARN,
  failover: FAILOVER_ARN,
  failback: `${FAILOVER_ARN}-back`,
  drill: `${FAILOVER_ARN}-drill`,
};

function aTrigger(autoFailover = true) {
  const workflows = new InMemoryWorkflows();
  const notifier = new SandboxNotifier();
  const plan = aPlan((raw) => {
    raw.failover = { alarms: [{ name: 'shop-5xx' }], autoFailover };
  });
  const handler = createHandler({
    plan,
    workflows,
    ledger: new SandboxRecoveryLedger(),
    notifier,
    now: () => new Date('2026-03-01T12:00:00Z'),
    stateMachineArn: (workflow) => ARNS[workflow],
  });
  return { handler, workflows, notifier };
}

const AT = new Date('2026-03-01T11:59:30Z');

describe('trigger function', () => {
  it('starts the backup workflow on the schedule, named after the minute', async () => {
    // Arrange
    const { handler, workflows } = aTrigger();

    // Act
    const outcome = await handler(scheduledEvent(AT));

    // Assert
    expect(outcome).toMatchObject({
      started: true,
      workflow: 'backup',
      executionName: 'shop-backup-20260301T1159Z',
    });
    expect(workflows.executions.map((e) => e.stateMachineArn)).toEqual([BACKUP_ARN]);
  });

  it('starts a failover when a plan alarm goes to ALARM', async () => {
    // Arrange
    const { handler, workflows } = aTrigger();

    // Act
    const outcome = await handler(alarmEvent('shop-5xx', 'ALARM', AT, 'e-1'));

    // Assert
    expect(outcome).toMatchObject({ started: true, workflow: 'failover' });
    expect(workflows.executions.map((e) => e.stateMachineArn)).toEqual([FAILOVER_ARN]);
  });

  it('ignores the alarm going back to OK', async () => {
    // Arrange
    const { handler, workflows } = aTrigger();

    // Act
    const outcome = await handler(alarmEvent('shop-5xx', 'OK', AT, 'e-1'));

    // Assert
    expect(outcome).toMatchObject({ started: false, duplicate: false, notified: false });
    expect(workflows.executions).toHaveLength(0);
  });

  it('collapses the same alarm delivered twice into one execution', async () => {
    // Arrange
    const { handler, workflows } = aTrigger();

    // Act
    const first = await handler(alarmEvent('shop-5xx', 'ALARM', AT, 'delivery-1'));
    const second = await handler(alarmEvent('shop-5xx', 'ALARM', AT, 'delivery-2'));

    // Assert
    expect(first).toMatchObject({ started: true });
    expect(second).toMatchObject({ started: false, duplicate: true });
    expect(workflows.executions).toHaveLength(1);
  });

  it('with auto-failover off, starts nothing and tells the operators', async () => {
    // Arrange
    const { handler, workflows, notifier } = aTrigger(false);

    // Act
    const outcome = await handler(alarmEvent('shop-5xx', 'ALARM', AT, 'e-1'));

    // Assert
    expect(outcome).toMatchObject({ started: false, notified: true });
    expect(workflows.executions).toHaveLength(0);
    expect(notifier.sent[0]?.subject).toMatch(/auto-failover off/);
  });

  it('rejects a malformed event naming the field', async () => {
    // Arrange
    const { handler } = aTrigger();
    const event = { ...(scheduledEvent(AT) as object), time: 'yesterday' };

    // Act
    const outcome = handler(event);

    // Assert
    await expect(outcome).rejects.toThrow(InvalidTriggerEventError);
    await expect(outcome).rejects.toThrow(/event\.time/);
  });
});
