// Failback faults end to end, on one failed-over world in order: an EBS snapshot of a DR volume that errors, a
// copy to the primary region that stays pending past its deadline, the primary failing its health gate. Each
// ends Failed with its cause reported, DNS still on DR and DR still at full size; a clean failback then works.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalWorkflowResult } from '../../sandbox/workflows/local-workflow-runner.ts';
import type { SandboxWorld } from '../../sandbox/world.ts';
import { dnsSide, failedOverWorld, runOnWorld, statesOf } from './e2e-helpers.ts';

const COPY_DEADLINE_MS = 30 * 60_000;

let world: SandboxWorld;

beforeAll(async () => {
  world = await failedOverWorld({ tuning: { volumeCopyTimeoutMs: COPY_DEADLINE_MS } });
}, 60_000);

afterAll(async () => {
  await world?.stop();
});

function lastReport(): { subject: string; message: string } {
  const sent = world.notifier.sent.at(-1);
  if (!sent) throw new Error('no report was sent');
  return sent;
}

/** The known state a failed failback must leave: DNS on DR, DR not scaled down, the failure reported. */
async function expectStillOnDr(result: LocalWorkflowResult, errorName: string, cause: RegExp): Promise<void> {
  await world.eks.idle();
  const group = await world.eks.describeNodeGroup(world.plan.dr.clusterName, 'apps');
  expect(result.status).toBe('FAILED');
  expect(result.error).toBe('FailbackFailed');
  expect(String(result.cause)).toMatch(cause);
  expect(statesOf(result)).not.toContain('ChangeDns');
  expect(statesOf(result)).not.toContain('ScaleDown');
  expect(dnsSide(world)).toBe('dr');
  expect(group).toMatchObject({ desired: 2 });
  expect(lastReport().subject).toMatch(new RegExp(`^eks-dr shop: failback Failed . ${errorName}$`));
}

describe('failback faults on the sandbox', () => {
  it('fails before the restore, DNS on DR, when an EBS snapshot of a DR volume errors', async () => {
    // Arrange
    world.ec2.region(world.plan.dr.region).failSnapshots({ times: 1, message: 'Internal error' });

    // Act
    const result = await runOnWorld(world, 'failback', { executionName: 'shop-failback-snapshot' });

    // Assert
    await expectStillOnDr(
      result,
      'SnapshotFailedError',
      /snapshot .* in eu-central-1 .* failed: Internal error/,
    );
    expect(statesOf(result)).not.toContain('Restore');
  });

  it('fails before the restore, DNS on DR, when a copy to the primary stays pending past its deadline', async () => {
    // Arrange
    world.ec2.region(world.plan.primary.region).stallCopies({ times: 2 });

    // Act
    const result = await runOnWorld(world, 'failback', { executionName: 'shop-failback-copy' });

    // Assert
    await expectStillOnDr(
      result,
      'SnapshotTimeoutError',
      /copies not completed after \d+ s \(limit 1800 s\)/,
    );
    expect(statesOf(result)).not.toContain('CopyToPrimary');
    expect(statesOf(result).filter((state) => state === 'CheckVolumeCopies').length).toBeGreaterThan(20);
  });

  it('fails with DNS on DR when the primary fails its health gate, although DR would pass its own', async () => {
    // Arrange
    world.primaryHealth.force(503);

    // Act
    const result = await runOnWorld(world, 'failback', { executionName: 'shop-failback-health' });
    world.primaryHealth.force(undefined);

    // Assert
    await expectStillOnDr(result, 'HealthCheckFailedError', /HTTP 503, expected 200-399/);
    expect(
      result.events.filter((e) => e.type === 'StateRetried' && e.state === 'HealthGate').length,
    ).toBeGreaterThanOrEqual(7);
    expect(lastReport().message).toMatch(/HTTP 503, expected 200-399/);
  });

  it('then fails back cleanly from that state', async () => {
    // Arrange
    const before = world.primaryHealth.probes;

    // Act
    const result = await runOnWorld(world, 'failback', { executionName: 'shop-failback-clean' });

    // Assert
    expect(result.status, String(result.cause)).toBe('SUCCEEDED');
    expect(dnsSide(world)).toBe('primary');
    expect(world.primaryHealth.probes).toBeGreaterThan(before);
  });
});
