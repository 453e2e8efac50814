import { describe, expect, it } from 'vitest';
import type { VolumeSnapshotRecord } from '../../src/archive/index.ts';
import {
  findEbsVolumes,
  InvalidVolumeInputError,
  type KubeObject,
  type RestoreVolumesOptions,
  rewritePersistentVolume,
  sourceZonesOf,
  VolumeBackupper,
  VolumeCreateFailedError,
  VolumeRestorer,
  VolumeTimeoutError,
} from '../../src/volumes/index.ts';
import { aCsiPv } from './pv-fixtures.ts';
import { aWorld, DR, DR_KEY, SOURCE, type World } from './world.ts';

/** Two PVs in two source zones, backed up and copied to DR. */
async function aCopiedBackup(world: World): Promise<{ pvs: KubeObject[]; records: VolumeSnapshotRecord[] }> {
  const pvs = ['a', 'b'].map((zone, i) => {
    const volumeId = world.source.addVolume({ availabilityZone: `${SOURCE}${zone}`, sizeGi: 8 });
    return aCsiPv(`pv-${i}`, volumeId, {
      zone: `${SOURCE}${zone}`,
      size: '8Gi',
      claim: { namespace: 'db', name: `data-pg-${i}` },
    });
  });
  const backupper = new VolumeBackupper({
    from: world.source,
    to: world.dr,
    sleep: world.sleep,
    now: world.clock,
  });
  const records = await backupper.runToCompletion('nightly', findEbsVolumes(pvs).volumes, {
    kmsKeyId: DR_KEY,
  });
  return { pvs, records };
}

function aRestorer(world: World, timeoutMs?: number): VolumeRestorer {
  return new VolumeRestorer({
    to: world.dr,
    sleep: world.sleep,
    now: world.clock,
    limits: { pollIntervalMs: 2_000, ...(timeoutMs === undefined ? {} : { volumeTimeoutMs: timeoutMs }) },
  });
}

const options = (pvs: KubeObject[], extra: Partial<RestoreVolumesOptions> = {}): RestoreVolumesOptions => ({
  restoreName: 'failover-1',
  availabilityZones: [`${DR}b`, `${DR}c`],
  zoneMap: { [`${SOURCE}a`]: `${DR}a` },
  sourceZones: sourceZonesOf(findEbsVolumes(pvs).volumes),
  ...extra,
});

