import {
  CopySnapshotCommand,
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DeleteSnapshotCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
  EC2ServiceException,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { Ec2ThrottledError } from '../../src/aws/ec2-retry.ts';
import { Ec2VolumeSnapshots } from '../../src/aws/ec2-volume-snapshots.ts';
import { AwsRequestError } from '../../src/aws/errors.ts';

const DR = 'eu-central-1';
const KEY = 'arn:aws:kms:eu-central-1:111122223333:key/dr';

function ec2Error(name: string, message = name): EC2ServiceException {
  return new EC2ServiceException({ name, message, $fault: 'client', $metadata: { httpStatusCode: 400 } });
}

describe('Ec2VolumeSnapshots', () => {
  const drClient = new EC2Client({ region: DR });
  const ec2 = mockClient(drClient);
  const sleeps: number[] = [];
  const adapter = new Ec2VolumeSnapshots(drClient, {
    region: DR,
    retry: { sleep: async (ms) => void sleeps.push(ms), random: () => 0.5, maxAttempts: 4 },
  });

  beforeEach(() => {
    ec2.reset();
    sleeps.length = 0;
  });

  it('creates a snapshot tagged on creation', async () => {
    // Arrange
    ec2.on(CreateSnapshotCommand).resolves({ SnapshotId: 'snap-01' });

    // Act
    const id = await adapter.createSnapshot(
      'vol-0a',
      { 'eks-dr:backup': 'nightly', Name: 'nightly/pv-0' },
      'eks-dr backup',
    );

    // Assert
    expect(id).toBe('snap-01');
    expect(ec2).toReceiveCommandExactlyOnceWith(CreateSnapshotCommand, {
      VolumeId: 'vol-0a',
      Description: 'eks-dr backup',
      TagSpecifications: [
        {
          ResourceType: 'snapshot',
          Tags: [
            { Key: 'eks-dr:backup', Value: 'nightly' },
            { Key: 'Name', Value: 'nightly/pv-0' },
          ],
        },
      ],
    });
  });

  it('copies a snapshot from the source region, always encrypted with the given key', async () => {
    // Arrange
    ec2.on(CopySnapshotCommand).resolves({ SnapshotId: 'snap-dr' });

    // Act
    const id = await adapter.copySnapshot({
      sourceRegion: 'eu-west-1',
      sourceSnapshotId: 'snap-01',
      kmsKeyId: KEY,
      tags: { 'eks-dr:source-snapshot': 'snap-01' },
      description: 'copy',
    });

    // Assert
    expect(id).toBe('snap-dr');
    expect(ec2).toReceiveCommandExactlyOnceWith(CopySnapshotCommand, {
      SourceRegion: 'eu-west-1',
      SourceSnapshotId: 'snap-01',
      Encrypted: true,
      KmsKeyId: KEY,
      Description: 'copy',
      TagSpecifications: [
        { ResourceType: 'snapshot', Tags: [{ Key: 'eks-dr:source-snapshot', Value: 'snap-01' }] },
      ],
    });
  });

  it('creates an encrypted gp3 volume from a snapshot in the given zone', async () => {
    // Arrange
    ec2.on(CreateVolumeCommand).resolves({ VolumeId: 'vol-dr' });

    // Act
    const id = await adapter.createVolume({
      snapshotId: 'snap-dr',
      availabilityZone: 'eu-central-1b',
      kmsKeyId: KEY,
      tags: { 'eks-dr:pv': 'pv-0' },
      clientToken: 'a'.repeat(64),
    });

    // Assert
    expect(id).toBe('vol-dr');
    const input = ec2.commandCalls(CreateVolumeCommand)[0]?.args[0].input;
    expect(input).toEqual({
      SnapshotId: 'snap-dr',
      AvailabilityZone: 'eu-central-1b',
      VolumeType: 'gp3',
      Encrypted: true,
      KmsKeyId: KEY,
      ClientToken: 'a'.repeat(64),
      TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'eks-dr:pv', Value: 'pv-0' }] }],
    });
  });

  it('describes snapshots by id filter in chunks of 200, following NextToken', async () => {
    // Arrange
    const ids = Array.from({ length: 250 }, (_, i) => `snap-${i}`);
    ec2
      .on(DescribeSnapshotsCommand)
      .resolvesOnce({
        Snapshots: [{ SnapshotId: 'snap-0', State: 'pending', Progress: '42%', VolumeSize: 10 }],
        NextToken: 't1',
      })
      .resolvesOnce({
        Snapshots: [
          { SnapshotId: 'snap-1', State: 'error', Progress: '', VolumeSize: 10, StateMessage: 'boom' },
        ],
      })
      .resolvesOnce({
        Snapshots: [{ SnapshotId: 'snap-249', State: 'completed', Progress: '100%', VolumeSize: 20 }],
      });

    // Act
    const statuses = await adapter.describeSnapshots(ids);

    // Assert
    expect(statuses).toEqual([
      { id: 'snap-0', state: 'pending', progress: 42, sizeGi: 10, stateMessage: undefined },
      { id: 'snap-1', state: 'error', progress: 0, sizeGi: 10, stateMessage: 'boom' },
      { id: 'snap-249', state: 'completed', progress: 100, sizeGi: 20, stateMessage: undefined },
    ]);
    expect(ec2).toReceiveCommandTimes(DescribeSnapshotsCommand, 3);
    expect(ec2).toReceiveNthCommandWith(DescribeSnapshotsCommand, 2, {
      OwnerIds: ['self'],
      Filters: [{ Name: 'snapshot-id', Values: ids.slice(0, 200) }],
      NextToken: 't1',
    });
    expect(ec2).toReceiveNthCommandWith(DescribeSnapshotsCommand, 3, {
      Filters: [{ Name: 'snapshot-id', Values: ids.slice(200) }],
    });
  });

  it('describes volumes by id filter', async () => {
    // Arrange
    ec2.on(DescribeVolumesCommand).resolves({
      Volumes: [{ VolumeId: 'vol-1', State: 'creating', AvailabilityZone: 'eu-central-1a', Size: 8 }],
    });

    // Act
    const statuses = await adapter.describeVolumes(['vol-1', 'vol-2']);

    // Assert
    expect(statuses).toEqual([
      { id: 'vol-1', state: 'creating', availabilityZone: 'eu-central-1a', sizeGi: 8 },
    ]);
    expect(ec2).toReceiveCommandWith(DescribeVolumesCommand, {
      Filters: [{ Name: 'volume-id', Values: ['vol-1', 'vol-2'] }],
    });
  });

  it('deletes a snapshot, and reports one already gone as not-found', async () => {
    // Arrange
    ec2
      .on(DeleteSnapshotCommand, { SnapshotId: 'snap-1' })
      .resolves({})
      .on(DeleteSnapshotCommand, { SnapshotId: 'snap-2' })
      .rejects(ec2Error('InvalidSnapshot.NotFound', "The snapshot 'snap-2' does not exist."));

    // Act
    const outcomes = [await adapter.deleteSnapshot('snap-1'), await adapter.deleteSnapshot('snap-2')];

    // Assert
    expect(outcomes).toEqual(['deleted', 'not-found']);
  });

  it('retries RequestLimitExceeded with growing backoff and then succeeds', async () => {
    // Arrange
    ec2
      .on(CreateSnapshotCommand)
      .rejectsOnce(ec2Error('RequestLimitExceeded'))
      .rejectsOnce(ec2Error('RequestLimitExceeded'))
      .resolves({ SnapshotId: 'snap-01' });

    // Act
    const id = await adapter.createSnapshot('vol-0a', {}, 'd');

    // Assert
    expect(id).toBe('snap-01');
    expect(ec2).toReceiveCommandTimes(CreateSnapshotCommand, 3);
    expect(sleeps).toEqual([250, 500]);
  });

  it('gives up on throttling after the bounded attempts with Ec2ThrottledError', async () => {
    // Arrange
    ec2.on(CopySnapshotCommand).rejects(ec2Error('RequestLimitExceeded'));

    // Act
    const copy = adapter.copySnapshot({
      sourceRegion: 'eu-west-1',
      sourceSnapshotId: 'snap-1',
      kmsKeyId: KEY,
      tags: {},
      description: '',
    });

    // Assert
    await expect(copy).rejects.toBeInstanceOf(Ec2ThrottledError);
    await expect(copy).rejects.toThrow(`EC2 CopySnapshot in ${DR}: still throttled after 4 attempts`);
    expect(ec2).toReceiveCommandTimes(CopySnapshotCommand, 4);
  });

  it('does not retry a refusal and names the operation and code', async () => {
    // Arrange
    ec2.on(CreateVolumeCommand).rejects(ec2Error('InvalidParameterValue', 'Invalid availability zone'));

    // Act
    const create = adapter.createVolume({ snapshotId: 'snap-1', availabilityZone: 'eu-west-1a', tags: {} });

    // Assert
    await expect(create).rejects.toBeInstanceOf(AwsRequestError);
    await expect(create).rejects.toMatchObject({ code: 'InvalidParameterValue', operation: 'CreateVolume' });
    expect(ec2).toReceiveCommandTimes(CreateVolumeCommand, 1);
  });

  it('refuses to work through a client configured for another region', async () => {
    // Arrange
    const sourceClient = new EC2Client({ region: 'eu-west-1' });
    const swapped = new Ec2VolumeSnapshots(sourceClient, { region: DR });

    // Act
    const call = swapped.deleteSnapshot('snap-1');

    // Assert
    await expect(call).rejects.toThrow(
      `Ec2VolumeSnapshots region ${DR}: the EC2 client is configured for eu-west-1`,
    );
  });
});
