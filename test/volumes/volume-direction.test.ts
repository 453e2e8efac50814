// The volume use cases the other way round, as a failback runs them: DR's volumes snapshotted in DR, the
// snapshots copied to the primary region with the primary's key, primary volumes made from the copies in the
// zones the plan's mapping gives back; and the content the EC2 stand-in models, carried all the way.
import { describe, expect, it } from 'vitest';
import { drVolumesOf } from '../../src/restore/index.ts';
import {
  findEbsVolumes,
  InvalidVolumeInputError,
  sourceZonesOf,
  VolumeBackupper,
  VolumeRestorer,
} from '../../src/volumes/index.ts';
import { aPlan } from '../failover/failover-fixtures.ts';
import { aCsiPv } from './pv-fixtures.ts';
import { aWorld, DR, SOURCE as PRIMARY, type World } from './world.ts';

const PRIMARY_KEY = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** Two DR volumes behind PVs, as a failover made them, with what was written on them while DR served. */
function drVolumesIn(world: World) {
  const pvs = ['a', 'b'].map((zone, i) => {
    const volumeId = world.dr.addVolume({
      availabilityZone: `${DR}${zone}`,
      sizeGi: 8,
      data: `orders v2 (${zone}), written in DR`,
    });
    return aCsiPv(`pv-${i}`, volumeId, { zone: `${DR}${zone}`, size: '8Gi' });
  });
  return { pvs, volumes: findEbsVolumes(pvs).volumes };
}

describe('volume use cases from DR to the primary', () => {
  it('snapshots in DR and copies into the primary region, encrypted with the primary key', async () => {
    // Arrange
    const world = aWorld();
    const { volumes } = drVolumesIn(world);
    const backupper = new VolumeBackupper({
      from: world.dr,
      to: world.source,
      sleep: world.sleep,
      now: world.clock,
    });

    // Act
    const records = await backupper.runToCompletion('shop-failback-1', volumes, { kmsKeyId: PRIMARY_KEY });

    // Assert
    expect(records.map((record) => record.region)).toEqual([DR, DR]);
    expect(records.map((record) => record.copies?.map((copy) => copy.region))).toEqual([
      [PRIMARY],
      [PRIMARY],
    ]);
    const copies = world.source.listSnapshots();
    expect(copies.map((copy) => [copy.sourceRegion, copy.kmsKeyId])).toEqual([
      [DR, PRIMARY_KEY],
      [DR, PRIMARY_KEY],
    ]);
    expect(copies.map((copy) => copy.data)).toEqual([
      'orders v2 (a), written in DR',
      'orders v2 (b), written in DR',
    ]);
    expect(world.dr.listSnapshots()).toHaveLength(2);
  });

  it('refuses a DR key for copies into the primary: EC2 keys are regional', async () => {
    // Arrange
    const world = aWorld();
    const { volumes } = drVolumesIn(world);
    const backupper = new VolumeBackupper({
      from: world.dr,
      to: world.source,
      sleep: world.sleep,
      now: world.clock,
    });
    const records = await backupper.snapshot('shop-failback-2', volumes);

    // Act
    const copied = backupper.copyToDr(records, {
      backupName: 'shop-failback-2',
      kmsKeyId: 'arn:aws:kms:eu-central-1:111122223333:key/dr-key',
    });

    // Assert
    await expect(copied).rejects.toThrow(/CopySnapshot of snapshot .* in eu-west-1/);
  });

  it('makes primary volumes from the copies in the zones the inverted mapping gives, holding DR data', async () => {
    // Arrange
    const world = aWorld();
    const { pvs, volumes } = drVolumesIn(world);
    const backupper = new VolumeBackupper({
      from: world.dr,
      to: world.source,
      sleep: world.sleep,
      now: world.clock,
    });
    const records = await backupper.runToCompletion('shop-failback-3', volumes, { kmsKeyId: PRIMARY_KEY });
    const plan = aPlan((raw) => {
      raw.volumes = {
        availabilityZoneMapping: { [`${PRIMARY}a`]: `${DR}a`, [`${PRIMARY}c`]: `${DR}b` },
        primaryKmsKeyArn: PRIMARY_KEY,
      };
    });
    const restorer = new VolumeRestorer({ to: world.source, sleep: world.sleep, now: world.clock });
    const intoPrimary = drVolumesOf(plan, 'primary', () => restorer, {
      restoreName: 'shop-failback-3',
      pollIntervalMs: 1_000,
    });

    // Act
    const restored = await restorer.restore(records, {
      ...(intoPrimary?.options ?? { restoreName: 'unused', availabilityZones: [] }),
      sourceZones: sourceZonesOf(findEbsVolumes(pvs).volumes),
    });

    // Assert
    expect(intoPrimary).toMatchObject({
      region: PRIMARY,
      options: {
        availabilityZones: [`${PRIMARY}a`, `${PRIMARY}b`, `${PRIMARY}c`],
        zoneMap: { [`${DR}a`]: `${PRIMARY}a`, [`${DR}b`]: `${PRIMARY}c` },
        kmsKeyId: PRIMARY_KEY,
      },
    });
    expect(Object.values(restored).map((volume) => volume.availabilityZone)).toEqual([
      `${PRIMARY}a`,
      `${PRIMARY}c`,
    ]);
    const made = Object.values(restored).map((volume) => world.source.volume(volume.volumeId));
    expect(made.map((volume) => [volume?.region, volume?.kmsKeyId, volume?.data])).toEqual([
      [PRIMARY, PRIMARY_KEY, 'orders v2 (a), written in DR'],
      [PRIMARY, PRIMARY_KEY, 'orders v2 (b), written in DR'],
    ]);
  });

  it('refuses zones of the other region for a restore into the primary', async () => {
    // Arrange
    const world = aWorld();
    const restorer = new VolumeRestorer({ to: world.source, sleep: world.sleep, now: world.clock });

    // Act
    const started = restorer.startVolumes([], {
      restoreName: 'shop-failback-4',
      availabilityZones: [`${DR}a`],
    });

    // Assert
    await expect(started).rejects.toThrow(InvalidVolumeInputError);
    await expect(started).rejects.toThrow(
      /"eu-central-1a": is not an availability zone of the target region eu-west-1/,
    );
  });

  it('gives no volumes to a restore into either side when the plan has volumes off', () => {
    // Arrange
    const plan = aPlan((raw) => {
      raw.volumes = { enabled: false };
    });
    const restorer = () => {
      throw new Error('no restorer is made with volumes off');
    };

    // Act
    const sides = (['primary', 'dr'] as const).map((side) =>
      drVolumesOf(plan, side, restorer, { restoreName: 'r', pollIntervalMs: 1 }),
    );

    // Assert
    expect(sides).toEqual([undefined, undefined]);
  });
});