async function caught(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('VolumeRestorer', () => {
  it('makes each DR volume from the DR copy in the mapped zone, else the first DR zone', async () => {
    // Arrange
    const world = aWorld();
    const { pvs, records } = await aCopiedBackup(world);
    const started = world.now();

    // Act
    const restored = await aRestorer(world).restore(records, options(pvs));

    // Assert
    const volumes = world.dr.listVolumes();
    expect(restored).toEqual({
      'pv-0': { volumeId: volumes[0]?.id, availabilityZone: `${DR}a` },
      'pv-1': { volumeId: volumes[1]?.id, availabilityZone: `${DR}b` },
    });
    expect(volumes[0]).toMatchObject({
      snapshotId: records[0]?.copies?.[0]?.snapshotId,
      volumeType: 'gp3',
      encrypted: true,
      sizeGi: 8,
      tags: { 'eks-dr:restore': 'failover-1', 'eks-dr:pv': 'pv-0', Name: 'failover-1/pv-0' },
    });
    // Modelled: 10 s until available, polled every 2 s.
    expect(world.now() - started).toBe(10_000);
  });

  it('gives PVs that point at the DR volumes once rewritten', async () => {
    // Arrange
    const world = aWorld();
    const { pvs, records } = await aCopiedBackup(world);
    const restored = await aRestorer(world).restore(records, options(pvs));

    // Act
    const rewritten = pvs.map((pv) =>
      rewritePersistentVolume(pv, restored[pv.metadata.name as string] as never),
    );

    // Assert
    const found = findEbsVolumes(rewritten).volumes;
    expect(found.map((v) => [v.volumeId, v.availabilityZone])).toEqual([
      [restored['pv-0']?.volumeId, `${DR}a`],
      [restored['pv-1']?.volumeId, `${DR}b`],
    ]);
    expect(found.every((v) => world.dr.volume(v.volumeId)?.region === DR)).toBe(true);
  });

  it('returns the same volumes when a start step is retried (CreateVolume client token)', async () => {
    // Arrange
    const world = aWorld();
    const { pvs, records } = await aCopiedBackup(world);
    const restorer = aRestorer(world);

    // Act
    const first = await restorer.startVolumes(records, options(pvs));
    const retried = await restorer.startVolumes(records, options(pvs));

    // Assert
    expect(retried.items).toEqual(first.items);
    expect(world.dr.listVolumes()).toHaveLength(2);
  });

  it('checks without waiting: in progress first, completed once available', async () => {
    // Arrange
    const world = aWorld();
    const { pvs, records } = await aCopiedBackup(world);
    const restorer = aRestorer(world);
    const batch = JSON.parse(JSON.stringify(await restorer.startVolumes(records, options(pvs))));

    // Act
    const early = await restorer.checkVolumes(batch);
    world.advance(10_000);
    const done = await restorer.checkVolumes(batch);

    // Assert
    expect(early).toEqual({ status: 'InProgress', progress: { done: 0, total: 2, percent: 0 } });
    expect(done.status).toBe('Completed');
  });

  it('rejects a record with no completed DR copy before creating any volume', async () => {
    // Arrange
    const world = aWorld();
    const { pvs, records } = await aCopiedBackup(world);
    const noCopy = [
      records[0] as VolumeSnapshotRecord,
      { ...(records[1] as VolumeSnapshotRecord), copies: [] },
    ];

    // Act
    const error = await caught(aRestorer(world).startVolumes(noCopy, options(pvs)));

    // Assert
    expect(error).toBeInstanceOf(InvalidVolumeInputError);
    expect(error.message).toBe(
      `volumeSnapshots[pv-1].copies []: a completed copy in ${DR} is needed to restore; it has none`,
    );
    expect(world.dr.calls.CreateVolume).toBe(0);
  });

  it.each([
    [{ availabilityZones: [] }, /availabilityZones \[\]: at least one zone/],
    [
      { availabilityZones: [`${SOURCE}a`] },
      /availabilityZones "eu-west-1a": is not an availability zone of the target region/,
    ],
    [{ zoneMap: { [`${SOURCE}a`]: 'us-east-1a' } }, /zoneMap.eu-west-1a "us-east-1a"/],
  ])('rejects zones outside the DR region (%#)', async (extra, message) => {
    // Arrange
    const world = aWorld();
    const { pvs, records } = await aCopiedBackup(world);

    // Act
    const error = await caught(aRestorer(world).startVolumes(records, options(pvs, extra)));

    // Assert
    expect(error.message).toMatch(message);
    expect(world.dr.calls.CreateVolume).toBe(0);
  });

  it('fails with VolumeCreateFailedError listing the volumes it made when one goes to error', async () => {
    // Arrange
    const world = aWorld();
    const { pvs, records } = await aCopiedBackup(world);
    world.dr.failVolumes({ snapshotId: records[1]?.copies?.[0]?.snapshotId });

    // Act
    const error = await caught(aRestorer(world).restore(records, options(pvs)));

    // Assert
    const ids = world.dr.listVolumes().map((v) => v.id);
    expect(error).toBeInstanceOf(VolumeCreateFailedError);
    expect(error).toMatchObject({
      persistentVolume: 'pv-1',
      volumeId: ids[1],
      created: ids.map((id, i) => ({ kind: 'volume', region: DR, id, persistentVolume: `pv-${i}` })),
    });
    expect(error.message).toContain('failed: EC2 reports state error');
  });

  it('gives up with VolumeTimeoutError after the limit', async () => {
    // Arrange
    const world = aWorld();
    const { pvs, records } = await aCopiedBackup(world);

    // Act
    const error = await caught(aRestorer(world, 5_000).restore(records, options(pvs)));

    // Assert
    expect(error).toBeInstanceOf(VolumeTimeoutError);
    expect((error as VolumeTimeoutError).pending.map((p) => p.persistentVolume)).toEqual(['pv-0', 'pv-1']);
    expect(error.message).toMatch(/^volumes not available after 6 s \(limit 5 s\)/);
  });
});

describe('VolumeRestorer.deleteVolumes', () => {
  /** The DR volumes of one restore, already available, plus the restorer. */
  async function aRestoreToDelete(world: World) {
    const { pvs, records } = await aCopiedBackup(world);
    const restored = await aRestorer(world).restore(records, options(pvs));
    const ids = Object.values(restored).map((v) => v.volumeId);
    return { ids, restorer: aRestorer(world) };
  }

  it('deletes the given available volumes, counts one already gone as done, and touches no other volume', async () => {
    // Arrange
    const world = aWorld();
    const { ids, restorer } = await aRestoreToDelete(world);
    const [first, second] = ids as [string, string];
    const other = world.dr.addVolume({ availabilityZone: `${DR}a`, sizeGi: 8, tags: { app: 'not-ours' } });
    await world.dr.deleteVolume(second);

    // Act
    const result = await restorer.deleteVolumes([first, second, first], { deadline: world.now() + 60_000 });

    // Assert
    expect(result).toEqual({ deleted: [first], notFound: [second], stillInUse: [], lastStates: {} });
    expect(world.dr.listVolumes().map((v) => v.id)).toEqual([other]);
    expect(world.dr.calls.DeleteVolume).toBe(2);
  });

  it('waits while a volume is attached and deletes it once it is detached', async () => {
    // Arrange
    const world = aWorld();
    const { ids } = await aRestoreToDelete(world);
    const [attached, free] = ids as [string, string];
    world.dr.attachVolume(attached);
    const sleeps: number[] = [];
    const restorer = new VolumeRestorer({
      to: world.dr,
      now: world.clock,
      limits: { pollIntervalMs: 2_000 },
      sleep: async (ms) => {
        sleeps.push(ms);
        await world.sleep(ms);
        if (sleeps.length === 3) world.dr.detachVolume(attached);
      },
    });

    // Act
    const result = await restorer.deleteVolumes(ids, { deadline: world.now() + 60_000 });

    // Assert
    expect(result).toEqual({ deleted: [free, attached], notFound: [], stillInUse: [], lastStates: {} });
    expect(sleeps).toEqual([2_000, 2_000, 2_000]);
    expect(world.dr.listVolumes()).toEqual([]);
  });

  it('reports a volume still in use at the deadline instead of failing, and stops waiting there', async () => {
    // Arrange
    const world = aWorld();
    const { ids, restorer } = await aRestoreToDelete(world);
    const [attached, free] = ids as [string, string];
    world.dr.attachVolume(attached);
    const deadline = world.now() + 7_000;

    // Act
    const result = await restorer.deleteVolumes(ids, { deadline });

    // Assert
    expect(result).toEqual({
      deleted: [free],
      notFound: [],
      stillInUse: [attached],
      lastStates: { [attached]: 'in-use' },
    });
    expect(world.now()).toBeLessThanOrEqual(deadline);
    expect(world.dr.volume(attached)).toBeDefined();
  });

  it('waits for a volume attached between DescribeVolumes and DeleteVolume (VolumeInUse) instead of failing', async () => {
    // Arrange
    const world = aWorld();
    const { ids, restorer } = await aRestoreToDelete(world);
    const [racing] = ids as [string, string];
    const describe = world.dr.describeVolumes.bind(world.dr);
    let describes = 0;
    world.dr.describeVolumes = async (volumeIds) => {
      const statuses = await describe(volumeIds);
      describes++;
      if (describes === 1) world.dr.attachVolume(racing);
      if (describes === 2) world.dr.detachVolume(racing);
      return statuses;
    };

    // Act
    const result = await restorer.deleteVolumes([racing], { deadline: world.now() + 60_000 });

    // Assert
    expect(describes).toBe(3);
    expect(result).toEqual({ deleted: [racing], notFound: [], stillInUse: [], lastStates: {} });
  });

  it('rejects an id that is not a volume id before any EC2 call', async () => {
    // Arrange
    const world = aWorld();
    const restorer = aRestorer(world);

    // Act
    const error = await caught(restorer.deleteVolumes(['vol-0123456789abcdef0', 'snap-1'], { deadline: 0 }));

    // Assert
    expect(error).toBeInstanceOf(InvalidVolumeInputError);
    expect(error.message).toContain('volumeIds "snap-1"');
    expect(world.dr.calls.DescribeVolumes + world.dr.calls.DeleteVolume).toBe(0);
  });
});
