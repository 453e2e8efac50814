import { describe, expect, it } from 'vitest';
import { SandboxRecoveryLedger } from '../../sandbox/aws/sandbox-recovery-ledger.ts';
import { type RecoveryWorkflow, WorkflowGuard } from '../../src/failover/guard.ts';
import { RECOVERY_LEASE_SECONDS } from '../../src/failover/recovery-rules.ts';
import { InvalidExecutionInputError } from '../../src/plan/index.ts';
import { aPlan, DRILL_ARN, FAILBACK_ARN, FAILOVER_ARN, InMemoryWorkflows } from './failover-fixtures.ts';

const plan = aPlan((raw) => {
  raw.failover = { alarms: [{ name: 'shop-5xx-high' }], autoFailover: true, approvalRequired: true };
  raw.drill = { namespaceMapping: { shop: 'shop-drill' }, cleanup: true };
});

const NOW = new Date('2024-05-01T12:35:00Z');
const ARNS: Record<RecoveryWorkflow, string> = {
  failover: FAILOVER_ARN,
  failback: FAILBACK_ARN,
  drill: DRILL_ARN,
};

function aGuard(now = () => NOW) {
  const workflows = new InMemoryWorkflows();
  const ledger = new SandboxRecoveryLedger();
  const guard = new WorkflowGuard({ plan, workflows, ledger, now });
  return { guard, workflows, ledger };
}

function request(
  workflow: RecoveryWorkflow,
  input: unknown,
  executionId = 'arn:aws:states:eu-central-1:111122223333:execution:shop-failover:self',
) {
  return {
    workflow,
    input,
    executionId,
    executionName: executionId.split(':').at(-1) ?? 'self',
    executionStartTime: '2024-05-01T12:35:00Z',
    steps: {},
  };
}

/** A started execution of `workflow` and the guard request it sends. */
async function started(workflows: InMemoryWorkflows, workflow: RecoveryWorkflow, name: string, input = {}) {
  const { executionArn } = await workflows.startExecution(ARNS[workflow], name, input);
  return request(workflow, input, executionArn);
}

