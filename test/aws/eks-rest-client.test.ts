import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EksApiError, EksResponseError, EksRestClient, eksEndpoint } from '../../src/aws/eks-rest-client.ts';
import { awsErrorCode, isThrottlingError, isTransientAwsError } from '../../src/aws/errors.ts';
import { AwsNetworkError } from '../../src/aws/signed-http.ts';
import { loopbackAws, type Received, resignedAuthorization } from './loopback-aws.ts';

const REGION = 'eu-central-1';
const CREDENTIALS = { accessKeyId: 'AKID', secretAccessKey: 'SECRET', sessionToken: 'TOKEN' };

// An answer as EKS sends it, trimmed to the members eks-dr reads plus a few it ignores.
const ACTIVE_CLUSTER = {
  cluster: {
    name: 'shop-dr',
    arn: 'arn:aws:eks:eu-central-1:111122223333:cluster/shop-dr',
    createdAt: 1.7e9,
    version: '1.31',
    endpoint: 'https://ABCDEF.gr7.eu-central-1.eks.amazonaws.com',
    roleArn: 'arn:aws:iam::111122223333:role/eks',
    resourcesVpcConfig: { subnetIds: ['subnet-1'], endpointPublicAccess: true },
    certificateAuthority: { data: 'LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t' },
    status: 'ACTIVE',
    accessConfig: { authenticationMode: 'API_AND_CONFIG_MAP' },
  },
};

