import { describe, expect, it } from 'vitest';
import type { Ec2StandIn } from '../../sandbox/aws/ec2-standin.ts';
import { Ec2ThrottledError } from '../../src/aws/ec2-errors.ts';
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
  type VolumeSnapshots,
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
    from: world.source,
    to: world.dr,
    sleep: world.sleep,
    now: world.clock,
    limits: { pollIntervalMs: 15_000 },
    ...overrides,
  });
}

/**
 * The stand-in, except that the `nth` call of `operation` reaches EC2 (the snapshot or copy exists) and then
 * fails, as when a Lambda dies or a connection drops after EC2 answered.
 */
function losingAnswer(port: Ec2StandIn, operation: 'createSnapshot' | 'copySnapshot', nth: number) {
  let calls = 0;
  const lose = <T>(answer: T): T => {
    calls++;
    if (calls === nth) throw new Error(`connection reset after ${operation} answered`);
    return answer;
  };
  const wrapped: VolumeSnapshots = {
    region: port.region,
    createSnapshot: async (volumeId, tags, description) =>
      operation === 'createSnapshot'
        ? lose(await port.createSnapshot(volumeId, tags, description))
        : port.createSnapshot(volumeId, tags, description),
    copySnapshot: async (request) =>
      operation === 'copySnapshot' ? lose(await port.copySnapshot(request)) : port.copySnapshot(request),
    describeSnapshots: (ids) => port.describeSnapshots(ids),
    findSnapshots: (tags) => port.findSnapshots(tags),
    createVolume: (request) => port.createVolume(request),
    describeVolumes: (ids) => port.describeVolumes(ids),
    deleteSnapshot: (id) => port.deleteSnapshot(id),
    deleteVolume: (id) => port.deleteVolume(id),
  };
  return wrapped;
}

