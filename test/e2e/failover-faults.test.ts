// Failover faults end to end, on one world in order: a node group update that fails, then a health gate
// that fails (both leave DNS untouched and report Failed with the cause), then Route 53 answering
// PriorRequestNotComplete, which the adapter's backoff rides out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SAMPLE_TARGETS, SAMPLE_ZONE_ID, type SandboxWorld, startSandboxWorld } from '../../sandbox/world.ts';
import { runOnWorld, statesOf } from './e2e-helpers.ts';

let world: SandboxWorld;

beforeAll(async () => {
  world = await startSandboxWorld();
  const backup = await runOnWorld(world, 'backup', { executionName: 'shop-backup-20260302T1000Z' });
  if (backup.status !== 'SUCCEEDED')
    throw new Error(`backup failed: ${backup.error} ${String(backup.cause)}`);
}, 30_000);

afterAll(async () => {
  await world?.stop();
});

function shopRecord(): string[] | undefined {
  return world.route53.records(SAMPLE_ZONE_ID).find((r) => r.name === 'shop.example.com.')?.values;
}

function lastReport(): { subject: string; message: string } {
  const sent = world.notifier.sent.at(-1);
  if (!sent) throw new Error('no report was sent');
  return sent;
}

describe('failover faults on the sandbox', () => {
  it('fails with DNS untouched when the DR node group update fails', async () => {
    // Arrange
    world.eks.failNextUpdate(world.plan.dr.clusterName, 'apps', { code: 'AsgInstanceLaunchFailures' });

    // Act
    const result = await runOnWorld(world, 'failover', { executionName: 'shop-failover-nodes' });

    // Assert
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('FailoverFailed');
    expect(String(result.cause)).toMatch(/AsgInstanceLaunchFailures/);
    expect(statesOf(result)).not.toContain('Restore');
    expect(shopRecord()).toEqual([SAMPLE_TARGETS.primary.shop]);
    expect(world.route53.changes).toHaveLength(0);
    expect(lastReport().subject).toMatch(/^eks-dr shop: failover Failed . NodeGroupUpdateFailedError$/);
  });

  it('fails with DNS untouched when the DR side fails its health gate', async () => {
    // Arrange
    world.health.force(503);

    // Act
    const result = await runOnWorld(world, 'failover', { executionName: 'shop-failover-health' });
    world.health.force(undefined);

    // Assert
    expect(result.status).toBe('FAILED');
    expect(statesOf(result).filter((s) => s === 'HealthGate').length).toBe(1);
    // The plan's Retry: HealthCheckFailedError is tried again up to 8 times before the Catch.
    expect(
      result.events.filter((e) => e.type === 'StateRetried' && e.state === 'HealthGate').length,
    ).toBeGreaterThanOrEqual(7);
    expect(statesOf(result)).not.toContain('ChangeDns');
    expect(shopRecord()).toEqual([SAMPLE_TARGETS.primary.shop]);
    expect(world.route53.changes).toHaveLength(0);
    expect(lastReport().subject).toMatch(/^eks-dr shop: failover Failed . HealthCheckFailedError$/);
    expect(lastReport().message).toMatch(/HTTP 503, expected 200-399/);
  });

  it('moves DNS although Route 53 first answers PriorRequestNotComplete', async () => {
    // Arrange
    world.route53.injectFault('PriorRequestNotComplete', 2);

    // Act
    const result = await runOnWorld(world, 'failover', { executionName: 'shop-failover-route53' });

    // Assert
    expect(result.status, String(result.cause)).toBe('SUCCEEDED');
    expect(shopRecord()).toEqual([SAMPLE_TARGETS.dr.shop]);
    expect(world.route53.changes).toHaveLength(1);
    expect(lastReport().subject).toMatch(/^eks-dr shop: failover Succeeded . RTO /);
  });
});