describe('EksRestClient', () => {
  const eks = loopbackAws('application/json');
  let client: EksRestClient;

  beforeAll(async () => {
    await eks.listen();
    client = new EksRestClient({
      region: REGION,
      credentials: async () => CREDENTIALS,
      endpoint: eks.endpoint(),
    });
  });
  afterAll(async () => {
    await eks.close();
  });
  beforeEach(() => eks.reset());

  it('GETs /clusters/{name}, SigV4-signed for eks in the region, and returns the cluster', async () => {
    // Arrange
    eks.reply(200, JSON.stringify(ACTIVE_CLUSTER), { 'x-amzn-requestid': 'req-1' });

    // Act
    const cluster = await client.describeCluster('shop-dr');

    // Assert
    expect(cluster).toEqual(ACTIVE_CLUSTER.cluster);
    const [request] = eks.received;
    expect(request).toMatchObject({ method: 'GET', url: '/clusters/shop-dr', body: '' });
    expect(request?.headers.accept).toBe('application/json');
    expect(request?.headers['x-amz-security-token']).toBe('TOKEN');
    expect(request?.headers.authorization).toMatch(
      new RegExp(`^AWS4-HMAC-SHA256 Credential=AKID/\\d{8}/${REGION}/eks/aws4_request, SignedHeaders=`),
    );
  });

  it('signs exactly what it sends: a server re-signing the received request gets the same signature', async () => {
    // Arrange
    eks.reply(200, JSON.stringify(ACTIVE_CLUSTER));

    // Act
    await client.describeCluster('shop_dr-2');

    // Assert
    const request = eks.received[0] as Received;
    const { authorization, signedHeaders } = await resignedAuthorization(request, {
      service: 'eks',
      region: REGION,
      credentials: CREDENTIALS,
    });
    expect(signedHeaders).toEqual(expect.arrayContaining(['host', 'x-amz-date', 'x-amz-security-token']));
    expect(authorization).toBe(request.headers.authorization);
  });

  it('returns undefined when EKS answers without a cluster', async () => {
    // Arrange
    eks.reply(200, '{}');

    // Act
    const cluster = await client.describeCluster('shop-dr');

    // Assert
    expect(cluster).toBeUndefined();
  });

  it('reads the error code from x-amzn-errortype, without its URI, and the message from the body', async () => {
    // Arrange
    eks.reply(404, JSON.stringify({ message: 'No cluster found for name: ghost.' }), {
      'x-amzn-errortype': 'ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.eks/',
      'x-amzn-requestid': 'req-404',
    });

    // Act
    const error = await client.describeCluster('ghost').catch((e: unknown) => e);

    // Assert
    expect(error).toBeInstanceOf(EksApiError);
    expect(error).toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'No cluster found for name: ghost.',
      $fault: 'client',
      $metadata: { httpStatusCode: 404, requestId: 'req-404' },
    });
    expect(awsErrorCode(error)).toBe('ResourceNotFoundException');
    expect(isTransientAwsError(error)).toBe(false);
  });

  it.each([
    [
      { __type: 'com.amazonaws.eks#AccessDeniedException', message: 'not allowed' },
      403,
      'AccessDeniedException',
    ],
    [{ code: 'ThrottlingException', Message: 'Rate exceeded' }, 400, 'ThrottlingException'],
  ])('falls back to the body for the code when the header is absent (%j)', async (body, status, code) => {
    // Arrange
    eks.reply(status, JSON.stringify(body));

    // Act
    const error = await client.describeCluster('shop-dr').catch((e: unknown) => e);

    // Assert
    expect(error).toBeInstanceOf(EksApiError);
    expect(awsErrorCode(error)).toBe(code);
    expect((error as Error).message).toMatch(/not allowed|Rate exceeded/);
  });

  it('counts throttling and 5xx refusals as transient', async () => {
    // Arrange
    eks.reply(429, JSON.stringify({ message: 'slow down' }), { 'x-amzn-errortype': 'ThrottlingException' });
    eks.reply(500, JSON.stringify({ message: 'oops' }), { 'x-amzn-errortype': 'ServerException' });

    // Act
    const throttled = await client.describeCluster('a').catch((e: unknown) => e);
    const server = await client.describeCluster('a').catch((e: unknown) => e);

    // Assert
    expect(isThrottlingError(throttled)).toBe(true);
    expect(server).toMatchObject({ name: 'ServerException', $fault: 'server' });
    expect(isTransientAwsError(server)).toBe(true);
  });

  it.each([
    [502, 'Bad Gateway', 'a body that is not JSON ("Bad Gateway")', true],
    [403, '{"unexpected":true}', 'no error code', false],
    [200, '{"cluster":"shop-dr"}', 'a "cluster" that is not an object', false],
  ])(
    'names the action and HTTP status of a garbled answer (%i %s)',
    async (status, body, problem, transient) => {
      // Arrange
      eks.reply(status, body);

      // Act
      const error = await client.describeCluster('shop-dr').catch((e: unknown) => e);

      // Assert
      expect(error).toBeInstanceOf(EksResponseError);
      expect((error as Error).message).toContain(
        `EKS DescribeCluster answered HTTP ${status} with ${problem}`,
      );
      expect(isTransientAwsError(error)).toBe(transient);
    },
  );

  it('reports a connection lost mid-answer as a transient AwsNetworkError naming EKS and the endpoint', async () => {
    // Arrange
    eks.replyWith((res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"cluster":{');
      setTimeout(() => res.socket?.destroy(), 10);
    });

    // Act
    const error = await client.describeCluster('shop-dr').catch((e: unknown) => e);

    // Assert
    expect(error).toBeInstanceOf(AwsNetworkError);
    expect((error as Error).message).toContain('EKS DescribeCluster at http://127.0.0.1');
    expect(isTransientAwsError(error)).toBe(true);
  });

  it('gives up on an answer that does not arrive within requestTimeoutMs', async () => {
    // Arrange
    const impatient = new EksRestClient({
      region: REGION,
      credentials: CREDENTIALS,
      endpoint: eks.endpoint(),
      requestTimeoutMs: 50,
    });
    eks.replyWith((res) => setTimeout(() => res.writeHead(200).end('{}'), 500));

    // Act
    const error = await impatient.describeCluster('shop-dr').catch((e: unknown) => e);

    // Assert
    expect(error).toMatchObject({ name: 'AwsNetworkError', code: 'ETIMEDOUT' });
    expect(isTransientAwsError(error)).toBe(true);
  });

  it('knows the public endpoints, China included, and refuses a region that is not one', () => {
    // Arrange
    const make = (region: string) => () => new EksRestClient({ region, credentials: CREDENTIALS });

    // Act
    const endpoints = ['eu-west-1', 'cn-north-1'].map(eksEndpoint);

    // Assert
    expect(endpoints).toEqual([
      'https://eks.eu-west-1.amazonaws.com',
      'https://eks.cn-north-1.amazonaws.com.cn',
    ]);
    expect(make('eu-west-1/evil')).toThrow('EKS client region "eu-west-1/evil": not an AWS region name');
    expect(
      () => new EksRestClient({ region: REGION, credentials: CREDENTIALS, endpoint: 'not a url' }),
    ).toThrow('EKS client endpoint not a url: not a URL');
  });
});
