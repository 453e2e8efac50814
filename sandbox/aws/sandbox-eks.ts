// EKS on the sandbox: clusters are Kubernetes API simulators, node groups are counts of simulated nodes.
// A scale-up takes the modelled boot time of an EC2 node joining a cluster before its nodes register
// Ready, so workloads in the simulator stay unready until then, as they would on AWS.
import { randomUUID } from 'node:crypto';
import { awsPartition } from '../../src/aws/partitions.ts';
import {
  type NodeCapacity,
  NodeGroupBusyError,
  NodeGroupNotFoundError,
  type NodeGroupState,
  type NodeGroupStatus,
  type NodeGroupUpdate,
  NodeGroupUpdateNotFoundError,
  type ScalingConfig,
  type UpdateErrorDetail,
  validateScalingConfig,
} from '../../src/failover/ports/capacity.ts';
import {
  type ClusterDirectory,
  type ClusterInfo,
  ClusterNotFoundError,
} from '../../src/failover/ports/clusters.ts';
import type { ResourceInfo } from '../kube/discovery-catalog.ts';
import type { KubeApiSimulator } from '../kube/simulator.ts';
import type { SandboxClock } from './sandbox-clock.ts';

/** A node group as the sandbox starts it. */
export interface SandboxNodeGroupSpec extends ScalingConfig {
  name: string;
  /** Extra Kubernetes labels on its nodes. */
  labels?: Record<string, string>;
}

/** A cluster of the sandbox: its API server is a simulator. */
export interface SandboxClusterSpec {
  name: string;
  simulator: KubeApiSimulator;
  /** @default '1.31' */
  version?: string;
  nodegroups?: SandboxNodeGroupSpec[];
}

/** How an update should fail (the fault hook). */
export interface NodeGroupFault {
  /** @default 'NodeCreationFailure' */
  code?: string;
  /** @default 'Instances failed to join the kubernetes cluster' */
  message?: string;
}

/** Options of SandboxEks; durations are modelled seconds, taken from what AWS users observe. */
export interface SandboxEksOptions {
  clock: SandboxClock;
  /** @default 'eu-central-1' */
  region?: string;
  /** @default '000000000000' */
  accountId?: string;
  /**
   * Launch to Ready of a new node, drawn uniformly from the range for each scale-up.
   * @default { min: 60, max: 90 }
   */
  nodeBootSeconds?: { min: number; max: number };
  /**
   * Cordon, drain and terminate on a scale-down.
   * @default 30
   */
  nodeDrainSeconds?: number;
  /**
   * An update that changes no node count (only min or max).
   * @default 5
   */
  configOnlySeconds?: number;
  /** A number in [0, 1) for the boot-time draw; tests pin it. @default Math.random */
  random?: () => number;
}

interface NodeGroupRecord {
  cluster: string;
  name: string;
  index: number;
  min: number;
  desired: number;
  max: number;
  labels: Record<string, string>;
  status: NodeGroupStatus;
  nodes: string[];
  issues: string[];
  updates: Map<string, NodeGroupUpdate>;
  latestUpdate?: string;
  batches: number;
  fault?: Required<NodeGroupFault>;
}

interface ClusterRecord {
  name: string;
  simulator: KubeApiSimulator;
  version: string;
  nodegroups: Map<string, NodeGroupRecord>;
}

/** NodeCapacity and ClusterDirectory in memory, over Kubernetes API simulators, on a compressed clock. */
export class SandboxEks implements NodeCapacity, ClusterDirectory {
  readonly #clusters = new Map<string, ClusterRecord>();
  readonly #pending = new Set<Promise<void>>();
  readonly #clock: SandboxClock;
  readonly #options: SandboxEksOptions;

  constructor(options: SandboxEksOptions) {
    const boot = options.nodeBootSeconds ?? { min: 60, max: 90 };
    if (!(boot.min >= 0) || !(boot.max >= boot.min)) {
      throw new RangeError(
        `SandboxEks option nodeBootSeconds ${JSON.stringify(boot)}: expected 0 ≤ min ≤ max`,
      );
    }
    this.#clock = options.clock;
    this.#options = options;
  }

