import { describe, expect, it } from 'vitest';
import { Ec2ThrottledError } from '../../src/aws/ec2-retry.ts';
import {
  allCopiedTo,
  type EbsVolume,
  findEbsVolumes,
  InvalidVolumeInputError,
  SnapshotFailedError,
  SnapshotTimeoutError,
  VolumeBackupper,
  type VolumeBackupperDeps,
  VolumeRequestError,
} from '../../src/volumes/index.ts';
import { aCsiPv } from './pv-fixtures.ts';
import { aWorld, DR, DR_KEY, SOURCE, type World } from './world.ts';

const MINUTE = 60_000;

function volumesIn(world: World, count: number): EbsVolume[] {
  const pvs = Array.from({ length: count }, (_, i) => {
    const volumeId = world.source.addVolume({ availabilityZone: `${SOURCE}a`, sizeGi: 10 * (i + 1) });
    return aCsiPv(`pv-${i}`, volumeId, {
      zone: `${SOURCE}a`,
      size: `${10 * (i + 1)}Gi`,
      claim: { namespace: 'shop', name: `data-db-${i}` },
    });
  });
  return findEbsVolumes(pvs).volumes;
}

function aBackupper(world: World, overrides: Partial<VolumeBackupperDeps> = {}): VolumeBackupper {
  return new VolumeBackupper({
    source: world.source,
    dr: world.dr,
    sleep: world.sleep,
    now: world.now,
    limits: { pollIntervalMs: 15_000 },
    ...overrides,
  });
}