/** How many snapshots of `port` each volume (or, for copies, each source snapshot) has. */
function countsPer(port: Ec2StandIn, key: 'volumeId' | 'sourceSnapshotId'): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const snapshot of port.listSnapshots()) {
    const subject = snapshot[key] ?? '(none)';
    counts[subject] = (counts[subject] ?? 0) + 1;
  }
  return counts;
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
    const records = await aBackupper(world).runToCompletion('nightly-1', volumes, { kmsKeyId: DR_KEY });

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
      JSON.stringify(await backupper.startCopies(records, { backupName: 'nightly-2', kmsKeyId: DR_KEY })),
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
    const error = await caught(backupper.copyToDr(records, { backupName: 'nightly-5', kmsKeyId: DR_KEY }));

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
    const error = await caught(backupper.copyToDr(records, { backupName: 'nightly-6', kmsKeyId: DR_KEY }));

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
    let batch = await backupper.startCopies(records, { backupName: 'nightly-9', kmsKeyId: DR_KEY });
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
      kmsKeyId: DR_KEY,
    });
    const callsBefore = world.dr.calls.CopySnapshot;

    // Act
    const again = await backupper.copyToDr(records, { backupName: 'nightly-10', kmsKeyId: DR_KEY });

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
    const noKey = await caught(backupper.startCopies(records, { backupName: 'nightly-11', kmsKeyId: ' ' }));
    const notDone = await caught(
      backupper.startCopies(pending, { backupName: 'nightly-11', kmsKeyId: DR_KEY }),
    );

    // Assert
    expect(noKey).toBeInstanceOf(InvalidVolumeInputError);
    expect(noKey.message).toMatch(/^kmsKeyId " ": a KMS key of eu-central-1 is required/);
    expect(notDone.message).toMatch(
      /volumeSnapshots\[pv-0\]\.state "pending": snapshot snap-\w+ must be completed/,
    );
    expect(world.dr.calls.CopySnapshot).toBe(0);
  });

  describe('a retried start does not take a second snapshot or copy', () => {
    it('keeps one snapshot per volume when startSnapshots runs twice, both batches naming the same ids', async () => {
      // Arrange
      const world = aWorld();
      const backupper = aBackupper(world);
      const volumes = volumesIn(world, 3);
      const first = await backupper.startSnapshots('nightly-20', volumes);

      // Act
      const second = await backupper.startSnapshots('nightly-20', volumes);

      // Assert
      expect(world.source.listSnapshots()).toHaveLength(3);
      expect(countsPer(world.source, 'volumeId')).toEqual(
        Object.fromEntries(volumes.map((v) => [v.volumeId, 1])),
      );
      expect(second.items).toEqual(first.items);
      expect(world.source.calls.CreateSnapshot).toBe(3);
    });

    it('creates only the missing snapshots after a start that failed on the 3rd CreateSnapshot', async () => {
      // Arrange
      const world = aWorld();
      const backupper = aBackupper(world);
      const volumes = volumesIn(world, 4);
      // Two calls pass, then the 3rd is throttled through all 4 attempts.
      world.source.throttle(4, 'CreateSnapshot', 2);
      const failure = await caught(backupper.startSnapshots('nightly-21', volumes));
      const callsBefore = world.source.calls.CreateSnapshot;

      // Act
      const retry = await backupper.startSnapshots('nightly-21', volumes);

      // Assert
      expect(failure).toBeInstanceOf(VolumeRequestError);
      expect(failure).toMatchObject({ persistentVolume: 'pv-2', resourceId: volumes[2]?.volumeId });
      const madeFirst = (failure as VolumeRequestError).created.map((c) => c.id);
      expect(madeFirst).toHaveLength(2);
      expect(retry.items.slice(0, 2).map((i) => i.snapshotId)).toEqual(madeFirst);
      expect(world.source.calls.CreateSnapshot - callsBefore).toBe(2);
      expect(countsPer(world.source, 'volumeId')).toEqual(
        Object.fromEntries(volumes.map((v) => [v.volumeId, 1])),
      );
      expect(retry.items.map((i) => i.snapshotId).sort()).toEqual(
        world.source
          .listSnapshots()
          .map((s) => s.id)
          .sort(),
      );
    });

    it('reuses the snapshot whose CreateSnapshot answer was lost on the 3rd call', async () => {
      // Arrange
      const world = aWorld();
      const volumes = volumesIn(world, 4);
      const flaky = aBackupper(world, { from: losingAnswer(world.source, 'createSnapshot', 3) });
      const failure = await caught(flaky.startSnapshots('nightly-22', volumes));
      const lost = world.source.listSnapshots()[2];

      // Act
      const retry = await aBackupper(world).startSnapshots('nightly-22', volumes);

      // Assert
      expect(failure).toMatchObject({ name: 'VolumeRequestError', persistentVolume: 'pv-2' });
      expect(world.source.calls.CreateSnapshot).toBe(4);
      expect(retry.items[2]).toMatchObject({ persistentVolume: 'pv-2', snapshotId: lost?.id });
      expect(countsPer(world.source, 'volumeId')).toEqual(
        Object.fromEntries(volumes.map((v) => [v.volumeId, 1])),
      );
    });

    it('takes a new snapshot where the earlier one of the same backup and PV is in error', async () => {
      // Arrange
      const world = aWorld();
      const backupper = aBackupper(world);
      const volumes = volumesIn(world, 2);
      world.source.failSnapshots({ volumeId: volumes[1]?.volumeId });
      const failure = await caught(backupper.snapshot('nightly-23', volumes));
      const [kept, errored] = world.source.listSnapshots();

      // Act
      const records = await backupper.snapshot('nightly-23', volumes);

      // Assert
      expect(failure).toBeInstanceOf(SnapshotFailedError);
      expect(world.source.snapshotState(errored?.id ?? '')).toBe('error');
      expect(records.map((r) => r.snapshotId)).toEqual([kept?.id, world.source.listSnapshots()[2]?.id]);
      expect(records[1]?.snapshotId).not.toBe(errored?.id);
      expect(world.source.calls.CreateSnapshot).toBe(3);
    });

    it('never reuses a snapshot of another backup, of another PV, or of another volume', async () => {
      // Arrange
      const world = aWorld();
      const volumes = volumesIn(world, 2);
      const [a, b] = volumes.map((v) => v.volumeId) as [string, string];
      const decoys = [
        await world.source.createSnapshot(a, { 'eks-dr:backup': 'nightly-2', 'eks-dr:pv': 'pv-0' }, ''),
        await world.source.createSnapshot(a, { 'eks-dr:backup': 'nightly-24', 'eks-dr:pv': 'pv-9' }, ''),
        await world.source.createSnapshot(b, { 'eks-dr:backup': 'nightly-24', 'eks-dr:pv': 'pv-0' }, ''),
        await world.source.createSnapshot(b, { 'eks-dr:pv': 'pv-1' }, ''),
      ];

      // Act
      const batch = await aBackupper(world).startSnapshots('nightly-24', volumes);

      // Assert
      const ids = batch.items.map((i) => i.snapshotId);
      expect(ids).toHaveLength(2);
      for (const id of ids) expect(decoys).not.toContain(id);
      expect(world.source.listSnapshots()).toHaveLength(6);
      expect(world.source.calls.CreateSnapshot).toBe(6);
    });

    it('fails before creating anything when the look-up of earlier snapshots fails, naming backup and region', async () => {
      // Arrange
      const world = aWorld();
      const volumes = volumesIn(world, 1);
      world.source.throttle(4, 'DescribeSnapshots');

      // Act
      const error = await caught(aBackupper(world).startSnapshots('nightly-25', volumes));

      // Assert
      expect(error).toBeInstanceOf(VolumeRequestError);
      expect(error.message).toMatch(
        new RegExp(`^DescribeSnapshots tagged eks-dr:backup=nightly-25 in ${SOURCE} failed: .*throttled`),
      );
      expect(error.message).toContain('nothing was created');
      expect(world.source.calls.CreateSnapshot).toBe(0);
    });

    it('keeps one copy per source snapshot when startCopies runs twice, and both complete the same copies', async () => {
      // Arrange
      const world = aWorld();
      const backupper = aBackupper(world);
      const records = await backupper.snapshot('nightly-26', volumesIn(world, 3));
      const options = { backupName: 'nightly-26', kmsKeyId: DR_KEY };
      const first = await backupper.startCopies(records, options);

      // Act
      const second = await backupper.startCopies(records, options);
      const done = await backupper.copyToDr(records, options);

      // Assert
      expect(second.items.map((i) => i.copySnapshotId)).toEqual(first.items.map((i) => i.copySnapshotId));
      expect(second.items.every((i) => i.state === 'copying' && i.preexisting === undefined)).toBe(true);
      expect(done.map((r) => r.copies?.[0]?.snapshotId)).toEqual(first.items.map((i) => i.copySnapshotId));
      expect(countsPer(world.dr, 'sourceSnapshotId')).toEqual(
        Object.fromEntries(records.map((r) => [r.snapshotId, 1])),
      );
      expect(world.dr.calls.CopySnapshot).toBe(3);
    });

    it('copies only the missing ones after a start that failed on the 3rd CopySnapshot or lost its answer', async () => {
      // Arrange
      const world = aWorld();
      const backupper = aBackupper(world);
      const records = await backupper.snapshot('nightly-27', volumesIn(world, 4));
      const options = { backupName: 'nightly-27', kmsKeyId: DR_KEY };
      world.dr.throttle(4, 'CopySnapshot', 2);
      const throttled = await caught(backupper.startCopies(records, options));
      // The retry adopts pv-0 and pv-1, copies pv-2, then copies pv-3 and loses EC2's answer.
      const flaky = aBackupper(world, { to: losingAnswer(world.dr, 'copySnapshot', 2) });
      const lostAnswer = await caught(flaky.startCopies(records, options));
      const callsBefore = world.dr.calls.CopySnapshot;

      // Act
      const retry = await backupper.startCopies(records, options);

      // Assert
      expect(throttled).toMatchObject({
        name: 'VolumeRequestError',
        phase: 'copy',
        persistentVolume: 'pv-2',
      });
      expect(lostAnswer).toMatchObject({
        name: 'VolumeRequestError',
        phase: 'copy',
        persistentVolume: 'pv-3',
      });
      expect(world.dr.calls.CopySnapshot - callsBefore).toBe(0);
      expect(countsPer(world.dr, 'sourceSnapshotId')).toEqual(
        Object.fromEntries(records.map((r) => [r.snapshotId, 1])),
      );
      expect(retry.items.map((i) => i.copySnapshotId).sort()).toEqual(
        world.dr
          .listSnapshots()
          .map((s) => s.id)
          .sort(),
      );
    });

    it('copies again a source snapshot whose earlier copy is in error', async () => {
      // Arrange
      const world = aWorld();
      const backupper = aBackupper(world);
      const records = await backupper.snapshot('nightly-28', volumesIn(world, 2));
      const options = { backupName: 'nightly-28', kmsKeyId: DR_KEY };
      world.dr.failCopies({ sourceSnapshotId: records[1]?.snapshotId });
      const failure = await caught(backupper.copyToDr(records, options));
      const [kept, errored] = world.dr.listSnapshots();

      // Act
      const copied = await backupper.copyToDr(records, options);

      // Assert
      expect(failure).toMatchObject({ name: 'SnapshotFailedError', phase: 'copy', persistentVolume: 'pv-1' });
      expect(world.dr.snapshotState(errored?.id ?? '')).toBe('error');
      const redone = world.dr.listSnapshots()[2];
      expect(copied.map((r) => r.copies?.[0]?.snapshotId)).toEqual([kept?.id, redone?.id]);
      expect(redone).toMatchObject({ sourceSnapshotId: records[1]?.snapshotId });
      expect(world.dr.calls.CopySnapshot).toBe(3);
    });

    it('never reuses a copy of another backup or of another source snapshot', async () => {
      // Arrange
      const world = aWorld();
      const backupper = aBackupper(world);
      const [volume, other] = volumesIn(world, 2) as [EbsVolume, EbsVolume];
      const records = await backupper.snapshot('nightly-29', [volume]);
      const [unrelated] = await backupper.snapshot('nightly-29-other', [other]);
      const decoy = (sourceSnapshotId: string, tags: Record<string, string>) =>
        world.dr.copySnapshot({
          sourceRegion: SOURCE,
          sourceSnapshotId,
          kmsKeyId: DR_KEY,
          tags,
          description: '',
        });
      const decoys = [
        await decoy(records[0]?.snapshotId ?? '', {
          'eks-dr:backup': 'nightly-2',
          'eks-dr:source-snapshot': records[0]?.snapshotId ?? '',
        }),
        await decoy(unrelated?.snapshotId ?? '', {
          'eks-dr:backup': 'nightly-29',
          'eks-dr:pv': 'pv-0',
          'eks-dr:source-snapshot': unrelated?.snapshotId ?? '',
        }),
      ];

      // Act
      const batch = await backupper.startCopies(records, { backupName: 'nightly-29', kmsKeyId: DR_KEY });

      // Assert
      const [item] = batch.items;
      expect(decoys).not.toContain(item?.copySnapshotId);
      expect(item).toMatchObject({ state: 'copying' });
      expect(world.dr.listSnapshots()).toHaveLength(3);
      expect(world.dr.calls.CopySnapshot).toBe(3);
    });

    it('does not copy twice when the same checkCopies input is retried after it started a queued copy', async () => {
      // Arrange
      const world = aWorld();
      const backupper = aBackupper(world, { limits: { maxConcurrentCopies: 1, pollIntervalMs: 60_000 } });
      const records = await backupper.snapshot('nightly-30', volumesIn(world, 2));
      const batch = await backupper.startCopies(records, { backupName: 'nightly-30', kmsKeyId: DR_KEY });
      world.advance(20 * MINUTE);
      const first = await backupper.checkCopies(batch);

      // Act
      const retried = await backupper.checkCopies(batch);

      // Assert
      expect(first.batch.items.map((i) => i.state)).toEqual(['completed', 'copying']);
      expect(retried.batch.items.map((i) => i.copySnapshotId)).toEqual(
        first.batch.items.map((i) => i.copySnapshotId),
      );
      expect(world.dr.calls.CopySnapshot).toBe(2);
      expect(world.dr.listSnapshots()).toHaveLength(2);
    });
  });

  it('refuses a DR client in the source region', () => {
    // Arrange
    const world = aWorld();

    // Act
    const build = () => aBackupper(world, { to: world.source });

    // Assert
    expect(build).toThrow(/to.region "eu-west-1": is the region the volumes are in/);
  });
});
