import { type Cluster, DescribeClusterCommand, type EKSClient } from '@aws-sdk/client-eks';
import {
  type ClusterDirectory,
  type ClusterInfo,
  ClusterNotFoundError,
  type ClusterStatus,
} from '../failover/ports/clusters.ts';
import { awsErrorCode, unexpectedAwsError } from './errors.ts';

const CLUSTER_STATUSES: readonly ClusterStatus[] = [
  'CREATING',
  'ACTIVE',
  'DELETING',
  'FAILED',
  'UPDATING',
  'PENDING',
];

/**
 * ClusterDirectory over EKS DescribeCluster. Throttling, 5xx answers and lost connections are retried by
 * the client's own retry strategy; what still fails after it becomes AwsTransientError or AwsRequestError.
 */
export class EksClusterDirectory implements ClusterDirectory {
  constructor(private readonly eks: EKSClient) {}

  /** Endpoint, CA data, status and version of a cluster; ClusterNotFoundError for an unknown name. */
  async describeCluster(name: string): Promise<ClusterInfo> {
    if (typeof name !== 'string' || !/^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$/.test(name)) {
      throw new ClusterNotFoundError(name, {
        cause: new Error('an EKS cluster name is 1–100 letters, digits, - and _, starting alphanumeric'),
      });
    }
    let cluster: Cluster | undefined;
    try {
      ({ cluster } = await this.eks.send(new DescribeClusterCommand({ name })));
    } catch (error) {
      if (awsErrorCode(error) === 'ResourceNotFoundException')
        throw new ClusterNotFoundError(name, { cause: error });
      throw unexpectedAwsError('EKS', 'DescribeCluster', name, error);
    }
    if (!cluster) throw new ClusterNotFoundError(name);
    const status = cluster.status as ClusterStatus | undefined;
    if (!status || !CLUSTER_STATUSES.includes(status)) {
      throw new Error(`cluster ${name}: EKS reported unknown status ${String(cluster.status)}`);
    }
    return {
      name: cluster.name ?? name,
      arn: cluster.arn ?? '',
      status,
      version: cluster.version ?? '',
      ...(cluster.endpoint ? { endpoint: cluster.endpoint } : {}),
      ...(cluster.certificateAuthority?.data
        ? { certificateAuthorityData: cluster.certificateAuthority.data }
        : {}),
    };
  }
}