async function caught(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('VolumeBackupper', () => {
  it('snapshots, copies to DR and returns complete manifest records', async () => {
    // Arrange
    const world = aWorld();
    const volumes = volumesIn(world, 2);
    const started = world.now();

    // Act
    const records = await aBackupper(world).runToCompletion('nightly-1', volumes, { drKmsKeyId: DR_KEY });

    // Assert
    const [first, second] = world.source.listSnapshots();
    const copies = world.dr.listSnapshots();
    expect(records).toEqual([
      {
        persistentVolume: 'pv-0',
        volumeId: volumes[0]?.volumeId,
        snapshotId: first?.id,
        region: SOURCE,
        sizeGiB: 10,
        state: 'completed',
        copies: [{ region: DR, snapshotId: copies[0]?.id, state: 'completed' }],
      },
      {
        persistentVolume: 'pv-1',
        volumeId: volumes[1]?.volumeId,
        snapshotId: second?.id,
        region: SOURCE,
        sizeGiB: 20,
        state: 'completed',
        copies: [{ region: DR, snapshotId: copies[1]?.id, state: 'completed' }],
      },
    ]);
    expect(first?.tags).toEqual({
      'eks-dr:backup': 'nightly-1',
      'eks-dr:pv': 'pv-0',
      'eks-dr:pvc': 'data-db-0',
      'eks-dr:namespace': 'shop',
      Name: 'nightly-1/pv-0',
    });
    expect(copies[0]).toMatchObject({
      encrypted: true,
      kmsKeyId: DR_KEY,
      sourceRegion: SOURCE,
      sourceSnapshotId: first?.id,
      tags: expect.objectContaining({ 'eks-dr:source-snapshot': first?.id, 'eks-dr:source-region': SOURCE }),
    });
    expect(allCopiedTo(records, DR)).toBe(true);
    // Modelled: the 20 GiB snapshot takes 3 min + 40 s, its copy 6 min + 80 s; polls every 15 s.
    expect(world.now() - started).toBeGreaterThanOrEqual((220 + 440) * 1000);
    expect(world.now() - started).toBeLessThan((220 + 440 + 60) * 1000);
  });

  it('runs as separate start and check steps whose state survives JSON, as Step Functions passes it', async () => {
    // Arrange
    const world = aWorld();
    const backupper = aBackupper(world);
    const volumes = volumesIn(world, 1);

    // Act
    const batch = JSON.parse(JSON.stringify(await backupper.startSnapshots('nightly-2', volumes)));
    world.advance(MINUTE);
    const early = await backupper.checkSnapshots(batch);
    world.advance(3 * MINUTE);
    const done = await backupper.checkSnapshots(batch);
    const records = done.status === 'Completed' ? done.records : [];
    let copyBatch = JSON.parse(
      JSON.stringify(await backupper.startCopies(records, { backupName: 'nightly-2', drKmsKeyId: DR_KEY })),
    );
    world.advance(2 * MINUTE);
    const copyEarly = await backupper.checkCopies(copyBatch);
    copyBatch = JSON.parse(JSON.stringify(copyEarly.batch));
    world.advance(10 * MINUTE);
    const copyDone = await backupper.checkCopies(copyBatch);

    // Assert
    expect(early).toEqual({ status: 'InProgress', progress: { done: 0, total: 1, percent: 30 } });
    expect(done.status).toBe('Completed');
    expect(copyEarly.status).toBe('InProgress');
    expect(copyEarly.progress.done).toBe(0);
    expect(copyDone.status).toBe('Completed');
    expect(copyDone.status === 'Completed' && allCopiedTo(copyDone.records, DR)).toBe(true);
  });

  it('fails with SnapshotFailedError naming the volume and snapshot, listing every snapshot it made', async () => {
    // Arrange
    const world = aWorld();
    const volumes = volumesIn(world, 2);
    world.source.failSnapshots({ volumeId: volumes[1]?.volumeId, message: 'Internal error' });

    // Act
    const error = await caught(aBackupper(world).snapshot('nightly-3', volumes));

    // Assert
    const [first, second] = world.source.listSnapshots();
    expect(error).toBeInstanceOf(SnapshotFailedError);
    expect(error).toMatchObject({
      name: 'SnapshotFailedError',
      phase: 'snapshot',
      persistentVolume: 'pv-1',
      volumeId: volumes[1]?.volumeId,
      snapshotId: second?.id,
      created: [
        { kind: 'snapshot', region: SOURCE, id: first?.id, persistentVolume: 'pv-0' },
        { kind: 'snapshot', region: SOURCE, id: second?.id, persistentVolume: 'pv-1' },
      ],
    });
    expect(error.message).toContain(
      `${second?.id} in ${SOURCE} of volume ${volumes[1]?.volumeId} (PV pv-1) failed: Internal error`,
    );
  });

  it('gives up with SnapshotTimeoutError once snapshots run past their limit', async () => {
    // Arrange
    const world = aWorld();
    const volumes = volumesIn(world, 1);
    const backupper = aBackupper(world, {
      limits: { snapshotTimeoutMs: 2 * MINUTE, pollIntervalMs: 30_000 },
    });

    // Act
    const error = await caught(backupper.snapshot('nightly-4', volumes));

    // Assert
    expect(error).toBeInstanceOf(SnapshotTimeoutError);
    expect(error).toMatchObject({ phase: 'snapshot', limitMs: 2 * MINUTE });
    expect((error as SnapshotTimeoutError).pending).toEqual([
      { persistentVolume: 'pv-0', id: world.source.listSnapshots()[0]?.id, region: SOURCE, progress: 75 },
    ]);
    expect((error as SnapshotTimeoutError).created).toHaveLength(1);
  });

  it('gives up with SnapshotTimeoutError when a copy runs past its limit, listing the copies made', async () => {
    // Arrange
    const world = aWorld();
    const backupper = aBackupper(world, { limits: { copyTimeoutMs: 5 * MINUTE, pollIntervalMs: 30_000 } });
    const records = await backupper.snapshot('nightly-5', volumesIn(world, 1));

    // Act
    const error = await caught(backupper.copyToDr(records, { backupName: 'nightly-5', drKmsKeyId: DR_KEY }));

    // Assert
    const copy = world.dr.listSnapshots()[0];
    expect(error).toBeInstanceOf(SnapshotTimeoutError);
    expect(error).toMatchObject({
      name: 'SnapshotTimeoutError',
      phase: 'copy',
      created: [{ kind: 'snapshot', region: DR, id: copy?.id, persistentVolume: 'pv-0' }],
    });
    expect(error.message).toMatch(
      new RegExp(`copies not completed after 33\\d s \\(limit 300 s\\): ${copy?.id}`),
    );
  });

  it('reports a failed copy with SnapshotFailedError', async () => {
    // Arrange
    const world = aWorld();
    const backupper = aBackupper(world);
    const records = await backupper.snapshot('nightly-6', volumesIn(world, 1));
    world.dr.failCopies({ message: 'KMS key disabled' });

    // Act
    const error = await caught(backupper.copyToDr(records, { backupName: 'nightly-6', drKmsKeyId: DR_KEY }));

    // Assert
    expect(error).toMatchObject({ name: 'SnapshotFailedError', phase: 'copy', region: DR });
    expect(error.message).toContain('failed: KMS key disabled');
  });

  it('rides out a few throttled calls', async () => {
    // Arrange
    const world = aWorld();
    const volumes = volumesIn(world, 2);
    world.source.throttle(3, 'CreateSnapshot');

    // Act
    const records = await aBackupper(world).snapshot('nightly-7', volumes);

    // Assert
    expect(records).toHaveLength(2);
    expect(world.source.calls.CreateSnapshot).toBe(5);
  });

  it('stops with VolumeRequestError listing what it made when throttling outlasts the retries', async () => {
    // Arrange
    const world = aWorld();
    const volumes = volumesIn(world, 2);
    world.source.throttle(100, 'CreateSnapshot', 1);

    // Act
    const error = await caught(aBackupper(world).startSnapshots('nightly-8', volumes));

    // Assert
    const [made] = world.source.listSnapshots();
    expect(error).toBeInstanceOf(VolumeRequestError);
    expect((error as VolumeRequestError).cause).toBeInstanceOf(Ec2ThrottledError);
    expect(error).toMatchObject({
      phase: 'snapshot',
      persistentVolume: 'pv-1',
      created: [{ kind: 'snapshot', region: SOURCE, id: made?.id, persistentVolume: 'pv-0' }],
    });
    expect(error.message).toContain('still throttled after 4 attempts');
    expect(world.source.listSnapshots()).toHaveLength(1);
  });

  it('keeps at most maxConcurrentCopies copies in flight and still copies every snapshot', async () => {
    // Arrange
    const world = aWorld();
    const backupper = aBackupper(world, { limits: { maxConcurrentCopies: 2, pollIntervalMs: 60_000 } });
    const records = await backupper.snapshot('nightly-9', volumesIn(world, 5));
    let batch = await backupper.startCopies(records, { backupName: 'nightly-9', drKmsKeyId: DR_KEY });
    const inFlight: number[] = [];

    // Act
    for (;;) {
      inFlight.push(
        world.dr.listSnapshots().filter((s) => world.dr.snapshotState(s.id) === 'pending').length,
      );
      world.advance(MINUTE);
      const check = await backupper.checkCopies(batch);
      batch = check.batch;
      if (check.status === 'Completed') break;
    }

    // Assert
    expect(Math.max(...inFlight)).toBe(2);
    expect(world.dr.listSnapshots()).toHaveLength(5);
    expect(batch.items.every((i) => i.state === 'completed')).toBe(true);
  });

  it('does not copy again a snapshot whose DR copy is already completed', async () => {
    // Arrange
    const world = aWorld();
    const backupper = aBackupper(world);
    const records = await backupper.runToCompletion('nightly-10', volumesIn(world, 1), {
      drKmsKeyId: DR_KEY,
    });
    const callsBefore = world.dr.calls.CopySnapshot;

    // Act
    const again = await backupper.copyToDr(records, { backupName: 'nightly-10', drKmsKeyId: DR_KEY });

    // Assert
    expect(again).toEqual(records);
    expect(world.dr.calls.CopySnapshot).toBe(callsBefore);
  });

  it.each([
    [
      'a duplicate PV',
      (v: EbsVolume[]) => [v[0], v[0]] as EbsVolume[],
      'Bad',
      /persistentVolume "pv-0": appears more than once/,
    ],
    ['a bad backup name', (v: EbsVolume[]) => v, 'Bad_Name', /backup name "Bad_Name"/],
  ])('rejects %s before creating any snapshot', async (_, pick, name, message) => {
    // Arrange
    const world = aWorld();
    const volumes = pick(volumesIn(world, 1));

    // Act
    const error = await caught(aBackupper(world).startSnapshots(name === 'Bad' ? 'nightly' : name, volumes));

    // Assert
    expect(error.message).toMatch(message);
    expect(world.source.calls.CreateSnapshot).toBe(0);
  });

  it('rejects copies without a DR key or of snapshots that are not completed, before any copy', async () => {
    // Arrange
    const world = aWorld();
    const backupper = aBackupper(world);
    const records = await backupper.snapshot('nightly-11', volumesIn(world, 1));
    const pending = records.map((r) => ({ ...r, state: 'pending' as const }));

    // Act
    const noKey = await caught(backupper.startCopies(records, { backupName: 'nightly-11', drKmsKeyId: ' ' }));
    const notDone = await caught(
      backupper.startCopies(pending, { backupName: 'nightly-11', drKmsKeyId: DR_KEY }),
    );

    // Assert
    expect(noKey).toBeInstanceOf(InvalidVolumeInputError);
    expect(noKey.message).toMatch(/^drKmsKeyId " ": a DR-region KMS key is required/);
    expect(notDone.message).toMatch(
      /volumeSnapshots\[pv-0\]\.state "pending": snapshot snap-\w+ must be completed/,
    );
    expect(world.dr.calls.CopySnapshot).toBe(0);
  });

  it('refuses a DR client in the source region', () => {
    // Arrange
    const world = aWorld();

    // Act
    const build = () => aBackupper(world, { dr: world.source });

    // Assert
    expect(build).toThrow(/dr.region "eu-west-1": is the source region/);
  });
});
