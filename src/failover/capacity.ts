// Pilot-light capacity: DR node groups go from their pilot-light size to their target size before a restore
// and back afterwards. EKS reports an update Successful once the Auto Scaling group has its instances, which
// is before they are Ready nodes, so readiness also counts Ready nodes in the cluster itself.
import type { ClusterClient } from '../kube/cluster-client.ts';
import type { ApiResource, KubeObject } from '../kube/kube-object.ts';
import type { DrNodeGroup } from '../plan/index.ts';
import type { Now } from '../util/clock.ts';
import { CapacityTimeoutError, NodeGroupUpdateFailedError } from './errors.ts';
import {
  type NodeCapacity,
  type NodeGroupStatus,
  type UpdateStatus,
  validateScalingConfig,
} from './ports/capacity.ts';

/** Node groups on AWS take minutes to add nodes; past this the workflow fails instead of waiting forever. */
export const DEFAULT_CAPACITY_DEADLINE_MINUTES = 20;

/** Which way node groups move. */
export type ScalingAction = 'scaleUp' | 'scaleDown';

/** One node group update started by scaleUp or scaleDown. */
export interface NodeGroupUpdateRef {
  cluster: string;
  nodegroup: string;
  updateId: string;
  desired: number;
}

/**
 * A started scaling: the updates to watch and the deadline, written to `steps.scaleUp.result` and handed
 * back to `status` (the state machine passes it as `updates`), so the Lambda needs no memory between polls.
 */
export interface ScalingOperation {
  action: ScalingAction;
  cluster: string;
  startedAt: string;
  deadline: string;
  updates: NodeGroupUpdateRef[];
}

/** One node group as `status` saw it. */
export interface NodeGroupProgress {
  nodegroup: string;
  status: NodeGroupStatus;
  updateStatus: UpdateStatus;
  desired: number;
  /** Ready nodes labelled with this node group. */
  readyNodes: number;
}

/** The answer of `status`: `ready` ends the wait loop. */
export interface CapacityStatus {
  ready: boolean;
  cluster: string;
  /** Ready nodes in the cluster, whatever their node group. */
  readyNodes: number;
  /** Ready nodes needed: the sum of the desired sizes (scale-up), 0 for a scale-down. */
  requiredNodes: number;
  nodegroups: NodeGroupProgress[];
}

/** Collaborators of CapacityManager. */
export interface CapacityManagerDependencies {
  /** The cluster whose node groups move (the plan's DR cluster). */
  clusterName: string;
  nodeGroups: readonly DrNodeGroup[];
  capacity: NodeCapacity;
  /** The same cluster's API, to count Ready nodes. */
  cluster: ClusterClient;
  /** @default DEFAULT_CAPACITY_DEADLINE_MINUTES */
  deadlineMinutes?: number;
  now?: Now;
}

const NODES: ApiResource = {
  group: '',
  version: 'v1',
  resource: 'nodes',
  kind: 'Node',
  namespaced: false,
  verbs: ['list'],
};
const NODEGROUP_LABEL = 'eks.amazonaws.com/nodegroup';
const NODE_PAGE = 500;

/** Scales the plan's DR node groups and tells when the capacity is there. */
export class CapacityManager {
  readonly #deps: CapacityManagerDependencies;

  constructor(deps: CapacityManagerDependencies) {
    this.#deps = deps;
  }

  /** Every node group to its target size. */
  scaleUp(): Promise<ScalingOperation> {
    return this.#scale('scaleUp');
  }

  /** Every node group back to its pilot-light size. */
  scaleDown(): Promise<ScalingOperation> {
    return this.#scale('scaleDown');
  }

