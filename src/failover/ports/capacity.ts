// Port of node capacity: EKS managed node groups, scaled by `src/aws/eks-node-capacity.ts` and
// `sandbox/aws/sandbox-eks.ts`. Step Functions Retry/Catch match on the error `name`s: keep them stable.
import type { FailoverErrorOptions } from '../errors.ts';

/** Lifecycle of a managed node group, as EKS reports it. */
export type NodeGroupStatus =
  | 'CREATING'
  | 'ACTIVE'
  | 'UPDATING'
  | 'DELETING'
  | 'CREATE_FAILED'
  | 'DELETE_FAILED'
  | 'DEGRADED';

/** Outcome of one asynchronous EKS update. */
export type UpdateStatus = 'InProgress' | 'Successful' | 'Failed' | 'Cancelled';

/** Size bounds of a node group; EKS requires min ≤ desired ≤ max and max ≥ 1. */
export interface ScalingConfig {
  min: number;
  desired: number;
  max: number;
}

/** What a node group looks like now. */
export interface NodeGroupState extends ScalingConfig {
  cluster: string;
  nodegroup: string;
  status: NodeGroupStatus;
  /** Nodes registered and Ready in Kubernetes, when the provider knows it (EKS itself does not). */
  readyNodes?: number;
  /** Status of the newest update of this node group, when the provider tracks it. */
  updateStatus?: UpdateStatus;
  /** Health issues (`AsgInstanceLaunchFailures: ...`), empty when healthy. */
  issues: string[];
}

/** One error an update reported. */
export interface UpdateErrorDetail {
  code: string;
  message: string;
}

/** An asynchronous node group update and how it ended. */
export interface NodeGroupUpdate {
  id: string;
  status: UpdateStatus;
  errors: UpdateErrorDetail[];
}

/** Scales EKS managed node groups and reports their progress. */
export interface NodeCapacity {
  /** Starts a scaling update; resolves with the update id to poll with `describeUpdate`. */
  scaleNodeGroup(cluster: string, nodegroup: string, scaling: ScalingConfig): Promise<string>;
  describeNodeGroup(cluster: string, nodegroup: string): Promise<NodeGroupState>;
  describeUpdate(cluster: string, nodegroup: string, updateId: string): Promise<NodeGroupUpdate>;
}

/** Throws InvalidScalingConfigError unless the sizes are whole numbers with 0 ≤ min ≤ desired ≤ max, max ≥ 1. */
export function validateScalingConfig(nodegroup: string, scaling: ScalingConfig): void {
  for (const field of ['min', 'desired', 'max'] as const) {
    const value = scaling[field];
    if (!Number.isInteger(value) || value < 0) {
      throw new InvalidScalingConfigError(nodegroup, `${field} ${String(value)} must be a whole number ≥ 0`);
    }
  }
  if (scaling.max < 1) throw new InvalidScalingConfigError(nodegroup, `max ${scaling.max} must be ≥ 1`);
  if (scaling.min > scaling.desired || scaling.desired > scaling.max) {
    throw new InvalidScalingConfigError(
      nodegroup,
      `expected min ≤ desired ≤ max, got min ${scaling.min}, desired ${scaling.desired}, max ${scaling.max}`,
    );
  }
}

/** A node group the cluster does not have. */
export class NodeGroupNotFoundError extends Error {
  constructor(
    readonly cluster: string,
    readonly nodegroup: string,
    options: FailoverErrorOptions = {},
  ) {
    super(`node group ${JSON.stringify(nodegroup)} not found in cluster ${JSON.stringify(cluster)}`, options);
    this.name = 'NodeGroupNotFoundError';
  }
}

/** An update id the node group does not know. */
export class NodeGroupUpdateNotFoundError extends Error {
  constructor(
    readonly nodegroup: string,
    readonly updateId: string,
    options: FailoverErrorOptions = {},
  ) {
    super(
      `update ${JSON.stringify(updateId)} not found for node group ${JSON.stringify(nodegroup)}`,
      options,
    );
    this.name = 'NodeGroupUpdateNotFoundError';
  }
}

/** The node group is busy with another update or state change; retry later. */
export class NodeGroupBusyError extends Error {
  constructor(
    readonly nodegroup: string,
    detail: string,
    options: FailoverErrorOptions = {},
  ) {
    super(`node group ${JSON.stringify(nodegroup)}: ${detail}`, options);
    this.name = 'NodeGroupBusyError';
  }
}

/** Scaling sizes that are inconsistent, or that EKS refused (above the account limit, for instance). */
export class InvalidScalingConfigError extends Error {
  constructor(
    readonly nodegroup: string,
    detail: string,
    options: FailoverErrorOptions = {},
  ) {
    super(`scaling config of node group ${JSON.stringify(nodegroup)}: ${detail}`, options);
    this.name = 'InvalidScalingConfigError';
  }
}
