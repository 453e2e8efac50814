import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  Ec2ApiError,
  Ec2NetworkError,
  Ec2QueryClient,
  Ec2ResponseError,
  ec2Endpoint,
  encodeRfc3986,
  flattenEc2Params,
} from '../../src/aws/ec2-query-client.ts';
import { isEc2Throttle } from '../../src/aws/ec2-retry.ts';
import { awsErrorCode, isThrottlingError, isTransientAwsError } from '../../src/aws/errors.ts';
import { loopbackAws, type Received, resignedAuthorization } from './loopback-aws.ts';

const REGION = 'eu-central-1';
const CREDENTIALS = { accessKeyId: 'AKID', secretAccessKey: 'SECRET', sessionToken: 'TOKEN' };

function errorBody(code: string, message: string, requestId = 'req-err-1'): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`;
}

describe('Ec2QueryClient', () => {
  const ec2 = loopbackAws('text/xml;charset=UTF-8');
  let client: Ec2QueryClient;

  beforeAll(async () => {
    await ec2.listen();
    client = new Ec2QueryClient({
      region: REGION,
      credentials: async () => CREDENTIALS,
      endpoint: ec2.endpoint(),
    });
  });
  afterAll(async () => {
    await ec2.close();
  });
  beforeEach(() => ec2.reset());

  it('POSTs a SigV4-signed form body for CreateSnapshot with tags', async () => {
    // Arrange
    ec2.reply(
      200,
      '<?xml version="1.0" encoding="UTF-8"?>\n<CreateSnapshotResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId><snapshotId>snap-01</snapshotId><status>pending</status></CreateSnapshotResponse>',
    );

    // Act
    const answer = await client.call('CreateSnapshot', {
      VolumeId: 'vol-0a',
      Description: 'eks-dr backup',
      TagSpecification: [
        {
          ResourceType: 'snapshot',
          Tag: [
            { Key: 'eks-dr:backup', Value: 'nightly' },
            { Key: 'Name', Value: 'nightly/pv-0 (a)' },
          ],
        },
      ],
    });

    // Assert
    expect(answer.textOf('snapshotId')).toBe('snap-01');
    const [request] = ec2.received;
    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/');
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded; charset=utf-8');
    expect(request?.body).toBe(
      'Action=CreateSnapshot&Version=2016-11-15&VolumeId=vol-0a&Description=eks-dr%20backup' +
        '&TagSpecification.1.ResourceType=snapshot' +
        '&TagSpecification.1.Tag.1.Key=eks-dr%3Abackup&TagSpecification.1.Tag.1.Value=nightly' +
        '&TagSpecification.1.Tag.2.Key=Name&TagSpecification.1.Tag.2.Value=nightly%2Fpv-0%20%28a%29',
    );
    expect(request?.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(request?.headers['x-amz-security-token']).toBe('TOKEN');
    expect(request?.headers.authorization).toMatch(
      new RegExp(`^AWS4-HMAC-SHA256 Credential=AKID/\\d{8}/${REGION}/ec2/aws4_request, SignedHeaders=`),
    );
  });

  it('signs exactly what it sends: a server re-signing the received request gets the same signature', async () => {
    // Arrange
    ec2.reply(200, '<DeleteSnapshotResponse><return>true</return></DeleteSnapshotResponse>');

    // Act
    await client.call('DeleteSnapshot', { SnapshotId: 'snap-1' });

    // Assert
    const request = ec2.received[0] as Received;
    const { authorization, signedHeaders } = await resignedAuthorization(request, {
      service: 'ec2',
      region: REGION,
      credentials: CREDENTIALS,
    });
    expect(signedHeaders).toEqual(expect.arrayContaining(['host', 'x-amz-date', 'x-amz-security-token']));
    expect(authorization).toBe(request.headers.authorization);
  });

  it('sends Owner.N, Filter.N.Name, Filter.N.Value.M and NextToken for DescribeSnapshots, without a token header when there is no session', async () => {
    // Arrange
    const plain = new Ec2QueryClient({
      region: REGION,
      credentials: { accessKeyId: 'AKID', secretAccessKey: 'SECRET' },
      endpoint: ec2.endpoint(),
    });
    ec2.reply(200, '<DescribeSnapshotsResponse><snapshotSet/></DescribeSnapshotsResponse>');

    // Act
    await plain.call('DescribeSnapshots', {
      Owner: ['self'],
      Filter: [{ Name: 'snapshot-id', Value: ['snap-1', 'snap-2'] }],
      NextToken: 'tok/+=',
      MaxResults: undefined,
    });

    // Assert
    const request = ec2.received[0];
    expect(request?.body).toBe(
      'Action=DescribeSnapshots&Version=2016-11-15&Owner.1=self' +
        '&Filter.1.Name=snapshot-id&Filter.1.Value.1=snap-1&Filter.1.Value.2=snap-2&NextToken=tok%2F%2B%3D',
    );
    expect(request?.headers['x-amz-security-token']).toBeUndefined();
  });

  it('turns an EC2 error answer into Ec2ApiError with code, message, request id and status', async () => {
    // Arrange
    ec2.reply(400, errorBody('InvalidSnapshot.NotFound', "The snapshot 'snap-2' does not exist.", 'req-42'));

    // Act
    const call = client.call('DeleteSnapshot', { SnapshotId: 'snap-2' });

    // Assert
    const error = await call.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Ec2ApiError);
    expect(error).toMatchObject({
      name: 'InvalidSnapshot.NotFound',
      code: 'InvalidSnapshot.NotFound',
      message: "The snapshot 'snap-2' does not exist.",
      requestId: 'req-42',
      action: 'DeleteSnapshot',
      $fault: 'client',
      $metadata: { httpStatusCode: 400, requestId: 'req-42' },
    });
    expect(awsErrorCode(error)).toBe('InvalidSnapshot.NotFound');
    expect(isTransientAwsError(error)).toBe(false);
  });

  it('classifies a 503 RequestLimitExceeded as throttling and a 500 InternalError as transient only', async () => {
    // Arrange
    ec2.reply(503, errorBody('RequestLimitExceeded', 'Request limit exceeded.'));
    ec2.reply(500, errorBody('InternalError', 'An internal error has occurred.'));

    // Act
    const throttled = await client.call('CopySnapshot', {}).catch((e: unknown) => e);
    const internal = await client.call('CopySnapshot', {}).catch((e: unknown) => e);

    // Assert
    expect(throttled).toMatchObject({ name: 'RequestLimitExceeded', $fault: 'server' });
    expect(isEc2Throttle(throttled)).toBe(true);
    expect(isTransientAwsError(throttled)).toBe(true);
    expect(isEc2Throttle(internal)).toBe(false);
    expect(isTransientAwsError(internal)).toBe(true);
  });

  it('reports a socket destroyed mid-answer as a transient Ec2NetworkError', async () => {
    // Arrange
    ec2.replyWith((res) => {
      res.writeHead(200, { 'content-type': 'text/xml', 'content-length': '1000' });
      res.write('<DescribeVolumesResponse><volumeSet><item>');
      setTimeout(() => res.socket?.destroy(), 10);
    });

    // Act
    const error = await client.call('DescribeVolumes', {}).catch((e: unknown) => e);

    // Assert
    expect(error).toBeInstanceOf(Ec2NetworkError);
    expect((error as Error).message).toContain('EC2 DescribeVolumes at http://127.0.0.1');
    expect(isTransientAwsError(error)).toBe(true);
    expect(isThrottlingError(error)).toBe(false);
  });

  it('gives up on an answer that does not arrive within requestTimeoutMs, transiently', async () => {
    // Arrange
    const impatient = new Ec2QueryClient({
      region: REGION,
      credentials: CREDENTIALS,
      endpoint: ec2.endpoint(),
      requestTimeoutMs: 50,
    });
    ec2.replyWith((res) => setTimeout(() => res.writeHead(200).end('<XResponse/>'), 500));

    // Act
    const error = await impatient.call('DescribeVolumes', {}).catch((e: unknown) => e);

    // Assert
    expect(error).toBeInstanceOf(Ec2NetworkError);
    expect(error).toMatchObject({ code: 'ETIMEDOUT' });
    expect((error as Error).message).toContain('no complete answer within 50 ms');
    expect(isTransientAwsError(error)).toBe(true);
  });

  it.each([
    [200, '<html><body>Welcome to the captive portal', 'a body that is not XML'],
    [200, '<OtherResponse/>', '<OtherResponse> where <CreateVolumeResponse> was expected'],
    [403, '<AccessDenied/>', 'no <Errors><Error><Code>'],
  ])('names the action and HTTP status of a garbled answer (%i %s)', async (status, body, problem) => {
    // Arrange
    ec2.reply(status, body);

    // Act
    const error = await client.call('CreateVolume', {}).catch((e: unknown) => e);

    // Assert
    expect(error).toBeInstanceOf(Ec2ResponseError);
    expect((error as Error).message).toContain(`EC2 CreateVolume answered HTTP ${status} with ${problem}`);
    expect(isTransientAwsError(error)).toBe(false);
  });

  it('counts a garbled 502 from a proxy as transient', async () => {
    // Arrange
    ec2.reply(502, 'Bad Gateway');

    // Act
    const error = await client.call('CreateVolume', {}).catch((e: unknown) => e);

    // Assert
    expect(error).toBeInstanceOf(Ec2ResponseError);
    expect((error as Error).message).toContain('HTTP 502 with a body that is not XML ("Bad Gateway")');
    expect(isTransientAwsError(error)).toBe(true);
  });

  it('presigns a GET URL for another region against that region’s public endpoint', async () => {
    // Arrange
    const dr = new Ec2QueryClient({ region: REGION, credentials: CREDENTIALS });

    // Act
    const url = new URL(
      await dr.presignUrl(
        'CopySnapshot',
        { SourceRegion: 'eu-west-1', SourceSnapshotId: 'snap-1', DestinationRegion: REGION },
        'eu-west-1',
      ),
    );

    // Assert
    expect(url.origin).toBe('https://ec2.eu-west-1.amazonaws.com');
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      Action: 'CopySnapshot',
      Version: '2016-11-15',
      SourceRegion: 'eu-west-1',
      SourceSnapshotId: 'snap-1',
      DestinationRegion: REGION,
      'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
      'X-Amz-Expires': '3600',
      'X-Amz-Security-Token': 'TOKEN',
      'X-Amz-SignedHeaders': 'host',
    });
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(/^AKID\/\d{8}\/eu-west-1\/ec2\/aws4_request$/);
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('EC2 query helpers', () => {
  it('flattens lists 1-based, skips undefined values and empty lists, and writes booleans and numbers', () => {
    // Arrange
    const params = {
      Encrypted: true,
      DryRun: false,
      Size: 100,
      KmsKeyId: undefined,
      TagSpecification: [{ ResourceType: 'volume', Tag: [] }],
      Owner: [undefined, 'self'],
    };

    // Act
    const pairs = flattenEc2Params(params);

    // Assert
    expect(pairs).toEqual([
      ['Encrypted', 'true'],
      ['DryRun', 'false'],
      ['Size', '100'],
      ['TagSpecification.1.ResourceType', 'volume'],
      ['Owner.1', 'self'],
    ]);
  });

  it('refuses a number that is not finite, naming the parameter', () => {
    // Arrange
    const params = { Filter: [{ Name: 'volume-size', Value: [Number.NaN] }] };

    // Act
    const flatten = () => flattenEc2Params(params);

    // Assert
    expect(flatten).toThrow('EC2 parameter Filter.1.Value.1: NaN is not a finite number');
  });

  it("encodes with RFC 3986, escaping !'()* too", () => {
    // Arrange
    const value = "a b!'()*~-_.é/";

    // Act
    const encoded = encodeRfc3986(value);

    // Assert
    expect(encoded).toBe('a%20b%21%27%28%29%2A~-_.%C3%A9%2F');
  });

  it('knows the public endpoints, China’s included, and refuses a name that is no region', () => {
    // Arrange
    const regions = ['eu-west-1', 'cn-north-1', 'us-gov-west-1'];

    // Act
    const endpoints = regions.map(ec2Endpoint);
    const bad = () => new Ec2QueryClient({ region: 'eu-west-1/evil', credentials: CREDENTIALS });

    // Assert
    expect(endpoints).toEqual([
      'https://ec2.eu-west-1.amazonaws.com',
      'https://ec2.cn-north-1.amazonaws.com.cn',
      'https://ec2.us-gov-west-1.amazonaws.com',
    ]);
    expect(bad).toThrow('EC2 client region "eu-west-1/evil": not an AWS region name');
  });
});
