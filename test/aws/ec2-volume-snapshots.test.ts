import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Ec2QueryClient } from '../../src/aws/ec2-query-client.ts';
import { Ec2ThrottledError } from '../../src/aws/ec2-retry.ts';
import { Ec2VolumeSnapshots } from '../../src/aws/ec2-volume-snapshots.ts';
import { AwsRequestError } from '../../src/aws/errors.ts';

const DR = 'eu-central-1';
const KEY = 'arn:aws:kms:eu-central-1:111122223333:key/dr';
const CREDENTIALS = { accessKeyId: 'AKID', secretAccessKey: 'SECRET', sessionToken: 'TOKEN' };

type Reply = (res: ServerResponse) => void;

/** A loopback stand-in for EC2: records each request's form parameters and answers with scripted replies. */
function fakeEc2() {
  const requests: Record<string, string>[] = [];
  const replies: Reply[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push(Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
      (
        replies.shift() ??
        xml(500, '<Response><Errors><Error><Code>NoReply</Code></Error></Errors></Response>')
      )(res);
    });
  });
  return {
    requests,
    server,
    reply: (...scripted: Reply[]) => replies.push(...scripted),
    endpoint: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    of: (action: string) => requests.filter((r) => r.Action === action),
    reset() {
      requests.length = 0;
      replies.length = 0;
    },
  };
}

function xml(status: number, body: string): Reply {
  return (res) => res.writeHead(status, { 'content-type': 'text/xml;charset=UTF-8' }).end(body);
}

function ok(action: string, inner: string): Reply {
  return xml(
    200,
    `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">\n  <requestId>r-1</requestId>\n  ${inner}\n</${action}Response>`,
  );
}

function refusal(status: number, code: string, message = code): Reply {
  return xml(
    status,
    `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>req-1</RequestID></Response>`,
  );
}

function snapshotSet(items: Record<string, string | number>[], nextToken?: string): Reply {
  const set = items
    .map(
      (i) =>
        `<item>${Object.entries(i)
          .map(([k, v]) => `<${k}>${v}</${k}>`)
          .join('')}</item>`,
    )
    .join('');
  return ok(
    'DescribeSnapshots',
    `<snapshotSet>${set}</snapshotSet>${nextToken ? `<nextToken>${nextToken}</nextToken>` : ''}`,
  );
}

/** The Filter.1.Value.N values of a request, in order. */
function filterValues(request: Record<string, string> | undefined): string[] {
  return Object.entries(request ?? {})
    .filter(([k]) => k.startsWith('Filter.1.Value.'))
    .map(([, v]) => v);
}

