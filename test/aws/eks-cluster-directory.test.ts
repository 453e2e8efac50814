import {
  AccessDeniedException,
  DescribeClusterCommand,
  EKSClient,
  ResourceNotFoundException,
  ServerException,
} from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EksClusterDirectory } from '../../src/aws/eks-cluster-directory.ts';
import { loopbackAws } from './loopback-aws.ts';

const eks = mockClient(EKSClient);
const directory = () => new EksClusterDirectory(new EKSClient({}));
const metadata = { $metadata: {} };

describe('EksClusterDirectory', () => {
  beforeEach(() => {
    eks.reset();
  });

  it('describes a cluster with one DescribeCluster: endpoint, CA data, status, version and ARN', async () => {
    // Arrange
    eks.on(DescribeClusterCommand).resolves({
      cluster: {
        name: 'dr',
        arn: 'arn:aws:eks:eu-central-1:123456789012:cluster/dr',
        endpoint: 'https://ABC.gr7.eu-central-1.eks.amazonaws.com',
        certificateAuthority: { data: 'LS0tLS1CRUdJTg==' },
        status: 'ACTIVE',
        version: '1.31',
      },
    });

    // Act
    const cluster = await directory().describeCluster('dr');

    // Assert
    expect(eks).toHaveReceivedCommandExactlyOnceWith(DescribeClusterCommand, { name: 'dr' });
    expect(cluster).toEqual({
      name: 'dr',
      arn: 'arn:aws:eks:eu-central-1:123456789012:cluster/dr',
      endpoint: 'https://ABC.gr7.eu-central-1.eks.amazonaws.com',
      certificateAuthorityData: 'LS0tLS1CRUdJTg==',
      status: 'ACTIVE',
      version: '1.31',
    });
  });

  it('leaves endpoint and CA data out while the cluster is being created', async () => {
    // Arrange
    eks.on(DescribeClusterCommand).resolves({
      cluster: { name: 'dr', arn: 'arn', status: 'CREATING', version: '1.31' },
    });

    // Act
    const cluster = await directory().describeCluster('dr');

    // Assert
    expect(cluster.status).toBe('CREATING');
    expect(cluster).not.toHaveProperty('endpoint');
    expect(cluster).not.toHaveProperty('certificateAuthorityData');
  });

  it('maps ResourceNotFoundException to ClusterNotFoundError naming the cluster', async () => {
    // Arrange
    const notFound = new ResourceNotFoundException({
      message: 'No cluster found for name: ghost.',
      ...metadata,
    });
    eks.on(DescribeClusterCommand, { name: 'ghost' }).rejects(notFound);

    // Act
    const error = await directory()
      .describeCluster('ghost')
      .catch((e: unknown) => e);

    // Assert
    expect(error).toMatchObject({ name: 'ClusterNotFoundError', cluster: 'ghost', cause: notFound });
    expect((error as Error).message).toBe('cluster "ghost" not found');
    expect(eks).toHaveReceivedCommandTimes(DescribeClusterCommand, 1);
  });

  it('treats an answer without a cluster as not found, and an unknown status as an error naming it', async () => {
    // Arrange
    eks
      .on(DescribeClusterCommand)
      .resolvesOnce({})
      .resolvesOnce({ cluster: { name: 'dr', status: 'HIBERNATING' as never } });
    const clusters = directory();

    // Act
    const missing = await clusters.describeCluster('dr').catch((e: unknown) => e);
    const odd = await clusters.describeCluster('dr').catch((e: unknown) => e);

    // Assert
    expect(missing).toMatchObject({ name: 'ClusterNotFoundError', cluster: 'dr' });
    expect((odd as Error).message).toBe('cluster dr: EKS reported unknown status HIBERNATING');
  });

  it('turns a server fault the SDK gave up on into AwsTransientError naming EKS, the cluster and the code', async () => {
    // Arrange
    eks.on(DescribeClusterCommand).rejects(new ServerException({ message: 'oops', ...metadata }));

    // Act
    const error = await directory()
      .describeCluster('dr')
      .catch((e: unknown) => e);

    // Assert
    expect(error).toMatchObject({ name: 'AwsTransientError', service: 'EKS', code: 'ServerException' });
    expect((error as Error).message).toContain(
      'EKS DescribeCluster on dr failed transiently (ServerException)',
    );
  });

  it('turns a refusal such as AccessDenied into AwsRequestError', async () => {
    // Arrange
    eks.on(DescribeClusterCommand).rejects(new AccessDeniedException({ message: 'no access', ...metadata }));

    // Act
    const error = await directory()
      .describeCluster('dr')
      .catch((e: unknown) => e);

    // Assert
    expect(error).toMatchObject({ name: 'AwsRequestError', code: 'AccessDeniedException' });
  });

  it('rejects a name EKS could never hold without calling it', async () => {
    // Arrange
    const clusters = directory();

    // Act
    const error = await clusters.describeCluster('no spaces/allowed').catch((e: unknown) => e);

    // Assert
    expect(error).toMatchObject({ name: 'ClusterNotFoundError', cluster: 'no spaces/allowed' });
    expect(eks).not.toHaveReceivedAnyCommand();
  });
});

