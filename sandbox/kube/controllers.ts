import { isRecord } from '../../src/util/is-record.ts';
import type { AggregatedResource, DiscoveryCatalog, ResourceInfo } from './discovery-catalog.ts';
import type { KubeObject } from './kube-object.ts';
import type { ObjectStore, StoredObject } from './object-store.ts';
import { kubeTime, type ResourceApi, type ResourceHooks } from './resource-api.ts';

const CRD_STORAGE_KEY = 'customresourcedefinitions.apiextensions.k8s.io';
const WORKLOAD_KEYS = new Set(['deployments.apps', 'statefulsets.apps', 'replicasets.apps']);
const DEFAULT_PODS_PER_NODE = 110;

export interface ControllerOptions {
  /** How long a new CRD takes to become Established and appear in discovery. @default 50 */
  crdEstablishDelayMs?: number;
  now?: () => Date;
}

/**
 * The few controllers the simulator runs: CRD establishment, and a workload model in which
 * deployments/statefulsets/replicasets are Ready only while Ready nodes have room for their pods.
 */
export class SimulatorControllers implements ResourceHooks {
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly crdDelayMs: number;
  private readonly now: () => Date;
  /** While bulk loading, workload status is computed once at the end instead of per object. */
  private deferWorkloads = false;
  private reconcileAfterWrite = false;
  /** Pods Ready nodes can run, and how many each workload holds (so one write costs O(1)). */
  private capacity = 0;
  private usedTotal = 0;
  private readonly used = new Map<string, number>();
  private readonly unsatisfied = new Set<string>();

  constructor(
    private readonly catalog: DiscoveryCatalog,
    private readonly store: ObjectStore,
    private readonly api: ResourceApi,
    options: ControllerOptions = {},
  ) {
    this.crdDelayMs = options.crdEstablishDelayMs ?? 50;
    this.now = options.now ?? (() => new Date());
  }

  /** Workloads get their status in the same write that changes them, as if the controller were instant. */
  beforeCommit(info: ResourceInfo, object: KubeObject): void {
    if (!WORKLOAD_KEYS.has(info.storageKey) || this.deferWorkloads) return;
    const id = workloadId(info.storageKey, object);
    const before = this.used.get(id) ?? 0;
    const free = this.capacity - (this.usedTotal - before);
    this.assign(info.storageKey, id, object, free);
    if ((this.used.get(id) ?? 0) < before && this.unsatisfied.size > 0) this.reconcileAfterWrite = true;
  }

  afterWrite(info: ResourceInfo, object: KubeObject, previous: KubeObject | undefined): void {
    if (info.storageKey === CRD_STORAGE_KEY) {
      if (previous === undefined) this.scheduleEstablish(object.metadata.name ?? '');
      else if (isEstablished(previous)) this.register(object);
    } else if (info.storageKey === 'nodes' || this.reconcileAfterWrite) {
      this.reconcileWorkloads();
    }
  }

  afterDelete(info: ResourceInfo, object: KubeObject): void {
    if (info.storageKey === CRD_STORAGE_KEY) {
      this.unregister(object);
    } else if (info.storageKey === 'nodes') {
      this.reconcileWorkloads();
    } else if (WORKLOAD_KEYS.has(info.storageKey)) {
      const id = workloadId(info.storageKey, object);
      this.usedTotal -= this.used.get(id) ?? 0;
      this.used.delete(id);
      this.unsatisfied.delete(id);
      if (this.unsatisfied.size > 0) this.reconcileWorkloads();
    }
  }

  /** Runs a bulk load with workload reconciliation deferred to its end. */
  bulk<T>(work: () => T): T {
    this.deferWorkloads = true;
    try {
      return work();
    } finally {
      this.deferWorkloads = false;
      this.reconcileWorkloads();
    }
  }

