import { describe, expect, it } from 'vitest';
import { Ec2Registry, ebsCsiPersistentVolume } from '../../../sandbox/aws/ec2-standin.ts';
import { Ec2ThrottledError } from '../../../src/aws/ec2-errors.ts';
import { AwsRequestError } from '../../../src/aws/errors.ts';
import { findEbsVolumes } from '../../../src/volumes/index.ts';

const KEY = 'arn:aws:kms:eu-central-1:111122223333:key/dr';

function aRegistry(scale = 1) {
  let clock = 0;
  const registry = new Ec2Registry({
    now: () => clock,
    scale,
    retry: { sleep: async () => {}, attempts: 3 },
  });
  return {
    registry,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

describe('Ec2StandIn', () => {
  it('completes a snapshot after the modelled time, reporting progress on the way', async () => {
    // Arrange
    const { registry, advance } = aRegistry();
    const ec2 = registry.region('eu-west-1');
    const volumeId = ec2.addVolume({ availabilityZone: 'eu-west-1a', sizeGi: 30 });
    const id = await ec2.createSnapshot(volumeId, { k: 'v' }, 'd');

    // Act
    advance(120_000);
    const [half] = await ec2.describeSnapshots([id]);
    advance(120_000);
    const [done] = await ec2.describeSnapshots([id, 'snap-missing']);

    // Assert (3 min + 2 s/GiB × 30 GiB = 240 s modelled)
    expect(half).toEqual({ id, state: 'pending', progress: 50, sizeGi: 30, stateMessage: undefined });
    expect(done).toMatchObject({ state: 'completed', progress: 100 });
    expect(id).toMatch(/^snap-0[0-9a-f]{16}$/);
  });

  it('scales modelled time onto the clock', async () => {
    // Arrange
    const { registry, advance } = aRegistry(0.001);
    const ec2 = registry.region('eu-west-1');
    const id = await ec2.createSnapshot(ec2.addVolume({ availabilityZone: 'eu-west-1a', sizeGi: 0 }), {}, '');

    // Act
    advance(179);
    const before = ec2.snapshotState(id);
    advance(1);
    const after = ec2.snapshotState(id);

    // Assert
    expect([before, after]).toEqual(['pending', 'completed']);
  });

  it('copies across regions only a completed source snapshot, encrypted, taking longer than the snapshot', async () => {
    // Arrange
    const { registry, advance } = aRegistry();
    const source = registry.region('eu-west-1');
    const dr = registry.region('eu-central-1');
    const snapshotId = await source.createSnapshot(
      source.addVolume({ availabilityZone: 'eu-west-1a', sizeGi: 10 }),
      {},
      '',
    );
    const request = {
      sourceRegion: 'eu-west-1',
      sourceSnapshotId: snapshotId,
      kmsKeyId: KEY,
      tags: { a: 'b' },
      description: 'c',
    };

    // Act
    const early = await dr.copySnapshot(request).catch((e: unknown) => e);
    advance(200_000);
    const copyId = await dr.copySnapshot(request);
    advance(399_000);
    const midway = dr.snapshotState(copyId);
    advance(1_000);

    // Assert
    expect(early).toBeInstanceOf(AwsRequestError);
    expect(early).toMatchObject({ code: 'IncorrectState' });
    expect(midway).toBe('pending');
    expect(dr.snapshotState(copyId)).toBe('completed');
    expect(dr.snapshot(copyId)).toMatchObject({
      encrypted: true,
      kmsKeyId: KEY,
      sourceRegion: 'eu-west-1',
      sourceSnapshotId: snapshotId,
      tags: { a: 'b' },
    });
  });

  it('refuses a copy whose source is unknown or whose key is in another region', async () => {
    // Arrange
    const { registry, advance } = aRegistry();
    const dr = registry.region('eu-central-1');
    const source = registry.region('eu-west-1');
    const id = await source.createSnapshot(
      source.addVolume({ availabilityZone: 'eu-west-1a', sizeGi: 0 }),
      {},
      '',
    );
    advance(180_000);
    const base = { sourceSnapshotId: id, tags: {}, description: '' };

    // Act
    const unknownRegion = dr.copySnapshot({ ...base, sourceRegion: 'ap-south-1', kmsKeyId: KEY });
    const wrongKey = dr.copySnapshot({
      ...base,
      sourceRegion: 'eu-west-1',
      kmsKeyId: 'arn:aws:kms:eu-west-1:1:key/x',
    });
    const rightKey = dr.copySnapshot({ ...base, sourceRegion: 'eu-west-1', kmsKeyId: KEY });

    // Assert
    await expect(unknownRegion).rejects.toMatchObject({ code: 'InvalidSnapshot.NotFound' });
    await expect(wrongKey).rejects.toThrow(
      'KMS key arn:aws:kms:eu-west-1:1:key/x is in eu-west-1, not eu-central-1',
    );
    await expect(rightKey).resolves.toMatch(/^snap-/);
  });

  it('makes a volume from a completed snapshot that is available after about 10 s, once per client token', async () => {
    // Arrange
    const { registry, advance } = aRegistry();
    const ec2 = registry.region('eu-central-1');
    const snapshotId = await ec2.createSnapshot(
      ec2.addVolume({ availabilityZone: 'eu-central-1a', sizeGi: 5 }),
      {},
      '',
    );
    advance(600_000);
    const request = { snapshotId, availabilityZone: 'eu-central-1b', tags: {}, clientToken: 't-1' };

    // Act
    const id = await ec2.createVolume(request);
    const again = await ec2.createVolume(request);
    const [creating] = await ec2.describeVolumes([id]);
    advance(10_000);
    const [available] = await ec2.describeVolumes([id]);
    const mismatch = ec2.createVolume({ ...request, availabilityZone: 'eu-central-1c' });
    const wrongZone = ec2.createVolume({ snapshotId, availabilityZone: 'eu-west-1a', tags: {} });

    // Assert
    expect(again).toBe(id);
    expect(creating).toEqual({ id, state: 'creating', availabilityZone: 'eu-central-1b', sizeGi: 5 });
    expect(available?.state).toBe('available');
    await expect(mismatch).rejects.toMatchObject({ code: 'IdempotentParameterMismatch' });
    await expect(wrongZone).rejects.toMatchObject({ code: 'InvalidParameterValue' });
  });

  it('deletes an available volume, reports an unknown one as not-found, and refuses one still creating', async () => {
    // Arrange
    const { registry, advance } = aRegistry();
    const ec2 = registry.region('eu-central-1');
    const available = ec2.addVolume({ availabilityZone: 'eu-central-1a', sizeGi: 5 });
    const snapshotId = await ec2.createSnapshot(available, {}, '');
    advance(600_000);
    const creating = await ec2.createVolume({ snapshotId, availabilityZone: 'eu-central-1b', tags: {} });

    // Act
    const outcomes = [await ec2.deleteVolume(available), await ec2.deleteVolume('vol-0ffffffffffffffff')];
    const early = await ec2.deleteVolume(creating);

    // Assert
    expect(outcomes).toEqual(['deleted', 'not-found']);
    expect(early).toBe('not-ready');
    expect(ec2.volume(available)).toBeUndefined();
    expect(await ec2.describeVolumes([available])).toEqual([]);
    expect(ec2.volume(creating)).toBeDefined();
    expect(ec2.calls.DeleteVolume).toBe(3);
  });

  it('reports an attached volume in-use and answers its deletion in-use until it is detached', async () => {
    // Arrange
    const { registry } = aRegistry();
    const ec2 = registry.region('eu-central-1');
    const id = ec2.addVolume({ availabilityZone: 'eu-central-1a', sizeGi: 5 });
    ec2.attachVolume(id, 'i-0123');

    // Act
    const [attached] = await ec2.describeVolumes([id]);
    const refused = await ec2.deleteVolume(id);
    ec2.detachVolume(id);
    const [detached] = await ec2.describeVolumes([id]);
    const outcome = await ec2.deleteVolume(id);

    // Assert
    expect(attached?.state).toBe('in-use');
    expect(refused).toBe('in-use');
    expect(detached?.state).toBe('available');
    expect(outcome).toBe('deleted');
    expect(ec2.listVolumes()).toEqual([]);
  });

  it('turns a snapshot to error half-way when a fault hook says so', async () => {
    // Arrange
    const { registry, advance } = aRegistry();
    const ec2 = registry.region('eu-west-1');
    const volumeId = ec2.addVolume({ availabilityZone: 'eu-west-1a', sizeGi: 0 });
    ec2.failSnapshots({ volumeId, message: 'disk gone' });
    const failing = await ec2.createSnapshot(volumeId, {}, '');
    const fine = await ec2.createSnapshot(volumeId, {}, '');

    // Act
    advance(90_000);
    const statuses = await ec2.describeSnapshots([failing, fine]);

    // Assert
    expect(statuses.map((s) => [s.state, s.stateMessage])).toEqual([
      ['error', 'disk gone'],
      ['pending', undefined],
    ]);
  });

  it('finds the snapshots and copies carrying every given tag, with state, tags and volume, as DescribeSnapshots', async () => {
    // Arrange
    const { registry, advance } = aRegistry();
    const source = registry.region('eu-west-1');
    const dr = registry.region('eu-central-1');
    const volumeId = source.addVolume({ availabilityZone: 'eu-west-1a', sizeGi: 10 });
    const mine = await source.createSnapshot(volumeId, { backup: 'b1', pv: 'pv-0' }, '');
    await source.createSnapshot(volumeId, { backup: 'b1', pv: 'pv-1' }, '');
    await source.createSnapshot(volumeId, { backup: 'b2', pv: 'pv-0' }, '');
    advance(600_000);
    const copy = await dr.copySnapshot({
      sourceRegion: 'eu-west-1',
      sourceSnapshotId: mine,
      kmsKeyId: KEY,
      tags: { backup: 'b1', source: mine },
      description: '',
    });
    const callsBefore = source.calls.DescribeSnapshots;

    // Act
    const found = await source.findSnapshots({ backup: 'b1', pv: 'pv-0' });
    const copies = await dr.findSnapshots({ backup: 'b1' });
    const none = await source.findSnapshots({ backup: 'b3' });
    const untagged = source.findSnapshots({});

    // Assert
    expect(found).toEqual([
      {
        id: mine,
        state: 'completed',
        progress: 100,
        sizeGi: 10,
        stateMessage: undefined,
        volumeId,
        tags: { backup: 'b1', pv: 'pv-0' },
      },
    ]);
    expect(copies).toEqual([
      expect.objectContaining({
        id: copy,
        state: 'pending',
        volumeId: 'vol-ffffffff',
        tags: { backup: 'b1', source: mine },
      }),
    ]);
    expect(none).toEqual([]);
    await expect(untagged).rejects.toThrow('findSnapshots: at least one tag is required');
    expect(source.calls.DescribeSnapshots - callsBefore).toBe(2);
  });

  it('throttles N calls: a few are retried away, more surface as Ec2ThrottledError', async () => {
    // Arrange
    const { registry } = aRegistry();
    const ec2 = registry.region('eu-west-1');
    const volumeId = ec2.addVolume({ availabilityZone: 'eu-west-1a', sizeGi: 1 });
    ec2.throttle(2, 'CreateSnapshot');

    // Act
    const first = await ec2.createSnapshot(volumeId, {}, '');
    ec2.throttle(3);
    const second = ec2.describeSnapshots([first]);

    // Assert
    expect(first).toMatch(/^snap-/);
    expect(ec2.calls.CreateSnapshot).toBe(3);
    await expect(second).rejects.toBeInstanceOf(Ec2ThrottledError);
  });

  it('refuses a snapshot of an unknown volume and caps copies in flight at the quota', async () => {
    // Arrange
    let clock = 0;
    const registry = new Ec2Registry({
      now: () => clock,
      latency: { maxConcurrentCopies: 1 },
      retry: { attempts: 1 },
    });
    const source = registry.region('eu-west-1');
    const dr = registry.region('eu-central-1');
    const volumeId = source.addVolume({ availabilityZone: 'eu-west-1a', sizeGi: 1 });
    const ids = [
      await source.createSnapshot(volumeId, {}, ''),
      await source.createSnapshot(volumeId, {}, ''),
    ];
    clock += 600_000;
    const copy = (id: string) =>
      dr.copySnapshot({
        sourceRegion: 'eu-west-1',
        sourceSnapshotId: id,
        kmsKeyId: KEY,
        tags: {},
        description: '',
      });

    // Act
    const unknown = source.createSnapshot('vol-0nope', {}, '');
    await copy(ids[0] as string);
    const second = copy(ids[1] as string);

    // Assert
    await expect(unknown).rejects.toMatchObject({ code: 'InvalidVolume.NotFound' });
    await expect(second).rejects.toMatchObject({ code: 'ResourceLimitExceeded' });
  });

  it('builds CSI PVs that findEbsVolumes reads back', () => {
    // Arrange
    const pv = ebsCsiPersistentVolume({
      name: 'pvc-1',
      volumeId: 'vol-0abc',
      availabilityZone: 'eu-west-1a',
      sizeGi: 4,
      claim: { namespace: 'db', name: 'data-0' },
    });

    // Act
    const [volume] = findEbsVolumes([pv]).volumes;

    // Assert
    expect(volume).toMatchObject({
      volumeId: 'vol-0abc',
      availabilityZone: 'eu-west-1a',
      sizeGi: 4,
      claim: { namespace: 'db', name: 'data-0' },
    });
  });
});