describe('WorkflowGuard', () => {
  it('runs `{}` as planned: newest backup, approval required, DNS moves', async () => {
    // Arrange
    const { guard } = aGuard();

    // Act
    const settings = await guard.check(request('failover', {}));

    // Assert
    expect(settings).toEqual({
      proceed: true,
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
});

describe('WorkflowGuard and the recovery ledger', () => {
  it('claims the plan for the run it lets proceed, with a lease longer than any recovery runs', async () => {
    // Arrange
    const { guard, workflows, ledger } = aGuard();
    const failover = await started(workflows, 'failover', 'shop-failover-20240501T1234Z');

    // Act
    const result = await guard.check(failover);

    // Assert
    expect(result).toMatchObject({ proceed: true });
    expect(result.notRun).toBeUndefined();
    expect(ledger.claimOf('shop')).toMatchObject({
      arn: failover.executionId,
      name: 'shop-failover-20240501T1234Z',
      workflow: 'failover',
      claimedAt: NOW.toISOString(),
      leaseExpiresAt: new Date(NOW.getTime() + RECOVERY_LEASE_SECONDS * 1000).toISOString(),
    });
  });

  it('still lets the run proceed when its Guard Lambda is retried', async () => {
    // Arrange
    const { guard, workflows } = aGuard();
    const failover = await started(workflows, 'failover', 'shop-failover-20240501T1234Z');
    await guard.check(failover);

    // Act
    const retried = await guard.check(failover);

    // Assert
    expect(retried.proceed).toBe(true);
  });

  it('does not run a failover while a drill holds the plan, naming the drill', async () => {
    // Arrange
    const { guard, workflows, ledger } = aGuard();
    const drill = await started(workflows, 'drill', 'quarterly-drill');
    await guard.check(drill);
    const failover = await started(workflows, 'failover', 'shop-failover-20240501T1234Z');

    // Act
    const result = await guard.check(failover);

    // Assert
    expect(result.proceed).toBe(false);
    expect(result.notRun?.reason).toBe(
      'drill quarterly-drill is recovering plan shop (claimed 2024-05-01T12:35:00.000Z); one recovery runs at a time',
    );
    expect(result.notRun?.holder).toMatchObject({ arn: drill.executionId, workflow: 'drill' });
    expect(ledger.claimOf('shop')?.arn).toBe(drill.executionId);
  });

  it.each(['ABORTED', 'TIMED_OUT', 'FAILED'] as const)(
    'takes the claim over from a holder that ended %s without releasing it',
    async (status) => {
      // Arrange
      const { guard, workflows, ledger } = aGuard();
      const stale = await started(workflows, 'failover', 'shop-failover-20240501T1000Z');
      await guard.check(stale);
      workflows.finish(stale.executionId, status);
      const failover = await started(workflows, 'failover', 'shop-failover-20240501T1234Z');

      // Act
      const result = await guard.check(failover);

      // Assert
      expect(result.proceed).toBe(true);
      expect(ledger.claimOf('shop')?.arn).toBe(failover.executionId);
    },
  );

  it('claims past a lease that expired, without asking whether its holder runs', async () => {
    // Arrange
    let now = NOW;
    const { guard, workflows } = aGuard(() => now);
    const old = await started(workflows, 'drill', 'forgotten-drill');
    await guard.check(old);
    now = new Date(NOW.getTime() + (RECOVERY_LEASE_SECONDS + 1) * 1000);
    const failover = await started(workflows, 'failover', 'shop-failover-20240501T1234Z');

    // Act
    const result = await guard.check(failover);

    // Assert
    expect(result.proceed).toBe(true);
  });

  it.each([
    [
      'failover',
      'dr',
      /^DR already active: DR has served plan shop since 2024-05-01T11:00:00.000Z, by earlier; fail back/,
    ],
    ['drill', 'dr', /^DR already active: .*a drill would restore into the cluster serving traffic$/],
    [
      'failback',
      'primary',
      /^primary already active: the primary has served plan shop since .*nothing to fail back$/,
    ],
  ] as const)('does not run a %s while %s is active, and frees the plan', async (workflow, side, reason) => {
    // Arrange
    const { guard, workflows, ledger } = aGuard();
    await ledger.recordActiveSide('shop', {
      side,
      since: '2024-05-01T11:00:00.000Z',
      executionName: 'earlier',
    });
    const run = await started(workflows, workflow, `shop-${workflow}-1`);

    // Act
    const result = await guard.check(run);

    // Assert
    expect(result.proceed).toBe(false);
    expect(result.notRun?.reason).toMatch(reason);
    expect(result.notRun?.holder).toBeUndefined();
    expect(ledger.claimOf('shop')).toBeUndefined();
  });

  it('does not run a failback when no failover was ever recorded', async () => {
    // Arrange
    const { guard, workflows } = aGuard();
    const failback = await started(workflows, 'failback', 'shop-failback-1');

    // Act
    const result = await guard.check(failback);

    // Assert
    expect(result.notRun?.reason).toBe(
      'primary already active: the primary has served plan shop (no failover was ever recorded); there is nothing to fail back',
    );
  });

  it('lets a failback proceed while DR serves', async () => {
    // Arrange
    const { guard, workflows, ledger } = aGuard();
    await ledger.recordActiveSide('shop', {
      side: 'dr',
      since: '2024-05-01T11:00:00.000Z',
      executionName: 'f',
    });
    const failback = await started(workflows, 'failback', 'shop-failback-1');

    // Act
    const result = await guard.check(failback);

    // Assert
    expect(result.proceed).toBe(true);
  });

  it('refuses bad input before it claims anything', async () => {
    // Arrange
    const { guard, workflows, ledger } = aGuard();
    const failover = await started(workflows, 'failover', 'shop-failover-1', { planName: 'other' });

    // Act
    const attempt = guard.check(failover);

    // Assert
    await expect(attempt).rejects.toThrow(InvalidExecutionInputError);
    expect(ledger.claimOf('shop')).toBeUndefined();
  });
});
