import { describe, expect, it } from 'vitest';
import type { VolumeSnapshotRecord } from '../../src/archive/index.ts';
import {
  discardCreatedSnapshots,
  findEbsVolumes,
  InvalidVolumeInputError,
  VolumeBackupper,
  VolumeRetention,
} from '../../src/volumes/index.ts';
import { aCsiPv } from './pv-fixtures.ts';
import { aWorld, DR, DR_KEY, SOURCE, type World } from './world.ts';

async function aBackup(
  world: World,
  name: string,
  pvNames: string[],
): Promise<{ name: string; volumeSnapshots: VolumeSnapshotRecord[] }> {
  const pvs = pvNames.map((pv) =>
    aCsiPv(pv, world.source.addVolume({ availabilityZone: `${SOURCE}a`, sizeGi: 4 })),
  );
  const backupper = new VolumeBackupper({
    from: world.source,
    to: world.dr,
    sleep: world.sleep,
    now: world.clock,
  });
  const volumeSnapshots = await backupper.runToCompletion(name, findEbsVolumes(pvs).volumes, {
    kmsKeyId: DR_KEY,
  });
  return { name, volumeSnapshots };
}

const idsIn = (world: World) => ({
  source: world.source.listSnapshots().map((s) => s.id),
  dr: world.dr.listSnapshots().map((s) => s.id),
});

describe('VolumeRetention', () => {
  it('deletes the snapshots of pruned backups in both regions and keeps those of kept backups', async () => {
    // Arrange
    const world = aWorld();
    const old = await aBackup(world, 'old', ['pv-a', 'pv-b']);
    const kept = await aBackup(world, 'new', ['pv-c']);
    const keptIds = idsIn(world);

    // Act
    const report = await new VolumeRetention([world.source, world.dr]).prune({ pruned: [old], kept: [kept] });

    // Assert
    expect(report.deleted).toHaveLength(4);
    expect(report.deleted.map((r) => r.region).sort()).toEqual([DR, DR, SOURCE, SOURCE]);
    expect(idsIn(world)).toEqual({
      source: [kept.volumeSnapshots[0]?.snapshotId],
      dr: [kept.volumeSnapshots[0]?.copies?.[0]?.snapshotId],
    });
    expect(keptIds.source).toHaveLength(3);
  });

  it('never deletes a snapshot a kept backup still records', async () => {
    // Arrange
    const world = aWorld();
    const old = await aBackup(world, 'old', ['pv-a']);
    const adopted = { name: 'adopted', volumeSnapshots: old.volumeSnapshots };

    // Act
    const report = await new VolumeRetention([world.source, world.dr]).prune({
      pruned: [old],
      kept: [adopted],
    });

    // Assert
    expect(report.deleted).toEqual([]);
    expect(report.stillReferenced.map((r) => r.snapshotId)).toEqual([
      old.volumeSnapshots[0]?.snapshotId,
      old.volumeSnapshots[0]?.copies?.[0]?.snapshotId,
    ]);
    expect(world.source.listSnapshots()).toHaveLength(1);
    expect(world.dr.listSnapshots()).toHaveLength(1);
  });

  it('reports snapshots already gone and deletes that keep failing, and carries on', async () => {
    // Arrange
    const world = aWorld();
    const old = await aBackup(world, 'old', ['pv-a', 'pv-b']);
    await world.source.deleteSnapshot(old.volumeSnapshots[0]?.snapshotId as string);
    world.dr.throttle(4, 'DeleteSnapshot');

    // Act
    const report = await new VolumeRetention([world.source, world.dr]).prune({ pruned: [old], kept: [] });

    // Assert
    expect(report.alreadyGone.map((r) => r.snapshotId)).toEqual([old.volumeSnapshots[0]?.snapshotId]);
    expect(report.failed).toEqual([
      expect.objectContaining({
        region: DR,
        snapshotId: old.volumeSnapshots[0]?.copies?.[0]?.snapshotId,
        backup: 'old',
        message: `EC2 DeleteSnapshot in ${DR}: still throttled after 4 attempts`,
      }),
    ]);
    expect(report.deleted).toHaveLength(2);
  });

  it('rejects a snapshot in a region it has no client for, before deleting anything', async () => {
    // Arrange
    const world = aWorld();
    const old = await aBackup(world, 'old', ['pv-a']);

    // Act
    const prune = new VolumeRetention([world.source]).prune({ pruned: [old], kept: [] });

    // Assert
    await expect(prune).rejects.toThrow(InvalidVolumeInputError);
    await expect(prune).rejects.toThrow(/region "eu-central-1": no EC2 client for this region/);
    expect(world.source.calls.DeleteSnapshot).toBe(0);
  });

  it('rejects a backup that is both pruned and kept', async () => {
    // Arrange
    const world = aWorld();
    const old = await aBackup(world, 'old', ['pv-a']);

    // Act
    const prune = new VolumeRetention([world.source, world.dr]).prune({ pruned: [old], kept: [old] });

    // Assert
    await expect(prune).rejects.toThrow('pruned "old": is also among the kept backups');
  });
});

describe('discardCreatedSnapshots', () => {
  it('deletes the snapshots a failed step listed as created', async () => {
    // Arrange
    const world = aWorld();
    const old = await aBackup(world, 'old', ['pv-a']);
    const record = old.volumeSnapshots[0] as VolumeSnapshotRecord;
    const created = [
      { kind: 'snapshot' as const, region: SOURCE, id: record.snapshotId, persistentVolume: 'pv-a' },
      {
        kind: 'snapshot' as const,
        region: DR,
        id: record.copies?.[0]?.snapshotId as string,
        persistentVolume: 'pv-a',
      },
    ];

    // Act
    const report = await discardCreatedSnapshots([world.source, world.dr], created);

    // Assert
    expect(report.deleted.map((r) => r.snapshotId)).toEqual(created.map((c) => c.id));
    expect(idsIn(world)).toEqual({ source: [], dr: [] });
  });
});
