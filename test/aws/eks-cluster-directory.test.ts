import { DescribeClusterCommand, EKSClient, ResourceNotFoundException } from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { EksClusterDirectory } from '../../src/aws/eks-cluster-directory.ts';

const eks = mockClient(EKSClient);

describe('EksClusterDirectory', () => {
  beforeEach(() => {
    eks.reset();
  });

  it('describes a cluster: endpoint, CA data, status, version and ARN', async () => {
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
    const cluster = await new EksClusterDirectory(new EKSClient({})).describeCluster('dr');

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
    eks
      .on(DescribeClusterCommand)
      .resolves({ cluster: { name: 'dr', arn: 'arn', status: 'CREATING', version: '1.31' } });

    // Act
    const cluster = await new EksClusterDirectory(new EKSClient({})).describeCluster('dr');

    // Assert
    expect(cluster.status).toBe('CREATING');
    expect(cluster).not.toHaveProperty('endpoint');
    expect(cluster).not.toHaveProperty('certificateAuthorityData');
  });

  it('maps ResourceNotFoundException to ClusterNotFoundError naming the cluster', async () => {
    // Arrange
    const sdkError = new ResourceNotFoundException({
      message: 'No cluster found for name: ghost.',
      $metadata: {},
    });
    eks.on(DescribeClusterCommand).rejects(sdkError);

    // Act
    const error = await new EksClusterDirectory(new EKSClient({}))
      .describeCluster('ghost')
      .catch((e: unknown) => e);

    // Assert
    expect(error).toMatchObject({ name: 'ClusterNotFoundError', cluster: 'ghost', cause: sdkError });
    expect((error as Error).message).toBe('cluster "ghost" not found');
  });

  it('rejects a name EKS could never hold without calling it', async () => {
    // Arrange
    const directory = new EksClusterDirectory(new EKSClient({}));

    // Act
    const error = await directory.describeCluster('no spaces/allowed').catch((e: unknown) => e);

    // Assert
    expect(error).toMatchObject({ name: 'ClusterNotFoundError', cluster: 'no spaces/allowed' });
    expect(eks).not.toHaveReceivedAnyCommand();
  });
});