  /** Makes every pending CRD Established now (for a load that must be usable at once). */
  establishPendingNow(): void {
    const table = this.store.existingTable(CRD_STORAGE_KEY);
    for (const stored of table?.objects.values() ?? []) {
      const crd = JSON.parse(stored.json) as KubeObject;
      if (!isEstablished(crd)) this.establish(stored.name);
    }
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private scheduleEstablish(name: string): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.establish(name);
    }, this.crdDelayMs);
    this.timers.add(timer);
  }

  private establish(name: string): void {
    const info = this.catalog.lookup('apiextensions.k8s.io', 'v1', 'customresourcedefinitions');
    const stored = info && this.store.existingTable(CRD_STORAGE_KEY)?.objects.get(`/${name}`);
    if (!info || !stored) return; // deleted before it was established
    const crd = this.api.parse(info, stored);
    const spec = crd.spec ?? {};
    const time = kubeTime(this.now());
    crd.status = {
      conditions: [
        {
          type: 'NamesAccepted',
          status: 'True',
          lastTransitionTime: time,
          reason: 'NoConflicts',
          message: 'no conflicts found',
        },
        {
          type: 'Established',
          status: 'True',
          lastTransitionTime: time,
          reason: 'InitialNamesAccepted',
          message: 'the initial names have been accepted',
        },
      ],
      acceptedNames: spec.names,
      storedVersions: (Array.isArray(spec.versions) ? spec.versions : [])
        .filter((v) => isRecord(v) && v.storage === true)
        .map((v) => (v as Record<string, unknown>).name),
    };
    this.register(crd);
    this.api.controllerWrite(info, stored, crd);
  }

  private register(crd: KubeObject): void {
    const spec = crd.spec ?? {};
    const names = (isRecord(spec.names) ? spec.names : {}) as Record<string, unknown>;
    const group = String(spec.group);
    const plural = String(names.plural);
    const kind = String(names.kind);
    const versions = (Array.isArray(spec.versions) ? spec.versions : [])
      .filter(isRecord)
      .filter((v) => v.served !== false);
    this.catalog.removeCustomResource(group, plural);
    this.catalog.addCustomResource(
      group,
      versions.map((v) => {
        const version = String(v.name);
        const sub = isRecord(v.subresources) ? v.subresources : {};
        const resource: AggregatedResource = {
          resource: plural,
          responseKind: { group, version, kind },
          scope: spec.scope === 'Cluster' ? 'Cluster' : 'Namespaced',
          singularResource: String(names.singular ?? kind.toLowerCase()),
          verbs: ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'],
          ...(Array.isArray(names.shortNames) ? { shortNames: names.shortNames.map(String) } : {}),
          ...(Array.isArray(names.categories) ? { categories: names.categories.map(String) } : {}),
          subresources: [
            ...('status' in sub
              ? [
                  {
                    subresource: 'status',
                    responseKind: { group, version, kind },
                    verbs: ['get', 'patch', 'update'],
                  },
                ]
              : []),
            ...('scale' in sub
              ? [
                  {
                    subresource: 'scale',
                    responseKind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
                    verbs: ['get', 'patch', 'update'],
                  },
                ]
              : []),
          ],
        };
        return { version, resource };
      }),
    );
  }

  private unregister(crd: KubeObject): void {
    const spec = crd.spec ?? {};
    const names = isRecord(spec.names) ? spec.names : {};
    const group = String(spec.group);
    const plural = String(names.plural);
    this.catalog.removeCustomResource(group, plural);
    this.store.dropTable(`${plural}.${group}`);
  }

  /** Hands pods out to workloads in list order until Ready nodes run out of room. */
  private reconcileWorkloads(): void {
    this.reconcileAfterWrite = false;
    this.capacity = 0;
    this.usedTotal = 0;
    this.used.clear();
    this.unsatisfied.clear();
    const nodeInfo = this.catalog.lookup('', 'v1', 'nodes');
    for (const stored of this.store.existingTable('nodes')?.objects.values() ?? []) {
      if (nodeInfo) this.capacity += nodeCapacity(this.api.parse(nodeInfo, stored));
    }
    for (const storageKey of WORKLOAD_KEYS) {
      const table = this.store.existingTable(storageKey);
      const info = this.catalog.versionsOf(storageKey)[0];
      if (!table || !info) continue;
      for (const key of [...table.keysFrom('', undefined)]) {
        const stored = table.objects.get(key) as StoredObject;
        const object = this.api.parse(info, stored);
        const before = JSON.stringify(object.status);
        this.assign(storageKey, workloadId(storageKey, object), object, this.capacity - this.usedTotal);
        if (JSON.stringify(object.status) !== before) this.api.controllerWrite(info, stored, object);
      }
    }
  }

  private assign(storageKey: string, id: string, object: KubeObject, free: number): void {
    const desired = typeof object.spec?.replicas === 'number' ? object.spec.replicas : 1;
    const ready = Math.max(0, Math.min(desired, free));
    this.usedTotal += ready - (this.used.get(id) ?? 0);
    this.used.set(id, ready);
    if (ready < desired) this.unsatisfied.add(id);
    else this.unsatisfied.delete(id);
    object.status = workloadStatus(storageKey, object, desired, ready);
  }
}

function workloadId(storageKey: string, object: KubeObject): string {
  return `${storageKey}|${object.metadata.namespace ?? ''}/${object.metadata.name ?? ''}`;
}

function isEstablished(crd: KubeObject): boolean {
  const conditions = crd.status?.conditions;
  return (
    Array.isArray(conditions) &&
    conditions.some((c) => isRecord(c) && c.type === 'Established' && c.status === 'True')
  );
}

/** Pods a node can run: its allocatable pods while Ready and schedulable, else none. */
function nodeCapacity(node: KubeObject): number {
  if (node.spec?.unschedulable === true) return 0;
  const conditions = node.status?.conditions;
  const ready =
    Array.isArray(conditions) &&
    conditions.some((c) => isRecord(c) && c.type === 'Ready' && c.status === 'True');
  if (!ready) return 0;
  const allocatable = isRecord(node.status?.allocatable) ? node.status.allocatable.pods : undefined;
  const pods = Number.parseInt(String(allocatable ?? DEFAULT_PODS_PER_NODE), 10);
  return Number.isFinite(pods) ? pods : DEFAULT_PODS_PER_NODE;
}

function workloadStatus(
  storageKey: string,
  object: KubeObject,
  desired: number,
  ready: number,
): Record<string, unknown> {
  const observedGeneration = object.metadata.generation ?? 1;
  const readyFields = ready > 0 ? { readyReplicas: ready, availableReplicas: ready } : {};
  if (storageKey === 'deployments.apps') {
    const available = ready >= desired;
    return {
      observedGeneration,
      replicas: desired,
      updatedReplicas: desired,
      ...readyFields,
      ...(desired - ready > 0 ? { unavailableReplicas: desired - ready } : {}),
      conditions: [
        {
          type: 'Available',
          status: available ? 'True' : 'False',
          reason: available ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
          message: available
            ? 'Deployment has minimum availability.'
            : 'Deployment does not have minimum availability.',
        },
      ],
    };
  }
  if (storageKey === 'statefulsets.apps') {
    return {
      observedGeneration,
      replicas: desired,
      currentReplicas: desired,
      updatedReplicas: desired,
      ...readyFields,
    };
  }
  return { observedGeneration, replicas: desired, fullyLabeledReplicas: desired, ...readyFields };
}