describe('Ec2VolumeSnapshots', () => {
  const ec2 = fakeEc2();
  const sleeps: number[] = [];
  let adapter: Ec2VolumeSnapshots;

  beforeAll(async () => {
    await new Promise<void>((resolve) => ec2.server.listen(0, '127.0.0.1', resolve));
    const client = new Ec2QueryClient({ region: DR, credentials: CREDENTIALS, endpoint: ec2.endpoint() });
    adapter = new Ec2VolumeSnapshots(client, {
      region: DR,
      retry: { sleep: async (ms) => void sleeps.push(ms), random: () => 0.5, maxAttempts: 4 },
    });
  });
  afterAll(async () => {
    ec2.server.closeAllConnections();
    await new Promise((resolve) => ec2.server.close(resolve));
  });
  beforeEach(() => {
    ec2.reset();
    sleeps.length = 0;
  });

  it('creates a snapshot tagged on creation', async () => {
    // Arrange
    ec2.reply(ok('CreateSnapshot', '<snapshotId>snap-01</snapshotId><status>pending</status>'));

    // Act
    const id = await adapter.createSnapshot(
      'vol-0a',
      { 'eks-dr:backup': 'nightly', Name: 'nightly/pv-0' },
      'eks-dr backup',
    );

    // Assert
    expect(id).toBe('snap-01');
    expect(ec2.requests).toEqual([
      {
        Action: 'CreateSnapshot',
        Version: '2016-11-15',
        VolumeId: 'vol-0a',
        Description: 'eks-dr backup',
        'TagSpecification.1.ResourceType': 'snapshot',
        'TagSpecification.1.Tag.1.Key': 'eks-dr:backup',
        'TagSpecification.1.Tag.1.Value': 'nightly',
        'TagSpecification.1.Tag.2.Key': 'Name',
        'TagSpecification.1.Tag.2.Value': 'nightly/pv-0',
      },
    ]);
  });

  it('copies a snapshot from the source region, always encrypted with the given key, with a presigned URL', async () => {
    // Arrange
    ec2.reply(ok('CopySnapshot', '<snapshotId>snap-dr</snapshotId>'));

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
    const { PresignedUrl, ...params } = ec2.requests[0] ?? {};
    expect(params).toEqual({
      Action: 'CopySnapshot',
      Version: '2016-11-15',
      SourceRegion: 'eu-west-1',
      SourceSnapshotId: 'snap-01',
      DestinationRegion: DR,
      Encrypted: 'true',
      KmsKeyId: KEY,
      Description: 'copy',
      'TagSpecification.1.ResourceType': 'snapshot',
      'TagSpecification.1.Tag.1.Key': 'eks-dr:source-snapshot',
      'TagSpecification.1.Tag.1.Value': 'snap-01',
    });
    const presigned = new URL(PresignedUrl ?? '');
    expect(Object.fromEntries(presigned.searchParams)).toMatchObject({
      Action: 'CopySnapshot',
      SourceRegion: 'eu-west-1',
      SourceSnapshotId: 'snap-01',
      DestinationRegion: DR,
    });
    expect(presigned.searchParams.get('X-Amz-Credential')).toMatch(/\/eu-west-1\/ec2\/aws4_request$/);
  });

  it('creates an encrypted gp3 volume from a snapshot in the given zone', async () => {
    // Arrange
    ec2.reply(ok('CreateVolume', '<volumeId>vol-dr</volumeId><status>creating</status>'));

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
    expect(ec2.requests).toEqual([
      {
        Action: 'CreateVolume',
        Version: '2016-11-15',
        SnapshotId: 'snap-dr',
        AvailabilityZone: 'eu-central-1b',
        VolumeType: 'gp3',
        Encrypted: 'true',
        KmsKeyId: KEY,
        ClientToken: 'a'.repeat(64),
        'TagSpecification.1.ResourceType': 'volume',
        'TagSpecification.1.Tag.1.Key': 'eks-dr:pv',
        'TagSpecification.1.Tag.1.Value': 'pv-0',
      },
    ]);
  });

  it('makes one client token for every attempt of a CreateVolume given none, so a retry cannot duplicate it', async () => {
    // Arrange
    ec2.reply(refusal(503, 'RequestLimitExceeded'), ok('CreateVolume', '<volumeId>vol-dr</volumeId>'));

    // Act
    await adapter.createVolume({ snapshotId: 'snap-dr', availabilityZone: 'eu-central-1b', tags: {} });

    // Assert
    const tokens = ec2.of('CreateVolume').map((r) => r.ClientToken);
    expect(tokens).toHaveLength(2);
    expect(tokens[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(tokens[1]).toBe(tokens[0]);
    expect(ec2.requests[0]).not.toHaveProperty('KmsKeyId');
    expect(ec2.requests[0]).not.toHaveProperty('TagSpecification.1.Tag.1.Key');
  });

  it('describes snapshots by id filter in chunks of 200, following nextToken', async () => {
    // Arrange
    const ids = Array.from({ length: 250 }, (_, i) => `snap-${i}`);
    ec2.reply(
      snapshotSet([{ snapshotId: 'snap-0', status: 'pending', progress: '42%', volumeSize: 10 }], 't1'),
      snapshotSet([
        {
          snapshotId: 'snap-1',
          status: 'error',
          progress: '',
          volumeSize: 10,
          statusMessage: 'boom &amp; bust',
        },
        { snapshotId: 'snap-2', status: 'archiving-soon', progress: '7%', volumeSize: 10 },
      ]),
      snapshotSet([{ snapshotId: 'snap-249', status: 'completed', progress: '100%', volumeSize: 20 }]),
    );

    // Act
    const statuses = await adapter.describeSnapshots(ids);

    // Assert
    expect(statuses).toEqual([
      { id: 'snap-0', state: 'pending', progress: 42, sizeGi: 10, stateMessage: undefined },
      { id: 'snap-1', state: 'error', progress: 0, sizeGi: 10, stateMessage: 'boom & bust' },
      { id: 'snap-2', state: 'pending', progress: 7, sizeGi: 10, stateMessage: undefined },
      { id: 'snap-249', state: 'completed', progress: 100, sizeGi: 20, stateMessage: undefined },
    ]);
    const calls = ec2.of('DescribeSnapshots');
    expect(calls).toHaveLength(3);
    expect(calls.map((c) => [c['Owner.1'], c['Filter.1.Name'], c.NextToken])).toEqual([
      ['self', 'snapshot-id', undefined],
      ['self', 'snapshot-id', 't1'],
      ['self', 'snapshot-id', undefined],
    ]);
    expect(filterValues(calls[1])).toEqual(ids.slice(0, 200));
    expect(filterValues(calls[2])).toEqual(ids.slice(200));
  });

  it('finds snapshots by tags: Owner.1=self, one tag: filter per tag, following nextToken, parsing tags', async () => {
    // Arrange
    const tag = (key: string, value: string) => `<item><key>${key}</key><value>${value}</value></item>`;
    ec2.reply(
      ok(
        'DescribeSnapshots',
        `<snapshotSet>
           <item><snapshotId>snap-a</snapshotId><volumeId>vol-1</volumeId><status>completed</status>
             <progress>100%</progress><volumeSize>10</volumeSize><ownerId>111122223333</ownerId>
             <tagSet>${tag('eks-dr:backup', 'nightly-1')}${tag('eks-dr:pv', 'pv-0')}${tag('Name', 'a &amp; b')}</tagSet></item>
         </snapshotSet><nextToken>t1</nextToken>`,
      ),
      ok(
        'DescribeSnapshots',
        `<snapshotSet>
           <item><snapshotId>snap-b</snapshotId><volumeId>vol-ffffffff</volumeId><status>error</status>
             <statusMessage>copy failed</statusMessage><progress>50%</progress><volumeSize>20</volumeSize>
             <tagSet>${tag('eks-dr:pv', 'pv-0')}${tag('eks-dr:backup', 'nightly-1')}${tag('eks-dr:source-snapshot', 'snap-a')}</tagSet></item>
           <item><snapshotId>snap-c</snapshotId><volumeId>vol-2</volumeId><status>pending</status>
             <tagSet>${tag('eks-dr:backup', 'nightly-1')}${tag('eks-dr:pv', 'pv-01')}</tagSet></item>
           <item><snapshotId>snap-d</snapshotId><status>pending</status></item>
         </snapshotSet><nextToken></nextToken>`,
      ),
    );

    // Act
    const found = await adapter.findSnapshots({ 'eks-dr:backup': 'nightly-1', 'eks-dr:pv': 'pv-0' });

    // Assert
    expect(ec2.requests).toEqual([
      {
        Action: 'DescribeSnapshots',
        Version: '2016-11-15',
        'Owner.1': 'self',
        'Filter.1.Name': 'tag:eks-dr:backup',
        'Filter.1.Value.1': 'nightly-1',
        'Filter.2.Name': 'tag:eks-dr:pv',
        'Filter.2.Value.1': 'pv-0',
      },
      {
        Action: 'DescribeSnapshots',
        Version: '2016-11-15',
        'Owner.1': 'self',
        'Filter.1.Name': 'tag:eks-dr:backup',
        'Filter.1.Value.1': 'nightly-1',
        'Filter.2.Name': 'tag:eks-dr:pv',
        'Filter.2.Value.1': 'pv-0',
        NextToken: 't1',
      },
    ]);
    // snap-c and snap-d do not carry the exact tags (EC2 reads * and ? in filter values as wildcards).
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
        tags: { 'eks-dr:pv': 'pv-0', 'eks-dr:backup': 'nightly-1', 'eks-dr:source-snapshot': 'snap-a' },
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
    expect(ec2.requests).toEqual([]);
  });

  it('describes volumes by id filter, an unknown state as error', async () => {
    // Arrange
    ec2.reply(
      ok(
        'DescribeVolumes',
        `<volumeSet>
           <item><volumeId>vol-1</volumeId><size>8</size><availabilityZone>eu-central-1a</availabilityZone><status>creating</status>
             <attachmentSet/><tagSet><item><key>k</key><value>v</value></item></tagSet></item>
           <item><volumeId>vol-2</volumeId><size>4</size><availabilityZone>eu-central-1b</availabilityZone><status>optimizing</status></item>
         </volumeSet>`,
      ),
    );

    // Act
    const statuses = await adapter.describeVolumes(['vol-1', 'vol-2', 'vol-3']);

    // Assert
    expect(statuses).toEqual([
      { id: 'vol-1', state: 'creating', availabilityZone: 'eu-central-1a', sizeGi: 8 },
      { id: 'vol-2', state: 'error', availabilityZone: 'eu-central-1b', sizeGi: 4 },
    ]);
    expect(ec2.requests).toEqual([
      {
        Action: 'DescribeVolumes',
        Version: '2016-11-15',
        'Filter.1.Name': 'volume-id',
        'Filter.1.Value.1': 'vol-1',
        'Filter.1.Value.2': 'vol-2',
        'Filter.1.Value.3': 'vol-3',
      },
    ]);
  });

  it('deletes a snapshot, and reports one already gone as not-found', async () => {
    // Arrange
    ec2.reply(
      ok('DeleteSnapshot', '<return>true</return>'),
      refusal(400, 'InvalidSnapshot.NotFound', "The snapshot 'snap-2' does not exist."),
    );

    // Act
    const outcomes = [await adapter.deleteSnapshot('snap-1'), await adapter.deleteSnapshot('snap-2')];

    // Assert
    expect(outcomes).toEqual(['deleted', 'not-found']);
    expect(ec2.requests.map((r) => r.SnapshotId)).toEqual(['snap-1', 'snap-2']);
  });

  it('deletes a volume with DeleteVolume VolumeId=, and reports one already gone as not-found', async () => {
    // Arrange
    ec2.reply(
      ok('DeleteVolume', '<return>true</return>'),
      refusal(400, 'InvalidVolume.NotFound', "The volume 'vol-2' does not exist."),
    );

    // Act
    const outcomes = [await adapter.deleteVolume('vol-1'), await adapter.deleteVolume('vol-2')];

    // Assert
    expect(outcomes).toEqual(['deleted', 'not-found']);
    expect(ec2.requests.map((r) => [r.Action, r.VolumeId])).toEqual([
      ['DeleteVolume', 'vol-1'],
      ['DeleteVolume', 'vol-2'],
    ]);
  });

  it.each([
    ['VolumeInUse', 'Volume vol-1 is currently attached to i-0abc', 'in-use'],
    ['IncorrectState', "The volume 'vol-1' is 'creating'", 'not-ready'],
  ])('answers %s to DeleteVolume as %j, without retrying', async (code, message, expected) => {
    // Arrange
    ec2.reply(refusal(400, code, message));

    // Act
    const outcome = await adapter.deleteVolume('vol-1');

    // Assert
    expect(outcome).toBe(expected);
    expect(ec2.of('DeleteVolume')).toHaveLength(1);
  });

  it('still throws a DeleteVolume refusal that is not an answer (access denied)', async () => {
    // Arrange
    ec2.reply(refusal(403, 'UnauthorizedOperation', 'You are not authorized to perform this operation.'));

    // Act
    const remove = adapter.deleteVolume('vol-1');

    // Assert
    await expect(remove).rejects.toBeInstanceOf(AwsRequestError);
    await expect(remove).rejects.toMatchObject({ code: 'UnauthorizedOperation', operation: 'DeleteVolume' });
  });

  it('retries a throttled DeleteVolume and then deletes', async () => {
    // Arrange
    ec2.reply(refusal(503, 'RequestLimitExceeded'), ok('DeleteVolume', '<return>true</return>'));

    // Act
    const outcome = await adapter.deleteVolume('vol-1');

    // Assert
    expect(outcome).toBe('deleted');
    expect(ec2.of('DeleteVolume')).toHaveLength(2);
    expect(sleeps).toHaveLength(1);
  });

  it('retries RequestLimitExceeded with growing backoff and then succeeds', async () => {
    // Arrange
    ec2.reply(
      refusal(503, 'RequestLimitExceeded', 'Request limit exceeded.'),
      refusal(503, 'RequestLimitExceeded', 'Request limit exceeded.'),
      ok('CreateSnapshot', '<snapshotId>snap-01</snapshotId>'),
    );

    // Act
    const id = await adapter.createSnapshot('vol-0a', {}, 'd');

    // Assert
    expect(id).toBe('snap-01');
    expect(ec2.of('CreateSnapshot')).toHaveLength(3);
    expect(sleeps).toEqual([250, 500]);
  });

  it('retries a connection reset mid-answer', async () => {
    // Arrange
    ec2.reply(
      (res) => {
        res.writeHead(200, { 'content-length': '500' }).write('<DescribeVolumesResponse>');
        setTimeout(() => res.socket?.destroy(), 5);
      },
      ok('DescribeVolumes', '<volumeSet/>'),
    );

    // Act
    const statuses = await adapter.describeVolumes(['vol-1']);

    // Assert
    expect(statuses).toEqual([]);
    expect(ec2.of('DescribeVolumes')).toHaveLength(2);
    expect(sleeps).toEqual([250]);
  });

  it('gives up on throttling after the bounded attempts with Ec2ThrottledError', async () => {
    // Arrange
    ec2.reply(...Array.from({ length: 4 }, () => refusal(503, 'RequestLimitExceeded')));

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
    expect(ec2.of('CopySnapshot')).toHaveLength(4);
  });

  it('does not retry a refusal and names the operation and code', async () => {
    // Arrange
    ec2.reply(refusal(400, 'InvalidParameterValue', 'Invalid availability zone'));

    // Act
    const create = adapter.createVolume({ snapshotId: 'snap-1', availabilityZone: 'eu-west-1a', tags: {} });

    // Assert
    await expect(create).rejects.toBeInstanceOf(AwsRequestError);
    await expect(create).rejects.toMatchObject({ code: 'InvalidParameterValue', operation: 'CreateVolume' });
    await expect(create).rejects.toThrow('Invalid availability zone');
    expect(ec2.of('CreateVolume')).toHaveLength(1);
  });

  it('refuses an answer without the id it asked for', async () => {
    // Arrange
    ec2.reply(ok('CreateSnapshot', '<status>pending</status>'));

    // Act
    const create = adapter.createSnapshot('vol-0a', {}, 'd');

    // Assert
    await expect(create).rejects.toMatchObject({ code: 'EmptyResponse', operation: 'CreateSnapshot' });
    await expect(create).rejects.toThrow('the response has no snapshotId');
  });

  it('refuses to work through a client configured for another region, before any request', async () => {
    // Arrange
    const sourceClient = new Ec2QueryClient({
      region: 'eu-west-1',
      credentials: CREDENTIALS,
      endpoint: ec2.endpoint(),
    });
    const swapped = new Ec2VolumeSnapshots(sourceClient, { region: DR });

    // Act
    const call = swapped.deleteSnapshot('snap-1');

    // Assert
    await expect(call).rejects.toThrow(
      `Ec2VolumeSnapshots region ${DR}: the EC2 client is configured for eu-west-1`,
    );
    expect(ec2.requests).toEqual([]);
  });
});
