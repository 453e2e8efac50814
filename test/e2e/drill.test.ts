// Drills end to end: restore into mapped namespaces of the DR cluster, pass the health gate, report RTO and
// RPO, never touch DNS; with cleanup, remove what was restored and return to pilot light.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backupNameFor } from '../../functions/shared/backup-name.ts';
import { SAMPLE_TARGETS, SAMPLE_ZONE_ID, type SandboxWorld, startSandboxWorld } from '../../sandbox/world.ts';
import { RESTORE_TAG } from '../../src/volumes/index.ts';
import { reportOf, runOnWorld } from './e2e-helpers.ts';

let world: SandboxWorld;

beforeAll(async () => {
  world = await startSandboxWorld();
  const backup = await runOnWorld(world, 'backup', { executionName: 'shop-backup-20260305T1000Z' });
  if (backup.status !== 'SUCCEEDED')
    throw new Error(`backup failed: ${backup.error} ${String(backup.cause)}`);
}, 30_000);

afterAll(async () => {
  await world?.stop();
});

describe('drill workflow on the sandbox', () => {
  it('restores into mapped namespaces and reports RTO and RPO without touching DNS', async () => {
    // Arrange
    const input = {
      namespaceMapping: { shop: 'shop-drill', storefront: 'storefront-drill' },
      reason: 'quarterly drill',
    };

    // Act
    const result = await runOnWorld(world, 'drill', { executionName: 'shop-drill-20260305T1100Z', input });
    const report = reportOf(result) as {
      outcome: string;
      rto?: { seconds: number };
      rpo?: object;
      dns?: object;
    };
    const objects = world.sampleObjects(world.dr);

    // Assert
    expect(result.status, String(result.cause)).toBe('SUCCEEDED');
    expect(objects).toContain('deployments.apps shop-drill/api');
    expect(objects).toContain('promotions.shop.example.com shop-drill/loyalty');
    expect(objects.filter((ref) => ref.includes(' shop/'))).toEqual([]);
    expect(report.outcome).toBe('Succeeded');
    expect(report.rto?.seconds).toBeGreaterThan(0);
    expect(report.rpo).toBeDefined();
    expect(report.dns).toBeUndefined();
    expect(world.route53.changes).toHaveLength(0);
    expect(world.route53.records(SAMPLE_ZONE_ID).find((r) => r.name === 'shop.example.com.')?.values).toEqual(
      [SAMPLE_TARGETS.primary.shop],
    );
  });

  it('cleans up the namespaces it restored and scales back to pilot light when asked', async () => {
    // Arrange
    const input = {
      namespaceMapping: { shop: 'shop-rehearsal', storefront: 'storefront-rehearsal' },
      cleanup: true,
    };
    const drEc2 = world.ec2.region(world.plan.dr.region);
    const volumeDeletesBefore = drEc2.calls.DeleteVolume;
    const restoredBy = (executionName: string) =>
      drEc2.listVolumes().filter((v) => v.tags[RESTORE_TAG] === backupNameFor(executionName));

    // Act
    const result = await runOnWorld(world, 'drill', { executionName: 'shop-drill-20260305T1200Z', input });
    await world.eks.idle();
    const objects = world.sampleObjects(world.dr);
    const group = await world.eks.describeNodeGroup(world.plan.dr.clusterName, 'apps');

    // Assert
    expect(result.status, String(result.cause)).toBe('SUCCEEDED');
    expect(objects.filter((ref) => ref.includes('rehearsal'))).toEqual([]);
    expect(objects).toContain('deployments.apps shop-drill/api');
    expect(group).toMatchObject({ desired: 0, readyNodes: 0 });
    expect(world.route53.changes).toHaveLength(0);
    expect(restoredBy('shop-drill-20260305T1200Z')).toEqual([]);
    expect(drEc2.calls.DeleteVolume - volumeDeletesBefore).toBeGreaterThan(0);
    // The earlier drill kept its volumes (no cleanup asked): only this restore's were deleted.
    expect(restoredBy('shop-drill-20260305T1100Z').length).toBeGreaterThan(0);
    // The report says what the cleanup removed.
    expect(world.notifier.sent.at(-1)?.message).toMatch(
      /Cleanup: 2 namespaces, \d+ PVs and [1-9]\d* DR volumes deleted/,
    );
  });
});
