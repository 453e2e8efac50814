import {
  DescribeNodegroupCommand,
  DescribeUpdateCommand,
  type EKSClient,
  type Nodegroup,
  type Update,
  UpdateNodegroupConfigCommand,
} from '@aws-sdk/client-eks';
import {
  InvalidScalingConfigError,
  type NodeCapacity,
  NodeGroupBusyError,
  NodeGroupNotFoundError,
  type NodeGroupState,
  type NodeGroupStatus,
  type NodeGroupUpdate,
  NodeGroupUpdateNotFoundError,
  type ScalingConfig,
  type UpdateStatus,
  validateScalingConfig,
} from '../failover/ports/capacity.ts';
import { ClusterNotFoundError } from '../failover/ports/clusters.ts';
import { awsErrorCode, errorMessage, unexpectedAwsError } from './errors.ts';

const NODEGROUP_STATUSES: readonly NodeGroupStatus[] = [
  'CREATING',
  'ACTIVE',
  'UPDATING',
  'DELETING',
  'CREATE_FAILED',
  'DELETE_FAILED',
  'DEGRADED',
];
const UPDATE_STATUSES: readonly UpdateStatus[] = ['InProgress', 'Successful', 'Failed', 'Cancelled'];

/** NodeCapacity over EKS managed node groups (UpdateNodegroupConfig, DescribeNodegroup, DescribeUpdate). */
export class EksNodeCapacity implements NodeCapacity {
  constructor(private readonly eks: EKSClient) {}

  /** Sets min/desired/max in one UpdateNodegroupConfig call; resolves with the update id. */
  async scaleNodeGroup(cluster: string, nodegroup: string, scaling: ScalingConfig): Promise<string> {
    validateScalingConfig(nodegroup, scaling);
    let update: Update | undefined;
    try {
      ({ update } = await this.eks.send(
        new UpdateNodegroupConfigCommand({
          clusterName: cluster,
          nodegroupName: nodegroup,
          scalingConfig: { minSize: scaling.min, desiredSize: scaling.desired, maxSize: scaling.max },
        }),
      ));
    } catch (error) {
      switch (awsErrorCode(error)) {
        case 'ResourceNotFoundException':
          throw notFound(
            cluster,
            error,
            () => new NodeGroupNotFoundError(cluster, nodegroup, { cause: error }),
          );
        case 'ResourceInUseException':
          throw new NodeGroupBusyError(nodegroup, errorMessage(error), { cause: error });
        case 'InvalidParameterException':
        case 'InvalidRequestException':
          throw new InvalidScalingConfigError(nodegroup, errorMessage(error), { cause: error });
        default:
          throw unexpectedAwsError('EKS', 'UpdateNodegroupConfig', `${cluster}/${nodegroup}`, error);
      }
    }
    if (!update?.id) throw new Error(`node group ${nodegroup}: UpdateNodegroupConfig returned no update id`);
    return update.id;
  }

  /** Status, sizes and health issues of the node group (EKS does not know how many nodes are Ready). */
  async describeNodeGroup(cluster: string, nodegroup: string): Promise<NodeGroupState> {
    let group: Nodegroup | undefined;
    try {
      ({ nodegroup: group } = await this.eks.send(
        new DescribeNodegroupCommand({ clusterName: cluster, nodegroupName: nodegroup }),
      ));
    } catch (error) {
      if (awsErrorCode(error) === 'ResourceNotFoundException') {
        throw notFound(
          cluster,
          error,
          () => new NodeGroupNotFoundError(cluster, nodegroup, { cause: error }),
        );
      }
      throw unexpectedAwsError('EKS', 'DescribeNodegroup', `${cluster}/${nodegroup}`, error);
    }
    if (!group) throw new NodeGroupNotFoundError(cluster, nodegroup);
    const status = group.status as NodeGroupStatus | undefined;
    if (!status || !NODEGROUP_STATUSES.includes(status)) {
      throw new Error(`node group ${nodegroup}: EKS reported unknown status ${String(group.status)}`);
    }
    return {
      cluster,
      nodegroup,
      status,
      min: group.scalingConfig?.minSize ?? 0,
      desired: group.scalingConfig?.desiredSize ?? 0,
      max: group.scalingConfig?.maxSize ?? 0,
      issues: (group.health?.issues ?? []).map((issue) =>
        `${issue.code ?? 'Unknown'}: ${issue.message ?? ''}`.trimEnd(),
      ),
    };
  }

  /** How a scaling update is going, with the errors EKS reported when it failed. */
  async describeUpdate(cluster: string, nodegroup: string, updateId: string): Promise<NodeGroupUpdate> {
    let update: Update | undefined;
    try {
      ({ update } = await this.eks.send(
        new DescribeUpdateCommand({ name: cluster, nodegroupName: nodegroup, updateId }),
      ));
    } catch (error) {
      if (awsErrorCode(error) === 'ResourceNotFoundException') {
        throw notFound(
          cluster,
          error,
          () => new NodeGroupUpdateNotFoundError(nodegroup, updateId, { cause: error }),
        );
      }
      throw unexpectedAwsError('EKS', 'DescribeUpdate', `${cluster}/${nodegroup}`, error);
    }
    if (!update) throw new NodeGroupUpdateNotFoundError(nodegroup, updateId);
    const status = update.status as UpdateStatus | undefined;
    if (!status || !UPDATE_STATUSES.includes(status)) {
      throw new Error(`update ${updateId}: EKS reported unknown status ${String(update.status)}`);
    }
    return {
      id: update.id ?? updateId,
      status,
      errors: (update.errors ?? []).map((e) => ({
        code: e.errorCode ?? 'Unknown',
        message: e.errorMessage ?? '',
      })),
    };
  }
}

// EKS answers ResourceNotFoundException for a missing cluster too, saying so only in the message
// ("No cluster found for name: dr.").
function notFound(cluster: string, error: unknown, otherwise: () => Error): Error {
  return /no cluster found/i.test(errorMessage(error))
    ? new ClusterNotFoundError(cluster, { cause: error })
    : otherwise();
}
