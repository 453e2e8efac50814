// Port of the cluster directory: how to reach a cluster's API server, from `src/aws/eks-cluster-directory.ts`
// or the sandbox. Step Functions Retry/Catch match on the error `name`s: keep them stable.
import type { FailoverErrorOptions } from '../errors.ts';

/** Lifecycle of an EKS cluster. */
export type ClusterStatus = 'CREATING' | 'ACTIVE' | 'DELETING' | 'FAILED' | 'UPDATING' | 'PENDING';

/** How to reach a cluster's API server. */
export interface ClusterInfo {
  name: string;
  arn: string;
  status: ClusterStatus;
  version: string;
  /** API server URL; absent while the cluster is being created. */
  endpoint?: string;
  /** Base64 PEM of the cluster CA; absent while creating, and for the plain-HTTP sandbox. */
  certificateAuthorityData?: string;
}

/** Looks up clusters by name. */
export interface ClusterDirectory {
  /** Rejects with ClusterNotFoundError for a name the region does not know. */
  describeCluster(name: string): Promise<ClusterInfo>;
}

/** A cluster name the region does not know. */
export class ClusterNotFoundError extends Error {
  constructor(
    readonly cluster: string,
    options: FailoverErrorOptions = {},
  ) {
    super(`cluster ${JSON.stringify(cluster)} not found`, options);
    this.name = 'ClusterNotFoundError';
  }
}