  /** Registers a cluster; node groups with desired > 0 get their Ready nodes at once (pilot light). */
  addCluster(spec: SandboxClusterSpec): void {
    if (this.#clusters.has(spec.name)) throw new Error(`sandbox cluster ${spec.name} is already registered`);
    for (const group of spec.nodegroups ?? []) validateScalingConfig(group.name, group);
    const cluster: ClusterRecord = {
      name: spec.name,
      simulator: spec.simulator,
      version: spec.version ?? '1.31',
      nodegroups: new Map(),
    };
    for (const group of spec.nodegroups ?? []) {
      const record: NodeGroupRecord = {
        cluster: spec.name,
        name: group.name,
        index: cluster.nodegroups.size + 1,
        min: group.min,
        desired: group.desired,
        max: group.max,
        labels: group.labels ?? {},
        status: 'ACTIVE',
        nodes: [],
        issues: [],
        updates: new Map(),
        batches: 0,
      };
      cluster.nodegroups.set(group.name, record);
      this.#launch(cluster, record, group.desired);
    }
    this.#clusters.set(spec.name, cluster);
  }

  /** Makes the next update of the node group fail after the boot time, leaving it DEGRADED. */
  failNextUpdate(cluster: string, nodegroup: string, fault: NodeGroupFault = {}): void {
    const group = this.#group(cluster, nodegroup);
    group.fault = {
      code: fault.code ?? 'NodeCreationFailure',
      message: fault.message ?? 'Instances failed to join the kubernetes cluster',
    };
  }

  /** Names of the nodes a node group has registered in its simulator. */
  nodeNames(cluster: string, nodegroup: string): string[] {
    return [...this.#group(cluster, nodegroup).nodes];
  }

  /** Resolves once every update in flight has finished (for tests and the demo's shutdown). */
  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  /** Starts an update: UPDATING now, nodes Ready (or removed) after the modelled time, then ACTIVE. */
  async scaleNodeGroup(cluster: string, nodegroup: string, scaling: ScalingConfig): Promise<string> {
    validateScalingConfig(nodegroup, scaling);
    const record = this.#cluster(cluster);
    const group = this.#group(cluster, nodegroup);
    if (group.status !== 'ACTIVE' && group.status !== 'DEGRADED') {
      throw new NodeGroupBusyError(
        nodegroup,
        `Nodegroup cannot be updated as it is currently in ${group.status} state`,
      );
    }
    const update: NodeGroupUpdate = { id: randomUUID(), status: 'InProgress', errors: [] };
    group.updates.set(update.id, update);
    group.latestUpdate = update.id;
    group.status = 'UPDATING';
    const from = group.nodes.length;
    Object.assign(group, { min: scaling.min, desired: scaling.desired, max: scaling.max });
    const fault = group.fault;
    group.fault = undefined;
    const seconds = this.#modelledSeconds(from, scaling.desired, fault !== undefined);
    const startedAt = this.#clock.now();
    const realStart = performance.now();
    const done = this.#clock.sleep(seconds * 1000).then(() => {
      let failure = fault;
      if (!failure) {
        try {
          this.#converge(record, group, update);
        } catch (error) {
          // The simulator refused a node: report it as EKS would, on the update, rather than lose it.
          failure = {
            code: 'NodeCreationFailure',
            message: error instanceof Error ? error.message : String(error),
          };
        }
      }
      if (failure) this.#fail(group, update, failure);
      this.#clock.record({
        label: `eks ${cluster}/${nodegroup} ${from}→${scaling.desired} nodes${failure ? ' (failed)' : ''}`,
        startedAt,
        modelledMs: seconds * 1000,
        realMs: performance.now() - realStart,
      });
    });
    const tracked = done.finally(() => this.#pending.delete(tracked));
    this.#pending.add(tracked);
    return update.id;
  }

  /** Status, sizes, Ready nodes in the simulator and the newest update's status. */
  async describeNodeGroup(cluster: string, nodegroup: string): Promise<NodeGroupState> {
    const record = this.#cluster(cluster);
    const group = this.#group(cluster, nodegroup);
    const latest = group.latestUpdate ? group.updates.get(group.latestUpdate) : undefined;
    return {
      cluster,
      nodegroup,
      status: group.status,
      min: group.min,
      desired: group.desired,
      max: group.max,
      readyNodes: group.nodes.filter((name) =>
        isNodeReady(record.simulator, nodeInfo(record.simulator), name),
      ).length,
      ...(latest ? { updateStatus: latest.status } : {}),
      issues: [...group.issues],
    };
  }

  /** One update of the node group. */
  async describeUpdate(cluster: string, nodegroup: string, updateId: string): Promise<NodeGroupUpdate> {
    const update = this.#group(cluster, nodegroup).updates.get(updateId);
    if (!update) throw new NodeGroupUpdateNotFoundError(nodegroup, updateId);
    return { ...update, errors: update.errors.map((e) => ({ ...e })) };
  }

  /** The cluster's simulator URL as its endpoint (plain HTTP, so no CA data); ClusterNotFoundError if unknown. */
  async describeCluster(name: string): Promise<ClusterInfo> {
    const cluster = this.#cluster(name);
    const region = this.#options.region ?? 'eu-central-1';
    const account = this.#options.accountId ?? '000000000000';
    let endpoint: string | undefined;
    try {
      endpoint = cluster.simulator.url;
    } catch {
      // A simulator that is not listening has no endpoint yet, like a cluster still being created.
      endpoint = undefined;
    }
    return {
      name,
      arn: `arn:${awsPartition(region).name}:eks:${region}:${account}:cluster/${name}`,
      status: 'ACTIVE',
      version: cluster.version,
      ...(endpoint ? { endpoint } : {}),
    };
  }

  #modelledSeconds(from: number, to: number, failing: boolean): number {
    if (to > from || failing) {
      const { min, max } = this.#options.nodeBootSeconds ?? { min: 60, max: 90 };
      return min + (max - min) * (this.#options.random ?? Math.random)();
    }
    if (to < from) return this.#options.nodeDrainSeconds ?? 30;
    return this.#options.configOnlySeconds ?? 5;
  }

  #converge(cluster: ClusterRecord, group: NodeGroupRecord, update: NodeGroupUpdate): void {
    const delta = group.desired - group.nodes.length;
    if (delta > 0) this.#launch(cluster, group, delta);
    if (delta < 0) {
      const info = nodeInfo(cluster.simulator);
      // Newest first, as the Auto Scaling group's default termination policy roughly does.
      for (const name of group.nodes.splice(delta)) {
        try {
          cluster.simulator.api.delete(info, '', name, {});
        } catch {
          // Someone deleted the node object already; the instance is gone either way.
        }
      }
    }
    group.status = 'ACTIVE';
    group.issues = [];
    update.status = 'Successful';
  }

  #fail(group: NodeGroupRecord, update: NodeGroupUpdate, fault: Required<NodeGroupFault>): void {
    const detail: UpdateErrorDetail = { code: fault.code, message: fault.message };
    update.status = 'Failed';
    update.errors = [detail];
    group.status = 'DEGRADED';
    group.issues = [`${fault.code}: ${fault.message}`];
  }

  #launch(cluster: ClusterRecord, group: NodeGroupRecord, count: number): void {
    if (count <= 0) return;
    group.batches += 1;
    // A prefix per node group and launch keeps names unique although the simulator numbers nodes by count.
    const names = cluster.simulator.addNodes(count, {
      namePrefix: `ip-10-${group.index}-${group.batches}`,
      labels: {
        'eks.amazonaws.com/nodegroup': group.name,
        'eks.amazonaws.com/capacityType': 'ON_DEMAND',
        ...group.labels,
      },
    });
    group.nodes.push(...names);
  }

  #cluster(name: string): ClusterRecord {
    const cluster = this.#clusters.get(name);
    if (!cluster) throw new ClusterNotFoundError(name);
    return cluster;
  }

  #group(cluster: string, nodegroup: string): NodeGroupRecord {
    const group = this.#cluster(cluster).nodegroups.get(nodegroup);
    if (!group) throw new NodeGroupNotFoundError(cluster, nodegroup);
    return group;
  }
}

function nodeInfo(simulator: KubeApiSimulator): ResourceInfo {
  const info = simulator.catalog.lookupKind('v1', 'Node');
  if (!info) throw new Error('the Kubernetes API simulator serves no v1 Node');
  return info;
}

function isNodeReady(simulator: KubeApiSimulator, info: ResourceInfo, name: string): boolean {
  try {
    const node = simulator.api.getObject(info, '', name);
    const conditions = (node.status as { conditions?: { type?: string; status?: string }[] } | undefined)
      ?.conditions;
    return conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  } catch {
    return false;
  }
}
