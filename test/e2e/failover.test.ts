// Failover end to end: the real failover.asl.json, every Task answered by the real handler on the sandbox
// world. A backup runs first, as the schedule would have run it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalWorkflowResult } from '../../sandbox/workflows/local-workflow-runner.ts';
import { SAMPLE_TARGETS, SAMPLE_ZONE_ID, type SandboxWorld, startSandboxWorld } from '../../sandbox/world.ts';
import { healthCheckOf } from '../../src/plan/index.ts';
import { reportOf, runOnWorld, statesOf } from './e2e-helpers.ts';

let world: SandboxWorld;
let result: LocalWorkflowResult;
let primaryObjects: string[];

beforeAll(async () => {
  world = await startSandboxWorld();
  const backup = await runOnWorld(world, 'backup', { executionName: 'shop-backup-20260301T1000Z' });
  if (backup.status !== 'SUCCEEDED')
    throw new Error(`backup failed: ${backup.error} ${String(backup.cause)}`);
  primaryObjects = world.sampleObjects(world.primary);
  result = await runOnWorld(world, 'failover', {
    executionName: 'shop-failover-20260301T1100Z',
    input: { reason: 'eu-west-1 outage drill of the e2e suite' },
  });
}, 30_000);

afterAll(async () => {
  await world?.stop();
});

describe('failover workflow on the sandbox', () => {
  it('succeeds through every step, looping while nodes boot and DNS propagates', () => {
    // Arrange
    const states = statesOf(result);

    // Act
    const loops = states.filter((state) => state === 'CheckScaleUp').length;

    // Assert
    expect(result.status, String(result.cause)).toBe('SUCCEEDED');
    expect(loops).toBeGreaterThan(1);
    expect(states).toEqual(
      expect.arrayContaining([
        'Guard',
        'PickBackup',
        'ScaleUp',
        'Restore',
        'HealthGate',
        'ChangeDns',
        'Report',
      ]),
    );
  });

  it('brings the DR node group up from pilot light with Ready nodes', async () => {
    // Arrange
    const cluster = world.plan.dr.clusterName;

    // Act
    const group = await world.eks.describeNodeGroup(cluster, 'apps');

    // Assert
    expect(group).toMatchObject({ status: 'ACTIVE', desired: 2, readyNodes: 2 });
  });

  it('restores every object of the sample app into the DR cluster', () => {
    // Arrange
    const expected = primaryObjects;

    // Act
    const restored = world.sampleObjects(world.dr);

    // Assert
    expect(restored).toEqual(expect.arrayContaining(expected));
    expect(restored).toContain('promotions.shop.example.com shop/spring-sale');
  });

  it('points the restored PVs at DR volumes made from the snapshot copies', () => {
    // Arrange
    const drEc2 = world.ec2.region(world.plan.dr.region);

    // Act
    const pv = JSON.parse(
      world.dr.store.existingTable('persistentvolumes')?.objects.get('/pvc-0b6f1c2a-db-0')?.json ?? '{}',
    );
    const volume = drEc2.volume(pv.spec?.csi?.volumeHandle);

    // Assert
    expect(pv.spec.csi.volumeHandle).not.toBe('vol-0a1b2c3d4e5f60001');
    expect(volume?.availabilityZone).toBe('eu-central-1a');
    expect(volume?.snapshotId).toBeDefined();
  });

  it('runs the workloads Ready, so the real health endpoint passes', () => {
    // Arrange
    const deployments = [...(world.dr.store.existingTable('deployments.apps')?.objects.values() ?? [])];

    // Act
    const ready = deployments
      .map((stored) => JSON.parse(stored.json))
      .filter((d) => d.status?.readyReplicas === d.spec.replicas);

    // Assert
    expect(ready).toHaveLength(3);
    expect(world.health.probes).toBeGreaterThanOrEqual(
      healthCheckOf(world.plan, 'dr')?.consecutiveSuccesses ?? 1,
    );
  });

  it('moves both DNS records to the DR side in Route 53', () => {
    // Arrange
    const records = world.route53.records(SAMPLE_ZONE_ID);

    // Act
    const shop = records.find((r) => r.name === 'shop.example.com.');
    const apiWeights = Object.fromEntries(
      records.filter((r) => r.name === 'api.example.com.').map((r) => [r.values?.[0], r.weight]),
    );

    // Assert
    expect(shop?.values).toEqual([SAMPLE_TARGETS.dr.shop]);
    expect(apiWeights).toEqual({ [SAMPLE_TARGETS.dr.api]: 100, [SAMPLE_TARGETS.primary.api]: 0 });
  });

  it('reports RTO, RPO, counts and the previous records, as metrics and a notification', () => {
    // Arrange
    const report = reportOf(result) as {
      outcome: string;
      rto: { seconds: number; met: boolean };
      rpo: { seconds: number; backupName: string };
      restore: { failed: number; created: number };
      dns: { insync: boolean; previousRecords: number };
      timeline: { step: string }[];
    };

    // Act
    const steps = report.timeline.map((entry) => entry.step);

    // Assert
    expect(report.outcome).toBe('Succeeded');
    expect(report.rto.seconds).toBeGreaterThan(60);
    expect(report.rpo.backupName).toMatch(/^shop-backup-20260301t1000z-[0-9a-f]{8}$/);
    expect(report.restore).toMatchObject({ failed: 0 });
    expect(report.restore.created).toBeGreaterThan(20);
    expect(report.dns).toMatchObject({ insync: true, previousRecords: 3 });
    expect(steps).toEqual(['guard', 'backup', 'capacity', 'restore', 'workloads', 'health', 'dns']);
    expect(world.metrics.values('RtoSeconds', 'shop')).toEqual([report.rto.seconds]);
    expect(world.notifier.sent.at(-1)?.subject).toMatch(/failover Succeeded/);
  });
});
