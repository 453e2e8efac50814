// Failback end to end, a lossless round trip: after a failover, DR serves the shop and things change there
// (an object created, a Deployment's image changed, an object deleted, data written to a volume); failback
// brings every change home through the real ASL, DNS returns to the primary, and DR goes back to pilot light.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiImageOf, changeDr, DR_CHANGES } from '../../cli/demo/dr-changes.ts';
import type { LocalWorkflowResult } from '../../sandbox/workflows/local-workflow-runner.ts';
import type { SandboxWorld } from '../../sandbox/world.ts';
import { dnsSide, failedOverWorld, reportOf, runOnWorld, statesOf } from './e2e-helpers.ts';

// The changes are the demo's (cli/demo/dr-changes.ts): what the demo tells, this test asserts.
const DR_IMAGE = DR_CHANGES.image.value;
const PV = DR_CHANGES.volume.persistentVolume;
const DELETED = DR_CHANGES.deleted.label;
const imageOf = apiImageOf;

describe('failback workflow on the sandbox: the round trip', () => {
  let world: SandboxWorld;
  let result: LocalWorkflowResult;

  beforeAll(async () => {
    world = await failedOverWorld();
    await changeDr(world);
    result = await runOnWorld(world, 'failback', {
      executionName: 'shop-failback-20260304T1300Z',
      input: { reason: 'eu-west-1 is back' },
    });
  }, 60_000);

  afterAll(async () => {
    await world?.stop();
  });

  it('succeeds, and the primary holds the object created and the image changed in DR', async () => {
    // Arrange
    const primary = await world.deps.cluster('primary');

    // Act
    const objects = world.sampleObjects(world.primary);
    const image = await imageOf(primary);

    // Assert
    expect(result.status, String(result.cause)).toBe('SUCCEEDED');
    expect(objects).toContain('configmaps shop/orders-during-outage');
    expect(image).toBe(DR_IMAGE);
    expect(reportOf(result)).toMatchObject({ restore: { updated: expect.any(Number) } });
    expect((reportOf(result) as { restore: { updated: number } }).restore.updated).toBeGreaterThan(0);
  });

  it("brings DR's volume data home: the primary's PV points at a new primary volume holding the DR version", () => {
    // Arrange
    const primaryRegion = world.ec2.region(world.plan.primary.region);

    // Act
    const data = world.volumeData('primary', PV);
    const restored = primaryRegion
      .listVolumes()
      .filter((volume) => volume.tags['eks-dr:restore']?.startsWith('shop-failback-20260304t1300z'));

    // Assert
    expect(data).toBe('orders v2, written in DR');
    expect(restored.map((volume) => volume.availabilityZone).sort()).toEqual(['eu-west-1a', 'eu-west-1b']);
    expect(restored.every((volume) => volume.encrypted)).toBe(true);
    expect(world.volumeData('primary', 'pvc-0b6f1c2a-db-1')).toBe('orders v1');
  });

  it('snapshots the DR volumes and copies them to the primary region before the restore', () => {
    // Arrange
    const states = statesOf(result);

    // Act
    const order = ['SnapshotDr', 'CheckVolumeSnapshots', 'StartVolumeCopies', 'CheckVolumeCopies', 'Restore'];

    // Assert
    const firsts = order.map((state) => states.indexOf(state));
    expect(firsts.every((index) => index >= 0)).toBe(true);
    expect([...firsts].sort((a, b) => a - b)).toEqual(firsts);
  });

  it('reports the object deleted in DR by name and, without the flag, leaves it in the primary', () => {
    // Arrange
    const report = reportOf(result) as { deletedInDr?: { objects: string[]; removedFromPrimary: string[] } };

    // Act
    const objects = world.sampleObjects(world.primary);

    // Assert
    expect(report.deletedInDr).toEqual({ objects: [DELETED], removedFromPrimary: [] });
    expect(objects).toContain(DELETED);
  });

  it('moves DNS back only after the primary passed its own gate, then scales DR to pilot light', async () => {
    // Arrange
    await world.eks.idle();
    const states = statesOf(result);

    // Act
    const group = await world.eks.describeNodeGroup(world.plan.dr.clusterName, 'apps');

    // Assert
    expect(dnsSide(world)).toBe('primary');
    expect(world.primaryHealth.probes).toBeGreaterThanOrEqual(2);
    expect(states.indexOf('HealthGate')).toBeLessThan(states.indexOf('ChangeDns'));
    expect(states.lastIndexOf('CheckDns')).toBeLessThan(states.indexOf('ScaleDown'));
    expect(group).toMatchObject({ desired: 0, readyNodes: 0, status: 'ACTIVE' });
    expect(reportOf(result)).toMatchObject({ outcome: 'Succeeded', workflow: 'failback' });
  });

  it('copies the DR snapshot to the primary bucket, verified, with its volume copies', async () => {
    // Arrange
    const backups = (await world.stores.primary.list()).backups;

    // Act
    const fromDr = backups.filter((backup) => backup.manifest.sourceRegion === world.plan.dr.region);

    // Assert
    expect(fromDr).toHaveLength(1);
    expect(fromDr[0]?.manifest.copiedRegions).toContain(world.plan.primary.region);
    expect(fromDr[0]?.manifest.volumeSnapshots.map((record) => record.region)).toEqual([
      world.plan.dr.region,
      world.plan.dr.region,
    ]);
  });
});

describe('failback workflow on the sandbox: removeDeletedInDr', () => {
  let world: SandboxWorld;
  let result: LocalWorkflowResult;

  beforeAll(async () => {
    world = await failedOverWorld();
    await changeDr(world);
    result = await runOnWorld(world, 'failback', {
      executionName: 'shop-failback-20260304T1400Z',
      input: { removeDeletedInDr: true },
    });
  }, 60_000);

  afterAll(async () => {
    await world?.stop();
  });

  it('removes from the primary what was deleted in DR, and reports it', () => {
    // Arrange
    const report = reportOf(result) as { deletedInDr?: { objects: string[]; removedFromPrimary: string[] } };

    // Act
    const objects = world.sampleObjects(world.primary);

    // Assert
    expect(result.status, String(result.cause)).toBe('SUCCEEDED');
    expect(report.deletedInDr).toEqual({ objects: [DELETED], removedFromPrimary: [DELETED] });
    expect(objects).not.toContain(DELETED);
    expect(objects).toContain('promotions.shop.example.com shop/loyalty');
    expect(objects).toContain('configmaps shop/orders-during-outage');
  });
});
