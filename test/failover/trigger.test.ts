import { describe, expect, it } from 'vitest';
import { SandboxNotifier } from '../../sandbox/aws/sandbox-notifier.ts';
import { SandboxRecoveryLedger } from '../../sandbox/aws/sandbox-recovery-ledger.ts';
import { InvalidTriggerEventError } from '../../src/failover/errors.ts';
import { decideTrigger, Trigger } from '../../src/failover/trigger.ts';
import { aPlan, BACKUP_ARN, FAILOVER_ARN, InMemoryWorkflows } from './failover-fixtures.ts';

const autoPlan = () =>
  aPlan((plan) => {
    plan.failover = { alarms: [{ name: 'shop-5xx-high' }], autoFailover: true };
  });

function scheduledEvent(time = '2024-05-01T12:00:00Z') {
  return {
    version: '0',
    id: 'a1b2c3',
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '111122223333',
    time,
    region: 'eu-west-1',
    resources: ['arn:aws:events:eu-west-1:111122223333:rule/shop-backup'],
    detail: {},
  };
}

function alarmEvent(
  state: string,
  options: { name?: string; timestamp?: string; id?: string; region?: string } = {},
) {
  return {
    version: '0',
    id: options.id ?? 'c4d5e6',
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: '111122223333',
    time: '2024-05-01T12:34:57Z',
    region: options.region ?? 'eu-west-1',
    resources: [`arn:aws:cloudwatch:eu-west-1:111122223333:alarm:${options.name ?? 'shop-5xx-high'}`],
    detail: {
      alarmName: options.name ?? 'shop-5xx-high',
      state: {
        value: state,
        reason: 'Threshold Crossed',
        timestamp: options.timestamp ?? '2024-05-01T12:34:56.789+0000',
      },
      previousState: { value: 'OK' },
    },
  };
}

describe('decideTrigger', () => {
  it('starts the backup workflow on the schedule, named after the scheduled minute', () => {
    // Arrange
    const plan = autoPlan();

    // Act
    const decision = decideTrigger(scheduledEvent('2024-05-01T12:00:03Z'), plan);

    // Assert
    expect(decision).toMatchObject({
      action: 'start',
      workflow: 'backup',
      executionName: 'shop-backup-20240501T1200Z',
      input: { trigger: { type: 'schedule', time: '2024-05-01T12:00:03Z' } },
    });
  });

  it('starts a failover when a plan alarm goes to ALARM and auto-failover is on', () => {
    // Arrange
    const plan = autoPlan();

    // Act
    const decision = decideTrigger(alarmEvent('ALARM', { timestamp: '2024-05-01T12:34:56.789Z' }), plan);

    // Assert
    expect(decision).toMatchObject({
      action: 'start',
      workflow: 'failover',
      executionName: 'shop-failover-20240501T1234Z',
      input: {
        trigger: {
          type: 'alarm',
          name: 'shop-5xx-high',
          region: 'eu-west-1',
          time: '2024-05-01T12:34:56.789Z',
        },
      },
    });
  });

  it.each(['OK', 'INSUFFICIENT_DATA'])('ignores a plan alarm going to %s', (state) => {
    // Arrange
    const plan = autoPlan();

    // Act
    const decision = decideTrigger(alarmEvent(state), plan);

    // Assert
    expect(decision).toEqual({
      action: 'ignore',
      reason: `alarm shop-5xx-high (eu-west-1) went to ${state}`,
      notify: false,
    });
  });

  it('ignores an alarm the plan does not list, and a plan alarm raised in another region', () => {
    // Arrange
    const plan = autoPlan();

    // Act
    const unknown = decideTrigger(alarmEvent('ALARM', { name: 'someone-elses-alarm' }), plan);
    const elsewhere = decideTrigger(alarmEvent('ALARM', { region: 'us-west-2' }), plan);

    // Assert
    expect(unknown).toMatchObject({ action: 'ignore', notify: false });
    expect(unknown.reason).toContain('not a failover alarm of plan shop');
    expect(elsewhere).toMatchObject({ action: 'ignore', notify: false });
  });

  it('ignores ALARM with reason auto-failover off, asking for a notification', () => {
    // Arrange
    const plan = aPlan((raw) => {
      raw.failover = { alarms: [{ name: 'shop-5xx-high' }], autoFailover: false };
    });

    // Act
    const decision = decideTrigger(alarmEvent('ALARM'), plan);

    // Assert
    expect(decision).toMatchObject({ action: 'ignore', notify: true });
    expect(decision.reason).toMatch(/^auto-failover off: alarm shop-5xx-high/);
  });

  it('rejects an event that is not an EventBridge envelope, naming the field', () => {
    // Arrange
    const plan = autoPlan();
    const broken = {
      ...alarmEvent('ALARM'),
      detail: { alarmName: 'shop-5xx-high', state: { value: 'ALARM' } },
    };

    // Act
    const attempt = () => decideTrigger(broken, plan);

    // Assert
    expect(attempt).toThrow(InvalidTriggerEventError);
    expect(attempt).toThrow(/detail\.state\.timestamp/);
  });
});

