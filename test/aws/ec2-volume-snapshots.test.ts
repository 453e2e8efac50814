import {
  CopySnapshotCommand,
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DeleteSnapshotCommand,
  DeleteVolumeCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
  EC2ServiceException,
} from '@aws-sdk/client-ec2';
import type { HttpRequest } from '@smithy/protocol-http';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { Ec2ThrottledError } from '../../src/aws/ec2-errors.ts';
import { Ec2VolumeSnapshots } from '../../src/aws/ec2-volume-snapshots.ts';
import { AwsRequestError, AwsTransientError } from '../../src/aws/errors.ts';

const DR = 'eu-central-1';
const KEY = 'arn:aws:kms:eu-central-1:111122223333:key/dr';
const CREDENTIALS = { accessKeyId: 'AKID', secretAccessKey: 'SECRET', sessionToken: 'TOKEN' };

/** An EC2 refusal as the SDK throws it: `name` is EC2's code. */
function ec2Error(name: string, options: { status?: number; attempts?: number; message?: string } = {}) {
  const status = options.status ?? 400;
  return new EC2ServiceException({
    name,
    message: options.message ?? name,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status, attempts: options.attempts ?? 1 },
  });
}

describe('Ec2VolumeSnapshots, at the SDK boundary (aws-sdk-client-mock)', () => {
  const client = new EC2Client({ region: DR, credentials: CREDENTIALS });
  const ec2 = mockClient(client);
  const adapter = new Ec2VolumeSnapshots(client, { region: DR });

  beforeEach(() => {
    ec2.reset();
  });

  it('creates a snapshot tagged on creation', async () => {
    // Arrange
    ec2.on(CreateSnapshotCommand).resolves({ SnapshotId: 'snap-01', State: 'pending' });

    // Act
    const id = await adapter.createSnapshot(
      'vol-0a',
      { 'eks-dr:backup': 'nightly', Name: 'nightly/pv-0' },
      'eks-dr backup',
    );

    // Assert
    expect(id).toBe('snap-01');
    expect(ec2).toHaveReceivedCommandExactlyOnceWith(CreateSnapshotCommand, {
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

    // Assert (DestinationRegion and PresignedUrl are the SDK middleware's: see the wire tests below)
    expect(id).toBe('snap-dr');
    expect(ec2).toHaveReceivedCommandExactlyOnceWith(CopySnapshotCommand, {
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

  it('creates an encrypted gp3 volume from a snapshot in the given zone, with the given client token', async () => {
    // Arrange
    ec2.on(CreateVolumeCommand).resolves({ VolumeId: 'vol-dr', State: 'creating' });

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
    expect(ec2).toHaveReceivedCommandExactlyOnceWith(CreateVolumeCommand, {
      SnapshotId: 'snap-dr',
      AvailabilityZone: 'eu-central-1b',
      VolumeType: 'gp3',
      Encrypted: true,
      KmsKeyId: KEY,
      ClientToken: 'a'.repeat(64),
      TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'eks-dr:pv', Value: 'pv-0' }] }],
    });
  });

  it('makes a client token when given none, and sends no tag specification without tags', async () => {
    // Arrange
    ec2.on(CreateVolumeCommand).resolves({ VolumeId: 'vol-dr' });

    // Act
    await adapter.createVolume({ snapshotId: 'snap-dr', availabilityZone: 'eu-central-1b', tags: {} });
    await adapter.createVolume({ snapshotId: 'snap-dr', availabilityZone: 'eu-central-1b', tags: {} });

    // Assert
    const inputs = ec2.commandCalls(CreateVolumeCommand).map((call) => call.args[0].input);
    expect(inputs.map((input) => input.ClientToken)).toEqual([
      expect.stringMatching(/^[0-9a-f-]{36}$/),
      expect.stringMatching(/^[0-9a-f-]{36}$/),
    ]);
    expect(inputs[0]?.ClientToken).not.toBe(inputs[1]?.ClientToken);
    expect(inputs[0]).toEqual({
      SnapshotId: 'snap-dr',
      AvailabilityZone: 'eu-central-1b',
      VolumeType: 'gp3',
      Encrypted: true,
      ClientToken: inputs[0]?.ClientToken,
    });
  });

  it('describes snapshots by id filter in chunks of 200, following NextToken over several pages', async () => {
    // Arrange
    const ids = Array.from({ length: 250 }, (_, i) => `snap-${i}`);
    const first = { OwnerIds: ['self'], Filters: [{ Name: 'snapshot-id', Values: ids.slice(0, 200) }] };
    const second = { OwnerIds: ['self'], Filters: [{ Name: 'snapshot-id', Values: ids.slice(200) }] };
    ec2
      .on(DescribeSnapshotsCommand, first)
      .resolves({
        Snapshots: [{ SnapshotId: 'snap-0', State: 'pending', Progress: '42%', VolumeSize: 10 }],
        NextToken: 't1',
      })
      .on(DescribeSnapshotsCommand, { ...first, NextToken: 't1' })
      .resolves({
        Snapshots: [
          { SnapshotId: 'snap-1', State: 'error', Progress: '', VolumeSize: 10, StateMessage: 'boom' },
          { SnapshotId: 'snap-2', State: 'archiving-soon' as never, Progress: '7%', VolumeSize: 10 },
        ],
        NextToken: 't2',
      })
      .on(DescribeSnapshotsCommand, { ...first, NextToken: 't2' })
      .resolves({ Snapshots: [{ SnapshotId: 'snap-3', State: 'completed', Progress: '100%' }] })
      .on(DescribeSnapshotsCommand, second)
      .resolves({
        Snapshots: [{ SnapshotId: 'snap-249', State: 'completed', Progress: '100%', VolumeSize: 20 }],
      });

    // Act
    const statuses = await adapter.describeSnapshots(ids);

    // Assert
    expect(statuses).toEqual([
      { id: 'snap-0', state: 'pending', progress: 42, sizeGi: 10, stateMessage: undefined },
      { id: 'snap-1', state: 'error', progress: 0, sizeGi: 10, stateMessage: 'boom' },
      { id: 'snap-2', state: 'pending', progress: 7, sizeGi: 10, stateMessage: undefined },
      { id: 'snap-3', state: 'completed', progress: 100, sizeGi: 0, stateMessage: undefined },
      { id: 'snap-249', state: 'completed', progress: 100, sizeGi: 20, stateMessage: undefined },
    ]);
    expect(ec2).toHaveReceivedCommandTimes(DescribeSnapshotsCommand, 4);
    expect(ec2).toHaveReceivedCommandWith(DescribeSnapshotsCommand, first);
    expect(ec2).toHaveReceivedLastCommandWith(DescribeSnapshotsCommand, second);
  });

  it('finds snapshots by tags: OwnerIds self, one tag: filter per tag, every page, exact tags only', async () => {
    // Arrange
    const filters = {
      OwnerIds: ['self'],
      Filters: [
        { Name: 'tag:eks-dr:backup', Values: ['nightly-1'] },
        { Name: 'tag:eks-dr:pv', Values: ['pv-0'] },
      ],
    };
    const tag = (Key: string, Value: string) => ({ Key, Value });
    ec2
      .on(DescribeSnapshotsCommand, filters)
      .resolves({
        Snapshots: [
          {
            SnapshotId: 'snap-a',
            VolumeId: 'vol-1',
            State: 'completed',
            Progress: '100%',
            VolumeSize: 10,
            Tags: [tag('eks-dr:backup', 'nightly-1'), tag('eks-dr:pv', 'pv-0'), tag('Name', 'a & b')],
          },
        ],
        NextToken: 't1',
      })
      .on(DescribeSnapshotsCommand, { ...filters, NextToken: 't1' })
      .resolves({
        Snapshots: [
          {
            SnapshotId: 'snap-b',
            VolumeId: 'vol-ffffffff',
            State: 'error',
            StateMessage: 'copy failed',
            Progress: '50%',
            VolumeSize: 20,
            Tags: [tag('eks-dr:pv', 'pv-0'), tag('eks-dr:backup', 'nightly-1')],
          },
          // EC2 reads * and ? in filter values as wildcards: pv-01 came back for pv-0.
          {
            SnapshotId: 'snap-c',
            State: 'pending',
            Tags: [tag('eks-dr:backup', 'nightly-1'), tag('eks-dr:pv', 'pv-01')],
          },
          { SnapshotId: 'snap-d', State: 'pending' },
        ],
        NextToken: '',
      });

    // Act
    const found = await adapter.findSnapshots({ 'eks-dr:backup': 'nightly-1', 'eks-dr:pv': 'pv-0' });

    // Assert
    expect(ec2).toHaveReceivedCommandTimes(DescribeSnapshotsCommand, 2);
    expect(ec2).toHaveReceivedCommandWith(DescribeSnapshotsCommand, filters);
    expect(found).toEqual([
      {
        id: 'snap-a',
        state: 'completed',
        progress: 100,
        sizeGi: 10,
        stateMessage: undefined,
        volumeId: 'vol-1',
        tags: { 'eks-dr:backup': 'nightly-1', 'eks-dr:pv': 'pv-0', Name: 'a & b' },
      },
      {
        id: 'snap-b',
        state: 'error',
        progress: 50,
        sizeGi: 20,
        stateMessage: 'copy failed',
        volumeId: 'vol-ffffffff',
        tags: { 'eks-dr:pv': 'pv-0', 'eks-dr:backup': 'nightly-1' },
      },
    ]);
  });

  it('refuses to find snapshots without a tag, before any request', async () => {
    // Arrange
    const noTags = {};

    // Act
    const find = adapter.findSnapshots(noTags);

    // Assert
    await expect(find).rejects.toThrow('findSnapshots: at least one tag is required');
    expect(ec2).not.toHaveReceivedAnyCommand();
  });

  it('describes volumes by id filter over several pages, an unknown state as error', async () => {
    // Arrange
    const filter = { Filters: [{ Name: 'volume-id', Values: ['vol-1', 'vol-2', 'vol-3'] }] };
    ec2
      .on(DescribeVolumesCommand, filter)
      .resolves({
        Volumes: [{ VolumeId: 'vol-1', Size: 8, AvailabilityZone: 'eu-central-1a', State: 'creating' }],
        NextToken: 'v1',
      })
      .on(DescribeVolumesCommand, { ...filter, NextToken: 'v1' })
      .resolves({
        Volumes: [
          { VolumeId: 'vol-2', Size: 4, AvailabilityZone: 'eu-central-1b', State: 'optimizing' as never },
        ],
      });

    // Act
    const statuses = await adapter.describeVolumes(['vol-1', 'vol-2', 'vol-3']);

    // Assert
    expect(statuses).toEqual([
      { id: 'vol-1', state: 'creating', availabilityZone: 'eu-central-1a', sizeGi: 8 },
      { id: 'vol-2', state: 'error', availabilityZone: 'eu-central-1b', sizeGi: 4 },
    ]);
    expect(ec2).toHaveReceivedCommandTimes(DescribeVolumesCommand, 2);
    expect(ec2).toHaveReceivedCommandWith(DescribeVolumesCommand, filter);
  });

  it('deletes a snapshot, and reports one already gone as not-found', async () => {
    // Arrange
    ec2
      .on(DeleteSnapshotCommand, { SnapshotId: 'snap-1' })
      .resolves({})
      .on(DeleteSnapshotCommand, { SnapshotId: 'snap-2' })
      .rejects(ec2Error('InvalidSnapshot.NotFound', { message: "The snapshot 'snap-2' does not exist." }));

    // Act
    const outcomes = [await adapter.deleteSnapshot('snap-1'), await adapter.deleteSnapshot('snap-2')];

    // Assert
    expect(outcomes).toEqual(['deleted', 'not-found']);
    expect(ec2).toHaveReceivedNthCommandWith(DeleteSnapshotCommand, 1, { SnapshotId: 'snap-1' });
    expect(ec2).toHaveReceivedNthCommandWith(DeleteSnapshotCommand, 2, { SnapshotId: 'snap-2' });
  });

  it.each([
    ['InvalidVolume.NotFound', 'not-found'],
    ['VolumeInUse', 'in-use'],
    ['IncorrectState', 'not-ready'],
  ])('answers %s to DeleteVolume as %j', async (code, expected) => {
    // Arrange
    ec2.on(DeleteVolumeCommand).rejects(ec2Error(code));

    // Act
    const outcome = await adapter.deleteVolume('vol-1');

    // Assert
    expect(outcome).toBe(expected);
    expect(ec2).toHaveReceivedCommandExactlyOnceWith(DeleteVolumeCommand, { VolumeId: 'vol-1' });
  });

  it('deletes a volume', async () => {
    // Arrange
    ec2.on(DeleteVolumeCommand).resolves({});

    // Act
    const outcome = await adapter.deleteVolume('vol-1');

    // Assert
    expect(outcome).toBe('deleted');
    expect(ec2).toHaveReceivedCommandExactlyOnceWith(DeleteVolumeCommand, { VolumeId: 'vol-1' });
  });

  it('still throws a DeleteVolume refusal that is not an answer (access denied) as AwsRequestError', async () => {
    // Arrange
    ec2.on(DeleteVolumeCommand).rejects(ec2Error('UnauthorizedOperation', { status: 403 }));

    // Act
    const remove = adapter.deleteVolume('vol-1');

    // Assert
    await expect(remove).rejects.toBeInstanceOf(AwsRequestError);
    await expect(remove).rejects.toMatchObject({ code: 'UnauthorizedOperation', operation: 'DeleteVolume' });
  });

  it.each([
    ['RequestLimitExceeded', 503, 3, 'still throttled after 3 attempts'],
    ['SnapshotCreationPerVolumeRateExceeded', 400, 1, 'still throttled after 1 attempts'],
  ])('turns %s that the SDK gave up on into Ec2ThrottledError', async (code, status, attempts, message) => {
    // Arrange
    ec2.on(CreateSnapshotCommand).rejects(ec2Error(code, { status, attempts }));

    // Act
    const create = adapter.createSnapshot('vol-0a', {}, 'd');

    // Assert
    await expect(create).rejects.toBeInstanceOf(Ec2ThrottledError);
    await expect(create).rejects.toMatchObject({ operation: 'CreateSnapshot', region: DR, attempts });
    await expect(create).rejects.toThrow(message);
  });

  it('turns a server fault the SDK gave up on into AwsTransientError', async () => {
    // Arrange
    ec2.on(DescribeVolumesCommand).rejects(ec2Error('InternalError', { status: 500, attempts: 3 }));

    // Act
    const describe = adapter.describeVolumes(['vol-1']);

    // Assert
    await expect(describe).rejects.toBeInstanceOf(AwsTransientError);
    await expect(describe).rejects.toMatchObject({ code: 'InternalError', operation: 'DescribeVolumes' });
  });

  it('names the operation and EC2 code of a refusal', async () => {
    // Arrange
    ec2
      .on(CreateVolumeCommand)
      .rejects(ec2Error('InvalidParameterValue', { message: 'Invalid availability zone: [eu-west-1a]' }));

    // Act
    const create = adapter.createVolume({ snapshotId: 'snap-1', availabilityZone: 'eu-west-1a', tags: {} });

    // Assert
    await expect(create).rejects.toBeInstanceOf(AwsRequestError);
    await expect(create).rejects.toMatchObject({ code: 'InvalidParameterValue', operation: 'CreateVolume' });
    await expect(create).rejects.toThrow('Invalid availability zone');
  });

  it('refuses an answer without the id it asked for', async () => {
    // Arrange
    ec2.on(CreateSnapshotCommand).resolves({ State: 'pending' });

    // Act
    const create = adapter.createSnapshot('vol-0a', {}, 'd');

    // Assert
    await expect(create).rejects.toMatchObject({ code: 'EmptyResponse', operation: 'CreateSnapshot' });
    await expect(create).rejects.toThrow('the response has no SnapshotId');
  });

  it('refuses to work through a client configured for another region, before any request', async () => {
    // Arrange
    const sourceClient = new EC2Client({ region: 'eu-west-1', credentials: CREDENTIALS });
    const source = mockClient(sourceClient);
    const swapped = new Ec2VolumeSnapshots(sourceClient, { region: DR });

    // Act
    const call = swapped.deleteSnapshot('snap-1');

    // Assert
    await expect(call).rejects.toThrow(
      `Ec2VolumeSnapshots region ${DR}: the EC2 client is configured for eu-west-1`,
    );
    expect(source).not.toHaveReceivedAnyCommand();
  });
});

/** One request as the client put it on the wire: host, form parameters and Authorization header. */
interface WireRequest {
  hostname: string;
  params: Record<string, string>;
  authorization: string;
}

type WireReply = { status: number; body: string } | Error;

/**
 * A real EC2Client (endpoint resolution, signing, the EC2 presigning middleware, standard retry, the XML
 * protocol) whose HTTP handler records each request and answers with the next scripted reply.
 */
function wireClient(region: string, ...replies: WireReply[]) {
  const requests: WireRequest[] = [];
  const client = new EC2Client({
    region,
    credentials: CREDENTIALS,
    requestHandler: {
      async handle(request: HttpRequest) {
        requests.push({
          hostname: request.hostname,
          params: Object.fromEntries(new URLSearchParams(String(request.body))),
          authorization: String(request.headers.authorization),
        });
        const reply = replies.shift() ?? { status: 500, body: refusal('NoReplyScripted') };
        if (reply instanceof Error) throw reply;
        return {
          response: {
            statusCode: reply.status,
            headers: { 'content-type': 'text/xml;charset=UTF-8' },
            body: Buffer.from(reply.body),
          },
        };
      },
    },
  });
  return { requests, adapter: new Ec2VolumeSnapshots(client, { region }) };
}

function ok(action: string, inner: string): WireReply {
  return {
    status: 200,
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId>${inner}</${action}Response>`,
  };
}

function refusal(code: string, message = code): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>req-1</RequestID></Response>`;
}

const THROTTLED: WireReply = {
  status: 503,
  body: refusal('RequestLimitExceeded', 'Request limit exceeded.'),
};

describe('Ec2VolumeSnapshots, on the wire (a real EC2Client)', () => {
  it('lets the SDK retry RequestLimitExceeded twice, with one client token for every attempt', async () => {
    // Arrange
    const { requests, adapter } = wireClient(
      DR,
      THROTTLED,
      THROTTLED,
      ok('CreateVolume', '<volumeId>vol-dr</volumeId>'),
    );

    // Act
    const id = await adapter.createVolume({
      snapshotId: 'snap-dr',
      availabilityZone: 'eu-central-1b',
      tags: {},
    });

    // Assert
    expect(id).toBe('vol-dr');
    expect(requests.map((r) => r.params.Action)).toEqual(['CreateVolume', 'CreateVolume', 'CreateVolume']);
    const tokens = new Set(requests.map((r) => r.params.ClientToken));
    expect(tokens.size).toBe(1);
    expect([...tokens][0]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('gives up after the SDK’s three attempts with Ec2ThrottledError', async () => {
    // Arrange
    const { requests, adapter } = wireClient(DR, THROTTLED, THROTTLED, THROTTLED);

    // Act
    const create = adapter.createSnapshot('vol-0a', {}, 'd');

    // Assert
    await expect(create).rejects.toBeInstanceOf(Ec2ThrottledError);
    await expect(create).rejects.toThrow(`EC2 CreateSnapshot in ${DR}: still throttled after 3 attempts`);
    expect(requests).toHaveLength(3);
  });

  it('lets the SDK retry a connection reset', async () => {
    // Arrange
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const { requests, adapter } = wireClient(DR, reset, ok('DescribeVolumes', '<volumeSet/>'));

    // Act
    const statuses = await adapter.describeVolumes(['vol-1']);

    // Assert
    expect(statuses).toEqual([]);
    expect(requests).toHaveLength(2);
  });

  it('reads EC2 XML over several DescribeSnapshots pages, sending each NextToken', async () => {
    // Arrange
    const item = (id: string, state: string, progress: string) =>
      `<item><snapshotId>${id}</snapshotId><status>${state}</status><progress>${progress}</progress><volumeSize>10</volumeSize>` +
      `<tagSet><item><key>eks-dr:backup</key><value>nightly-1</value></item></tagSet></item>`;
    const { requests, adapter } = wireClient(
      DR,
      ok(
        'DescribeSnapshots',
        `<snapshotSet>${item('snap-a', 'completed', '100%')}</snapshotSet><nextToken>t1</nextToken>`,
      ),
      ok('DescribeSnapshots', `<snapshotSet>${item('snap-b', 'pending', '42%')}</snapshotSet>`),
    );

    // Act
    const found = await adapter.findSnapshots({ 'eks-dr:backup': 'nightly-1' });

    // Assert
    expect(found.map((s) => [s.id, s.state, s.progress, s.tags])).toEqual([
      ['snap-a', 'completed', 100, { 'eks-dr:backup': 'nightly-1' }],
      ['snap-b', 'pending', 42, { 'eks-dr:backup': 'nightly-1' }],
    ]);
    expect(requests.map((r) => r.params)).toEqual([
      {
        Action: 'DescribeSnapshots',
        Version: '2016-11-15',
        'Filter.1.Name': 'tag:eks-dr:backup',
        'Filter.1.Value.1': 'nightly-1',
        'Owner.1': 'self',
      },
      {
        Action: 'DescribeSnapshots',
        Version: '2016-11-15',
        'Filter.1.Name': 'tag:eks-dr:backup',
        'Filter.1.Value.1': 'nightly-1',
        'Owner.1': 'self',
        NextToken: 't1',
      },
    ]);
  });

  it('answers VolumeInUse from EC2’s XML as in-use, without retrying', async () => {
    // Arrange
    const { requests, adapter } = wireClient(DR, {
      status: 400,
      body: refusal('VolumeInUse', 'Volume vol-1 is currently attached to i-0abc'),
    });

    // Act
    const outcome = await adapter.deleteVolume('vol-1');

    // Assert
    expect(outcome).toBe('in-use');
    expect(requests.map((r) => [r.params.Action, r.params.VolumeId])).toEqual([['DeleteVolume', 'vol-1']]);
  });

  it.each([
    ['eu-west-1', DR, 'ec2.eu-west-1.amazonaws.com', 'ec2.eu-central-1.amazonaws.com'],
    [
      'cn-northwest-1',
      'cn-north-1',
      'ec2.cn-northwest-1.amazonaws.com.cn',
      'ec2.cn-north-1.amazonaws.com.cn',
    ],
    ['us-gov-east-1', 'us-gov-west-1', 'ec2.us-gov-east-1.amazonaws.com', 'ec2.us-gov-west-1.amazonaws.com'],
  ])(
    'copies an encrypted snapshot %s → %s with a URL presigned for the source endpoint %s',
    async (source, destination, sourceHost, destinationHost) => {
      // Arrange
      const { requests, adapter } = wireClient(
        destination,
        ok('CopySnapshot', '<snapshotId>snap-dr</snapshotId>'),
      );

      // Act
      const id = await adapter.copySnapshot({
        sourceRegion: source,
        sourceSnapshotId: 'snap-01',
        kmsKeyId: 'alias/dr',
        tags: { 'eks-dr:source-snapshot': 'snap-01' },
        description: 'copy',
      });

      // Assert
      expect(id).toBe('snap-dr');
      const [request] = requests;
      expect(request?.hostname).toBe(destinationHost);
      expect(request?.authorization).toContain(`/${destination}/ec2/aws4_request`);
      const { PresignedUrl, ...params } = request?.params ?? {};
      expect(params).toEqual({
        Action: 'CopySnapshot',
        Version: '2016-11-15',
        SourceRegion: source,
        SourceSnapshotId: 'snap-01',
        DestinationRegion: destination,
        Encrypted: 'true',
        KmsKeyId: 'alias/dr',
        Description: 'copy',
        'TagSpecification.1.ResourceType': 'snapshot',
        'TagSpecification.1.Tag.1.Key': 'eks-dr:source-snapshot',
        'TagSpecification.1.Tag.1.Value': 'snap-01',
      });
      const presigned = new URL(PresignedUrl ?? '');
      expect(presigned.origin).toBe(`https://${sourceHost}`);
      expect(Object.fromEntries(presigned.searchParams)).toMatchObject({
        Action: 'CopySnapshot',
        SourceRegion: source,
        SourceSnapshotId: 'snap-01',
        DestinationRegion: destination,
        Encrypted: 'true',
        KmsKeyId: 'alias/dr',
        'X-Amz-Expires': '3600',
      });
      expect(presigned.searchParams.get('X-Amz-Credential')).toMatch(
        new RegExp(`^AKID/\\d{8}/${source}/ec2/aws4_request$`),
      );
      expect(presigned.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    },
  );

  it.each([
    ['cn-north-1', 'ec2.cn-north-1.amazonaws.com.cn'],
    ['us-gov-west-1', 'ec2.us-gov-west-1.amazonaws.com'],
  ])('reaches EC2 in %s at %s', async (region, host) => {
    // Arrange
    const { requests, adapter } = wireClient(region, ok('DeleteSnapshot', '<return>true</return>'));

    // Act
    const outcome = await adapter.deleteSnapshot('snap-1');

    // Assert
    expect(outcome).toBe('deleted');
    expect(requests.map((r) => r.hostname)).toEqual([host]);
    expect(requests[0]?.authorization).toContain(`/${region}/ec2/aws4_request`);
  });
});