describe('the EC2 stand-in models volume content', () => {
  it('a snapshot takes what the volume holds when it starts; copies and new volumes carry it on', async () => {
    // Arrange
    const world = aWorld();
    const volumeId = world.source.addVolume({ availabilityZone: `${PRIMARY}a`, sizeGi: 1, data: 'v1' });
    const snapshotId = await world.source.createSnapshot(volumeId, { 'eks-dr:backup': 'b' }, 'b');
    world.source.writeVolume(volumeId, 'v2');
    world.advance(3_600_000);

    // Act
    const copyId = await world.dr.copySnapshot({
      sourceRegion: PRIMARY,
      sourceSnapshotId: snapshotId,
      kmsKeyId: 'alias/aws/ebs',
      tags: {},
      description: 'copy',
    });
    world.advance(3_600_000);
    const fromCopy = await world.dr.createVolume({
      snapshotId: copyId,
      availabilityZone: `${DR}a`,
      tags: {},
    });

    // Assert
    expect(world.source.volumeData(volumeId)).toBe('v2');
    expect(world.dr.snapshot(copyId)?.data).toBe('v1');
    expect(world.dr.volumeData(fromCopy)).toBe('v1');
  });

  it('keeps a stalled copy pending for ever, at 0%', async () => {
    // Arrange
    const world = aWorld();
    const volumeId = world.source.addVolume({ availabilityZone: `${PRIMARY}a`, sizeGi: 1 });
    const snapshotId = await world.source.createSnapshot(volumeId, { 'eks-dr:backup': 'b' }, 'b');
    world.advance(3_600_000);
    world.dr.stallCopies();

    // Act
    const copyId = await world.dr.copySnapshot({
      sourceRegion: PRIMARY,
      sourceSnapshotId: snapshotId,
      kmsKeyId: 'alias/aws/ebs',
      tags: {},
      description: 'copy',
    });
    world.advance(48 * 3_600_000);

    // Assert
    expect(await world.dr.describeSnapshots([copyId])).toEqual([
      expect.objectContaining({ state: 'pending', progress: 0 }),
    ]);
  });
});