describe('Trigger', () => {
  function aTrigger(plan = autoPlan()) {
    const workflows = new InMemoryWorkflows();
    const notifier = new SandboxNotifier();
    const ledger = new SandboxRecoveryLedger();
    const trigger = new Trigger({
      plan,
      workflows,
      notifier,
      ledger,
      stateMachines: { backup: BACKUP_ARN, failover: FAILOVER_ARN },
    });
    return { trigger, workflows, notifier, ledger };
  }

  it('starts one failover for the same alarm event delivered twice', async () => {
    // Arrange
    const { trigger, workflows } = aTrigger();
    const event = alarmEvent('ALARM');

    // Act
    const first = await trigger.handle(event);
    const second = await trigger.handle({ ...event });

    // Assert
    expect(first).toMatchObject({ started: true, executionName: 'shop-failover-20240501T1234Z' });
    expect(second).toEqual({
      started: false,
      duplicate: true,
      workflow: 'failover',
      executionName: 'shop-failover-20240501T1234Z',
      executionArn: first.started ? first.executionArn : '',
    });
    expect(workflows.executions).toHaveLength(1);
  });

  it('collapses a second alarm of the same incident into the failover already running', async () => {
    // Arrange
    const plan = aPlan((raw) => {
      raw.failover = {
        alarms: [{ name: 'shop-5xx-high' }, { name: 'shop-latency-high' }],
        autoFailover: true,
      };
    });
    const { trigger, workflows } = aTrigger(plan);
    const first = await trigger.handle(alarmEvent('ALARM'));

    // Act
    const second = await trigger.handle(
      alarmEvent('ALARM', { name: 'shop-latency-high', timestamp: '2024-05-01T12:37:02Z', id: 'other' }),
    );

    // Assert
    expect(second).toMatchObject({ started: false, duplicate: true });
    expect(second.started === false && second.duplicate && second.executionArn).toBe(
      first.started && first.executionArn,
    );
    expect(workflows.executions).toHaveLength(1);
  });

  it('reports a duplicate when the name was taken by a finished execution (ExecutionAlreadyExists)', async () => {
    // Arrange
    const { trigger, workflows } = aTrigger();
    const first = await trigger.handle(alarmEvent('ALARM'));
    if (first.started) workflows.finish(first.executionArn);

    // Act
    const redelivered = await trigger.handle(alarmEvent('ALARM', { id: 'redelivery' }));

    // Assert
    expect(redelivered).toMatchObject({
      started: false,
      duplicate: true,
      executionArn: first.started ? first.executionArn : '',
    });
    expect(workflows.startCalls).toBe(2);
    expect(workflows.executions).toHaveLength(1);
  });

  it('starts the backup workflow on its schedule', async () => {
    // Arrange
    const { trigger, workflows } = aTrigger();

    // Act
    const outcome = await trigger.handle(scheduledEvent());

    // Assert
    expect(outcome).toMatchObject({
      started: true,
      workflow: 'backup',
      executionName: 'shop-backup-20240501T1200Z',
    });
    expect(workflows.executions[0]?.stateMachineArn).toBe(BACKUP_ARN);
  });

  it('starts nothing and notifies when auto-failover is off', async () => {
    // Arrange
    const plan = aPlan((raw) => {
      raw.failover = { alarms: [{ name: 'shop-5xx-high' }], autoFailover: false };
    });
    const { trigger, workflows, notifier } = aTrigger(plan);

    // Act
    const outcome = await trigger.handle(alarmEvent('ALARM'));

    // Assert
    expect(outcome).toMatchObject({ started: false, duplicate: false, notified: true });
    expect(workflows.startCalls).toBe(0);
    expect(notifier.sent).toHaveLength(1);
    expect(notifier.sent[0]?.message).toContain('auto-failover off');
  });

  it('starts nothing for OK', async () => {
    // Arrange
    const { trigger, workflows, notifier } = aTrigger();

    // Act
    const outcome = await trigger.handle(alarmEvent('OK'));

    // Assert
    expect(outcome).toMatchObject({ started: false, duplicate: false, notified: false });
    expect(workflows.startCalls).toBe(0);
    expect(notifier.sent).toHaveLength(0);
  });

  it('starts nothing after a completed failover, saying DR already serves and since when', async () => {
    // Arrange
    const { trigger, workflows, notifier, ledger } = aTrigger();
    await ledger.recordActiveSide('shop', {
      side: 'dr',
      since: '2024-05-01T11:02:00.000Z',
      executionName: 'shop-failover-20240501T1040Z',
    });

    // Act
    const outcome = await trigger.handle(alarmEvent('ALARM'));

    // Assert
    expect(outcome).toMatchObject({ started: false, duplicate: false, notified: false });
    expect(outcome.started === false && !outcome.duplicate && outcome.reason).toBe(
      'alarm shop-5xx-high (eu-west-1) in ALARM: DR already active: DR has served plan shop since 2024-05-01T11:02:00.000Z, by shop-failover-20240501T1040Z; fail back before failing over again',
    );
    expect(workflows.startCalls).toBe(0);
    expect(notifier.sent).toHaveLength(0);
  });

  it('starts the backup schedule and failovers again once failback recorded the primary', async () => {
    // Arrange
    const { trigger, ledger } = aTrigger();
    await ledger.recordActiveSide('shop', {
      side: 'dr',
      since: '2024-05-01T11:02:00.000Z',
      executionName: 'f',
    });
    const backup = await trigger.handle(scheduledEvent());
    await ledger.recordActiveSide('shop', {
      side: 'primary',
      since: '2024-05-01T12:00:00.000Z',
      executionName: 'b',
    });

    // Act
    const failover = await trigger.handle(alarmEvent('ALARM'));

    // Assert
    expect(backup).toMatchObject({ started: true, workflow: 'backup' });
    expect(failover).toMatchObject({ started: true, workflow: 'failover' });
  });
});
