// After a restore, the applications must actually run before the health gate: every Deployment and
// StatefulSet of the restored namespaces at its replicas and Ready, as `kubectl rollout status` judges it.
import type { ClusterClient } from '../kube/cluster-client.ts';
import type { ApiResource, KubeObject } from '../kube/kube-object.ts';
import type { Now } from '../util/clock.ts';
import { WorkloadsNotReadyError } from './errors.ts';

/** One workload's progress. */
export interface WorkloadProgress {
  /** `deployments.apps shop/web` */
  ref: string;
  desired: number;
  ready: number;
}

/** The answer of one check: `ready` ends the wait loop. */
export interface WorkloadsStatus {
  ready: boolean;
  /** Workloads found in the namespaces. */
  total: number;
  /** Not-ready workloads first, then ready ones, at most MAX_LISTED (a Step Functions payload stays small). */
  workloads: WorkloadProgress[];
  /** Workloads left out of `workloads`. */
  omitted: number;
}

/** Collaborators of WorkloadReadiness. */
export interface WorkloadReadinessDependencies {
  cluster: ClusterClient;
  now?: Now;
}

/** Workloads listed in a result; the rest are counted. */
export const MAX_LISTED_WORKLOADS = 100;

const WORKLOADS: ApiResource[] = [
  {
    group: 'apps',
    version: 'v1',
    resource: 'deployments',
    kind: 'Deployment',
    namespaced: true,
    verbs: ['list'],
  },
  {
    group: 'apps',
    version: 'v1',
    resource: 'statefulsets',
    kind: 'StatefulSet',
    namespaced: true,
    verbs: ['list'],
  },
];

/** Tells whether the restored Deployments and StatefulSets are Ready. */
export class WorkloadReadiness {
  readonly #deps: WorkloadReadinessDependencies;

  constructor(deps: WorkloadReadinessDependencies) {
    this.#deps = deps;
  }

  /** The workloads' progress; WorkloadsNotReadyError naming the laggards once `deadline` has passed. */
  async check(request: { namespaces: readonly string[]; deadline: Date | string }): Promise<WorkloadsStatus> {
    const progress: (WorkloadProgress & { current: boolean })[] = [];
    for (const namespace of [...new Set(request.namespaces)].sort()) {
      for (const resource of WORKLOADS) {
        let continueToken: string | undefined;
        do {
          const page = await this.#deps.cluster.listPage({
            resource,
            namespace,
            limit: 500,
            ...(continueToken ? { continueToken } : {}),
          });
          for (const object of page.items) progress.push(progressOf(resource, namespace, object));
          continueToken = page.continueToken;
        } while (continueToken);
      }
    }
    const lagging = progress.filter((workload) => !workload.current || workload.ready < workload.desired);
    const deadline = new Date(request.deadline);
    const now = (this.#deps.now ?? (() => new Date()))();
    if (lagging.length > 0 && now.getTime() > deadline.getTime()) {
      throw new WorkloadsNotReadyError(
        deadline.toISOString(),
        lagging.map(
          (workload) =>
            `${workload.ref} ${workload.ready}/${workload.desired} ready${workload.current ? '' : ' (rollout not observed yet)'}`,
        ),
      );
    }
    const laggingRefs = new Set(lagging.map((workload) => workload.ref));
    const ordered = [...lagging, ...progress.filter((workload) => !laggingRefs.has(workload.ref))];
    const listed = ordered
      .slice(0, MAX_LISTED_WORKLOADS)
      .map(({ ref, desired, ready }) => ({ ref, desired, ready }));
    return {
      ready: lagging.length === 0,
      total: progress.length,
      workloads: listed,
      omitted: ordered.length - listed.length,
    };
  }
}

function progressOf(
  resource: ApiResource,
  namespace: string,
  object: KubeObject,
): WorkloadProgress & { current: boolean } {
  const spec = object.spec ?? {};
  const status = object.status ?? {};
  const desired = typeof spec.replicas === 'number' ? spec.replicas : 1;
  const ready = typeof status.readyReplicas === 'number' ? status.readyReplicas : 0;
  const generation = object.metadata.generation;
  const observed = status.observedGeneration;
  // A controller that has not seen the newest spec reports numbers about the old one.
  const current = typeof observed !== 'number' || typeof generation !== 'number' || observed >= generation;
  return {
    ref: `${resource.resource}.${resource.group} ${namespace}/${object.metadata.name ?? ''}`,
    desired,
    ready,
    current,
  };
}