  /** Ready once every update is Successful, every node group ACTIVE and enough nodes Ready; throws when failed or late. */
  async status(operation: ScalingOperation): Promise<CapacityStatus> {
    const { capacity } = this.#deps;
    const nodegroups: NodeGroupProgress[] = [];
    for (const update of operation.updates) {
      const described = await capacity.describeUpdate(update.cluster, update.nodegroup, update.updateId);
      if (described.status === 'Failed' || described.status === 'Cancelled') {
        throw new NodeGroupUpdateFailedError(
          update.cluster,
          update.nodegroup,
          update.updateId,
          described.status,
          described.errors.map((error) => `${error.code}: ${error.message}`),
        );
      }
      const group = await capacity.describeNodeGroup(update.cluster, update.nodegroup);
      nodegroups.push({
        nodegroup: update.nodegroup,
        status: group.status,
        updateStatus: described.status,
        desired: update.desired,
        readyNodes: 0,
      });
    }
    const ready = await this.#readyNodes();
    for (const group of nodegroups) group.readyNodes = ready.byGroup.get(group.nodegroup) ?? 0;
    const requiredNodes =
      operation.action === 'scaleUp' ? operation.updates.reduce((sum, update) => sum + update.desired, 0) : 0;
    const done =
      nodegroups.every((group) => group.updateStatus === 'Successful' && group.status === 'ACTIVE') &&
      ready.total >= requiredNodes;
    const result: CapacityStatus = {
      ready: done,
      cluster: operation.cluster,
      readyNodes: ready.total,
      requiredNodes,
      nodegroups,
    };
    if (!done && this.#now().getTime() > Date.parse(operation.deadline)) {
      const waiting = nodegroups
        .filter((group) => group.updateStatus !== 'Successful' || group.status !== 'ACTIVE')
        .map((group) => `${group.nodegroup} ${group.status}/${group.updateStatus}`);
      throw new CapacityTimeoutError(
        operation.cluster,
        operation.deadline,
        `${ready.total} of ${requiredNodes} nodes Ready${waiting.length > 0 ? `; waiting for ${waiting.join(', ')}` : ''}`,
      );
    }
    return result;
  }

  async #scale(action: ScalingAction): Promise<ScalingOperation> {
    const { clusterName, nodeGroups, capacity } = this.#deps;
    const sizes = nodeGroups.map((group) => ({
      name: group.name,
      size: action === 'scaleUp' ? group.targetSize : group.pilotLightSize,
    }));
    // Every size is checked before the first call, so a bad one never leaves half the groups scaled.
    for (const { name, size } of sizes) validateScalingConfig(name, size);
    const startedAt = this.#now();
    const minutes = this.#deps.deadlineMinutes ?? DEFAULT_CAPACITY_DEADLINE_MINUTES;
    const updates: NodeGroupUpdateRef[] = [];
    for (const { name, size } of sizes) {
      const updateId = await capacity.scaleNodeGroup(clusterName, name, {
        min: size.min,
        desired: size.desired,
        max: size.max,
      });
      updates.push({ cluster: clusterName, nodegroup: name, updateId, desired: size.desired });
    }
    return {
      action,
      cluster: clusterName,
      startedAt: startedAt.toISOString(),
      deadline: new Date(startedAt.getTime() + minutes * 60_000).toISOString(),
      updates,
    };
  }

  async #readyNodes(): Promise<{ total: number; byGroup: Map<string, number> }> {
    const byGroup = new Map<string, number>();
    let total = 0;
    let continueToken: string | undefined;
    do {
      const page = await this.#deps.cluster.listPage({
        resource: NODES,
        limit: NODE_PAGE,
        ...(continueToken ? { continueToken } : {}),
      });
      for (const node of page.items) {
        if (!isReady(node)) continue;
        total += 1;
        const group = node.metadata.labels?.[NODEGROUP_LABEL];
        if (group !== undefined) byGroup.set(group, (byGroup.get(group) ?? 0) + 1);
      }
      continueToken = page.continueToken;
    } while (continueToken);
    return { total, byGroup };
  }

  #now(): Date {
    return (this.#deps.now ?? (() => new Date()))();
  }
}

function isReady(node: KubeObject): boolean {
  const conditions = node.status?.conditions;
  return (
    Array.isArray(conditions) &&
    conditions.some(
      (condition) =>
        typeof condition === 'object' &&
        condition !== null &&
        (condition as { type?: unknown }).type === 'Ready' &&
        (condition as { status?: unknown }).status === 'True',
    )
  );
}