// aws-sdk-client-mock replaces `send`, so the SDK's retry never runs under it: a real client against a
// loopback EKS shows that throttling and 5xx are retried by the SDK, not by the directory.
describe('EksClusterDirectory over a real EKSClient', () => {
  const server = loopbackAws('application/json');
  const realDirectory = () =>
    new EksClusterDirectory(
      new EKSClient({
        region: 'eu-west-1',
        endpoint: server.endpoint(),
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      }),
    );

  beforeAll(async () => {
    eks.restore();
    await server.listen();
  });
  afterAll(() => server.close());
  beforeEach(() => server.reset());

  it('sends GET /clusters/<name> and has the SDK retry a throttled answer', async () => {
    // Arrange
    server.reply(429, JSON.stringify({ message: 'Rate exceeded' }), {
      'x-amzn-errortype': 'ThrottlingException',
    });
    server.reply(
      200,
      JSON.stringify({ cluster: { name: 'dr', arn: 'arn', status: 'ACTIVE', version: '1.31' } }),
    );

    // Act
    const cluster = await realDirectory().describeCluster('dr');

    // Assert
    expect(cluster.status).toBe('ACTIVE');
    expect(server.received.map((request) => `${request.method} ${request.url}`)).toEqual([
      'GET /clusters/dr',
      'GET /clusters/dr',
    ]);
    expect(String(server.received[0]?.headers.authorization)).toContain('/eu-west-1/eks/aws4_request');
  });

  it('gives up after the SDK’s three attempts at a 5xx with AwsTransientError', async () => {
    // Arrange
    for (let i = 0; i < 3; i++) {
      server.reply(503, JSON.stringify({ message: 'busy' }), {
        'x-amzn-errortype': 'ServiceUnavailableException',
      });
    }

    // Act
    const error = await realDirectory()
      .describeCluster('dr')
      .catch((e: unknown) => e);

    // Assert
    expect(error).toMatchObject({ name: 'AwsTransientError', code: 'ServiceUnavailableException' });
    expect(server.received).toHaveLength(3);
  });

  it('answers ResourceNotFoundException at once with ClusterNotFoundError', async () => {
    // Arrange
    server.reply(404, JSON.stringify({ message: 'No cluster found for name: ghost.' }), {
      'x-amzn-errortype': 'ResourceNotFoundException:http://internal.amazon.com/coral/com.amazonaws.eks/',
    });

    // Act
    const error = await realDirectory()
      .describeCluster('ghost')
      .catch((e: unknown) => e);

    // Assert
    expect(error).toMatchObject({ name: 'ClusterNotFoundError', cluster: 'ghost' });
    expect(server.received).toHaveLength(1);
  });
});
