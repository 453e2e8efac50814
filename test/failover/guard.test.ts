import { describe, expect, it } from 'vitest';
import { WorkflowAlreadyRunningError } from '../../src/failover/errors.ts';
import { WorkflowGuard } from '../../src/failover/guard.ts';
import { InvalidExecutionInputError } from '../../src/plan/index.ts';
import { aPlan, DRILL_ARN, FAILBACK_ARN, FAILOVER_ARN, InMemoryWorkflows } from './failover-fixtures.ts';

const plan = aPlan((raw) => {
  raw.failover = { alarms: [{ name: 'shop-5xx-high' }], autoFailover: true, approvalRequired: true };
  raw.drill = { namespaceMapping: { shop: 'shop-drill' }, cleanup: true };
});

function aGuard() {
  const workflows = new InMemoryWorkflows();
  const guard = new WorkflowGuard({
    plan,
    workflows,
    conflictingStateMachineArns: [FAILOVER_ARN, FAILBACK_ARN, DRILL_ARN],
  });
  return { guard, workflows };
}

async function startedExecution(workflows: InMemoryWorkflows, arn: string, name: string) {
  return (await workflows.startExecution(arn, name, {})).executionArn;
}

function request(
  workflow: 'failover' | 'failback' | 'drill',
  input: unknown,
  executionId = 'arn:aws:states:eu-central-1:111122223333:execution:shop-failover:self',
) {
  return {
    workflow,
    input,
    executionId,
    executionName: 'self',
    executionStartTime: '2024-05-01T12:35:00Z',
    steps: {},
  };
}

describe('WorkflowGuard', () => {
  it('runs `{}` as planned: newest backup, approval required, DNS moves', async () => {
    // Arrange
    const { guard } = aGuard();

    // Act
    const settings = await guard.check(request('failover', {}));

    // Assert
    expect(settings).toEqual({
      workflow: 'failover',
      planName: 'shop',
      approvalRequired: true,
      cleanup: false,
      existingResourcePolicy: 'none',
      drill: false,
      dnsCutover: false,
      reason: null,
    });
  });

  it('lets an operator skip approval from the console with a reason', async () => {
    // Arrange
    const { guard } = aGuard();

    // Act
    const settings = await guard.check(
      request('failover', {
        skipApproval: true,
        reason: 'region outage, approved on the bridge',
        backupName: 'shop-20240501-1200',
      }),
    );

    // Assert
    expect(settings).toMatchObject({
      approvalRequired: false,
      backupName: 'shop-20240501-1200',
      reason: 'region outage, approved on the bridge',
    });
  });

  it('keeps approval for an alarm-triggered failover and carries the trigger', async () => {
    // Arrange
    const { guard } = aGuard();
    const trigger = {
      type: 'alarm',
      name: 'shop-5xx-high',
      region: 'eu-west-1',
      time: '2024-05-01T12:34:56.789Z',
    };

    // Act
    const settings = await guard.check(request('failover', { reason: 'alarm', trigger }));
    const forged = guard.check(request('failover', { reason: 'alarm', skipApproval: true, trigger }));

    // Assert
    expect(settings).toMatchObject({ approvalRequired: true, trigger });
    await expect(forged).rejects.toThrow(/skipApproval: is not allowed in a triggered run/);
  });

  it('applies the plan drill settings in the drill workflow, never waiting for approval', async () => {
    // Arrange
    const { guard } = aGuard();

    // Act
    const settings = await guard.check(request('drill', {}));

    // Assert
    expect(settings).toMatchObject({
      drill: true,
      cleanup: true,
      approvalRequired: false,
      namespaceMapping: { shop: 'shop-drill' },
    });
  });

  it.each([
    ['failover', { backupName: 'Not_A_Name' }, 'backupName'],
    ['failover', { skipApproval: true }, 'reason'],
    ['failover', { planName: 'other' }, 'planName'],
    ['failover', { drill: true }, 'drill'],
    ['failover', { existingResourcePolicy: 'replace' }, 'existingResourcePolicy'],
    ['failback', { backupName: 'shop-1' }, 'backupName'],
    ['failover', { trigger: { type: 'alarm', name: 'x', time: 'yesterday' } }, 'trigger.time'],
  ] as const)('%s refuses input %j naming %s', async (workflow, input, field) => {
    // Arrange
    const { guard, workflows } = aGuard();

    // Act
    const attempt = guard.check(request(workflow, input));

    // Assert
    await expect(attempt).rejects.toThrow(InvalidExecutionInputError);
    await expect(attempt).rejects.toThrow(new RegExp(`execution input: ${field.replace('.', '\\.')}: `));
    expect(workflows.startCalls).toBe(0);
  });

  it('refuses a failover while a drill of the plan runs, but not because of itself', async () => {
    // Arrange
    const { guard, workflows } = aGuard();
    const self = await startedExecution(workflows, FAILOVER_ARN, 'shop-failover-20240501T1234Z');
    const alone = await guard.check(request('failover', {}, self));
    const drill = await startedExecution(workflows, DRILL_ARN, 'quarterly-drill');

    // Act
    const attempt = guard.check(request('failover', {}, self));

    // Assert
    expect(alone.workflow).toBe('failover');
    await expect(attempt).rejects.toThrow(WorkflowAlreadyRunningError);
    await expect(attempt).rejects.toThrow(drill);
  });

  it('refuses a second failover of the same incident', async () => {
    // Arrange
    const { guard, workflows } = aGuard();
    await startedExecution(workflows, FAILOVER_ARN, 'shop-failover-20240501T1234Z');
    const second = await startedExecution(workflows, FAILOVER_ARN, 'shop-failover-20240501T1237Z');

    // Act
    const attempt = guard.check(request('failover', {}, second));

    // Assert
    await expect(attempt).rejects.toMatchObject({
      name: 'WorkflowAlreadyRunningError',
      workflow: 'failover',
    });
  });
});
