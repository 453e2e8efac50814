import { describe, expect, it } from 'vitest';
import { EksClusterDirectory } from '../../src/aws/eks-cluster-directory.ts';
import {
  EksApiError,
  type EksClusterApi,
  type EksClusterDescription,
} from '../../src/aws/eks-rest-client.ts';

/** An EksClusterApi that answers from a script, in order, and records the names asked for. */
function scriptedEks(...answers: (EksClusterDescription | undefined | Error)[]) {
  const asked: string[] = [];
  const api: EksClusterApi = {
    async describeCluster(name) {
      asked.push(name);
      const answer = answers.shift();
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
  return { api, asked };
}

const noWait = { maxAttempts: 3, sleep: async () => {} };

describe('EksClusterDirectory', () => {
  it('describes a cluster: endpoint, CA data, status, version and ARN', async () => {
    // Arrange
    const eks = scriptedEks({
      name: 'dr',
      arn: 'arn:aws:eks:eu-central-1:123456789012:cluster/dr',
      endpoint: 'https://ABC.gr7.eu-central-1.eks.amazonaws.com',
      certificateAuthority: { data: 'LS0tLS1CRUdJTg==' },
      status: 'ACTIVE',
      version: '1.31',
    });

    // Act
    const cluster = await new EksClusterDirectory(eks.api).describeCluster('dr');

    // Assert
    expect(eks.asked).toEqual(['dr']);
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
    const eks = scriptedEks({ name: 'dr', arn: 'arn', status: 'CREATING', version: '1.31' });

    // Act
    const cluster = await new EksClusterDirectory(eks.api).describeCluster('dr');

    // Assert
    expect(cluster.status).toBe('CREATING');
    expect(cluster).not.toHaveProperty('endpoint');
    expect(cluster).not.toHaveProperty('certificateAuthorityData');
  });

  it('maps ResourceNotFoundException to ClusterNotFoundError naming the cluster, without retrying', async () => {
    // Arrange
    const notFound = new EksApiError(
      'DescribeCluster',
      'ResourceNotFoundException',
      'No cluster found',
      404,
      'r',
    );
    const eks = scriptedEks(notFound);

    // Act
    const error = await new EksClusterDirectory(eks.api, noWait)
      .describeCluster('ghost')
      .catch((e: unknown) => e);

    // Assert
    expect(error).toMatchObject({ name: 'ClusterNotFoundError', cluster: 'ghost', cause: notFound });
    expect((error as Error).message).toBe('cluster "ghost" not found');
    expect(eks.asked).toEqual(['ghost']);
  });

  it('treats an answer without a cluster as not found, and an unknown status as an error naming it', async () => {
    // Arrange
    const eks = scriptedEks(undefined, { name: 'dr', status: 'HIBERNATING' });
    const directory = new EksClusterDirectory(eks.api);

    // Act
    const missing = await directory.describeCluster('dr').catch((e: unknown) => e);
    const odd = await directory.describeCluster('dr').catch((e: unknown) => e);

    // Assert
    expect(missing).toMatchObject({ name: 'ClusterNotFoundError', cluster: 'dr' });
    expect((odd as Error).message).toBe('cluster dr: EKS reported unknown status HIBERNATING');
  });

  it('retries throttling and server faults, then answers', async () => {
    // Arrange
    const eks = scriptedEks(
      new EksApiError('DescribeCluster', 'ThrottlingException', 'Rate exceeded', 429, 'r1'),
      new EksApiError('DescribeCluster', 'ServerException', 'oops', 500, 'r2'),
      { name: 'dr', arn: 'arn', status: 'ACTIVE', version: '1.31' },
    );

    // Act
    const cluster = await new EksClusterDirectory(eks.api, noWait).describeCluster('dr');

    // Assert
    expect(cluster.status).toBe('ACTIVE');
    expect(eks.asked).toEqual(['dr', 'dr', 'dr']);
  });

  it('gives up after the last attempt with AwsTransientError naming EKS, the cluster and the code', async () => {
    // Arrange
    const throttle = () =>
      new EksApiError('DescribeCluster', 'ThrottlingException', 'Rate exceeded', 429, 'r');
    const eks = scriptedEks(throttle(), throttle(), throttle());

    // Act
    const error = await new EksClusterDirectory(eks.api, noWait)
      .describeCluster('dr')
      .catch((e: unknown) => e);

    // Assert
    expect(error).toMatchObject({ name: 'AwsTransientError', service: 'EKS', code: 'ThrottlingException' });
    expect((error as Error).message).toContain(
      'EKS DescribeCluster on dr failed transiently (ThrottlingException)',
    );
    expect(eks.asked).toHaveLength(3);
  });

  it('turns a refusal such as AccessDenied into AwsRequestError at once', async () => {
    // Arrange
    const eks = scriptedEks(
      new EksApiError('DescribeCluster', 'AccessDeniedException', 'no access', 403, 'r'),
    );

    // Act
    const error = await new EksClusterDirectory(eks.api, noWait)
      .describeCluster('dr')
      .catch((e: unknown) => e);

    // Assert
    expect(error).toMatchObject({ name: 'AwsRequestError', code: 'AccessDeniedException' });
    expect(eks.asked).toHaveLength(1);
  });

  it('rejects a name EKS could never hold without calling it', async () => {
    // Arrange
    const eks = scriptedEks();
    const directory = new EksClusterDirectory(eks.api);

    // Act
    const error = await directory.describeCluster('no spaces/allowed').catch((e: unknown) => e);

    // Assert
    expect(error).toMatchObject({ name: 'ClusterNotFoundError', cluster: 'no spaces/allowed' });
    expect(eks.asked).toEqual([]);
  });
});
