// Which resources, namespaces and objects a snapshot takes. Velero's semantics, written down in one place.
import { type ApiResource, groupResource, type KubeObject } from '../kube/kube-object.ts';
import { InvalidSelectorError, parseLabelSelector } from '../kube/label-selector.ts';
import { InvalidBackupFilterError } from './errors.ts';

/** The filters of a backup request, as the CLI flags and the DR plan give them. */
export interface BackupFilters {
  /** Namespaces to back up; absent, empty or `*` means all. Listed server-side, one namespace at a time. */
  includeNamespaces?: readonly string[];
  excludeNamespaces?: readonly string[];
  /** Resources to back up (`deployments.apps`, `deployments`, `Deployment`, `deploy`); absent or `*` means all. */
  includeResources?: readonly string[];
  /** Resources to leave out; an exclusion wins over an inclusion. */
  excludeResources?: readonly string[];
  /** A label selector the API server applies to every list. */
  labelSelector?: string;
  /**
   * Cluster-scoped resources, Velero's `--include-cluster-resources`. `true`: all of them. `false`: none
   * but the Namespace objects of the namespaces backed up. Absent ("auto"): all of them when every
   * namespace is backed up (no include or exclude namespace filter); otherwise only those tied to the
   * namespaces backed up: their Namespace objects, the PersistentVolumes their claims are bound to, and
   * the CustomResourceDefinitions of custom resources the backup holds objects of.
   */
  includeClusterResources?: boolean;
}

/** Why a cluster-scoped resource is listed although cluster resources are not all taken. */
export type ClusterResourceRelation = 'claimed-volumes' | 'definitions-of-backed-up-resources';

/** The resource keys of the cluster-scoped resources that can be tied to namespaces. */
const PERSISTENT_VOLUMES = 'persistentvolumes';
const CUSTOM_RESOURCE_DEFINITIONS = 'customresourcedefinitions.apiextensions.k8s.io';
const NAMESPACES = 'namespaces';

/** Why a resource is left out unless named in includeResources. */
export interface DefaultExclusion {
  /** `<resource>[.<group>]` */
  resource: string;
  reason: string;
}

/**
 * Resources a backup leaves out unless `includeResources` names them explicitly. Decisions worth knowing:
 * - `endpoints` are KEPT (as Velero does): for a Service without a selector they are user data, and
 *   the restore order has a tier for them.
 * - `controllerrevisions.apps` are left out: StatefulSet/DaemonSet controllers write them as rollout
 *   history with ownerReferences, which restore strips, so restored copies would be orphans beside the
 *   ones the controllers create anew.
 * - Pods and ReplicaSets are filtered per object instead (see isOwnedByController), so bare pods stay.
 */
export const DEFAULT_EXCLUDED_RESOURCES: readonly DefaultExclusion[] = [
  { resource: 'events', reason: 'a record of what happened, not desired state; expires within an hour' },
  { resource: 'events.events.k8s.io', reason: 'the same events through the events.k8s.io API' },
  { resource: 'nodes', reason: 'registered by the kubelets of the cluster they belong to' },
  { resource: 'leases.coordination.k8s.io', reason: 'leader election and node heartbeats, valid seconds' },
  {
    resource: 'endpointslices.discovery.k8s.io',
    reason: 'written by the endpointslice controller from Services',
  },
  { resource: 'componentstatuses', reason: 'a live probe of control-plane health, not stored' },
  { resource: 'bindings', reason: 'create-only (pod scheduling)' },
  { resource: 'tokenreviews.authentication.k8s.io', reason: 'create-only' },
  { resource: 'selfsubjectreviews.authentication.k8s.io', reason: 'create-only' },
  { resource: 'subjectaccessreviews.authorization.k8s.io', reason: 'create-only' },
  { resource: 'selfsubjectaccessreviews.authorization.k8s.io', reason: 'create-only' },
  { resource: 'selfsubjectrulesreviews.authorization.k8s.io', reason: 'create-only' },
  { resource: 'localsubjectaccessreviews.authorization.k8s.io', reason: 'create-only' },
  { resource: 'csinodes.storage.k8s.io', reason: 'written by each node’s CSI drivers' },
  { resource: 'volumeattachments.storage.k8s.io', reason: 'attach state of this cluster’s nodes' },
  {
    resource: 'controllerrevisions.apps',
    reason: 'controller rollout history; restored copies would be orphans',
  },
  { resource: 'pods.metrics.k8s.io', reason: 'live usage figures from metrics-server' },
  { resource: 'nodes.metrics.k8s.io', reason: 'live usage figures from metrics-server' },
];

/**
 * Objects left out one by one, because a controller re-creates them from an object that is backed up:
 * pods with a controller owner (ReplicaSet, StatefulSet, DaemonSet, Job) and ReplicaSets owned by a
 * Deployment. Bare pods and bare ReplicaSets are kept.
 */
export const OWNED_OBJECT_EXCLUSIONS: ReadonlyArray<{
  resource: string;
  ownerKinds: readonly string[] | '*';
}> = [
  { resource: 'pods', ownerKinds: '*' },
  { resource: 'replicasets.apps', ownerKinds: ['Deployment'] },
];

/** One resource a snapshot lists, and where: all namespaces, or each included namespace in turn. */
export interface ResourceSelection {
  resource: ApiResource;
  /** `deployments.apps` */
  key: string;
  /** Namespaces listed one by one (server-side filter); undefined lists across all namespaces. */
  namespaces?: readonly string[];
  /**
   * Set on a cluster-scoped resource of which only objects tied to the backed-up namespaces are taken.
   * `definitions-of-backed-up-resources` is decided once every other resource has been listed.
   */
  related?: ClusterResourceRelation;
}

/** What a snapshot knows when it decides on a related cluster-scoped object. */
export interface ListingContext {
  /** `<resource>[.<group>]` of every resource with at least one object in the backup so far. */
  backedUpResources: ReadonlySet<string>;
}

/** The outcome of applying filters to discovery: what to list, and what was not understood. */
export interface ResourcePlan {
  selections: ResourceSelection[];
  /** Messages for the manifest's warnings (e.g. an include pattern that matched nothing). */
  warnings: string[];
}

const ALL = '*';
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Filters validated once, then applied to discovery (resources) and to each listed object. */
export class ResourceFilter {
  readonly filters: BackupFilters;
  private readonly includeNamespaces: ReadonlySet<string> | undefined;
  private readonly excludeNamespaces: ReadonlySet<string>;
  private readonly includeResources: readonly string[] | undefined;
  private readonly excludeResources: readonly string[];

  /** Validates the filters; throws InvalidBackupFilterError naming the field before anything is listed. */
  constructor(filters: BackupFilters = {}) {
    this.filters = filters;
    const includeNs = normaliseList(filters.includeNamespaces, 'includeNamespaces', checkNamespace);
    const excludeNs = normaliseList(filters.excludeNamespaces, 'excludeNamespaces', checkNamespace) ?? [];
    this.includeNamespaces = includeNs && !includeNs.includes(ALL) ? new Set(includeNs) : undefined;
    this.excludeNamespaces = new Set(excludeNs);
    for (const ns of excludeNs) {
      if (this.includeNamespaces?.has(ns)) {
        throw new InvalidBackupFilterError('excludeNamespaces', ns, 'is also in includeNamespaces');
      }
    }
    const includeRes = normaliseList(filters.includeResources, 'includeResources', checkResourcePattern);
    this.includeResources = includeRes && !includeRes.includes(ALL) ? includeRes.map(lower) : undefined;
    this.excludeResources = (
      normaliseList(filters.excludeResources, 'excludeResources', checkResourcePattern) ?? []
    ).map(lower);
    for (const pattern of this.excludeResources) {
      if (this.includeResources?.includes(pattern)) {
        throw new InvalidBackupFilterError('excludeResources', pattern, 'is also in includeResources');
      }
    }
    if (
      filters.includeClusterResources !== undefined &&
      typeof filters.includeClusterResources !== 'boolean'
    ) {
      throw new InvalidBackupFilterError(
        'includeClusterResources',
        String(filters.includeClusterResources),
        'must be true, false or absent (auto)',
      );
    }
    if (filters.labelSelector !== undefined) {
      try {
        parseLabelSelector(filters.labelSelector);
      } catch (error) {
        const detail = error instanceof InvalidSelectorError ? error.message : String(error);
        throw new InvalidBackupFilterError('labelSelector', filters.labelSelector, detail, { cause: error });
      }
    }
  }

  /** The label selector to send with every list, if any. */
  get labelSelector(): string | undefined {
    return this.filters.labelSelector || undefined;
  }

  /**
   * Picks the resources to list from discovery. An included name the cluster does not serve is an error
   * (the backup would lack what was asked for, under a green "Completed"); an excluded one is a warning,
   * since leaving out what is not there loses nothing and one plan may serve clusters with different CRDs.
   */
  plan(discovered: readonly ApiResource[]): ResourcePlan {
    const warnings: string[] = [];
    const listable = discovered.filter((r) => r.verbs.includes('list'));
    const unknown = (pattern: string) => !discovered.some((r) => matchesResource(pattern, r));
    const missing = (this.includeResources ?? []).filter(unknown);
    if (missing.length > 0) {
      throw new InvalidBackupFilterError(
        'includeResources',
        missing.join(','),
        `${missing.length === 1 ? 'is' : 'are'} not served by the cluster (check the name, or whether the CRD is installed)`,
      );
    }
    for (const pattern of this.excludeResources.filter(unknown)) {
      warnings.push(`excludeResources: '${pattern}' matches no resource the cluster serves`);
    }
    const selections: ResourceSelection[] = [];
    const seen = new Set<string>();
    for (const resource of listable) {
      const key = groupResource(resource);
      // Discovery lists a resource once per group at its preferred version; a repeat would be a duplicate list.
      if (seen.has(key) || !this.wantsResource(resource)) continue;
      seen.add(key);
      let related: ClusterResourceRelation | undefined;
      if (!resource.namespaced && key !== NAMESPACES && !this.takesAllClusterResources) {
        related = this.filters.includeClusterResources === false ? undefined : relationOf(key);
        // Not taken at all: cluster resources are off, or this one cannot be tied to a namespace.
        if (related === undefined) continue;
      }
      const namespaces =
        resource.namespaced && this.includeNamespaces ? [...this.includeNamespaces].sort() : undefined;
      selections.push({
        resource,
        key,
        ...(namespaces ? { namespaces } : {}),
        ...(related ? { related } : {}),
      });
    }
    selections.sort((a, b) => compare(a.key, b.key));
    return { selections, warnings };
  }

  /** Whether every cluster-scoped resource is taken (see BackupFilters.includeClusterResources). */
  get takesAllClusterResources(): boolean {
    const choice = this.filters.includeClusterResources;
    if (choice !== undefined) return choice;
    return this.includeNamespaces === undefined && this.excludeNamespaces.size === 0;
  }

  /** Whether a resource is backed up: explicit includes and excludes first, then the default exclusions. */
  wantsResource(resource: ApiResource): boolean {
    if (this.excludeResources.some((pattern) => matchesResource(pattern, resource))) return false;
    if (this.includeResources) {
      // Naming a default-excluded resource explicitly (`--include-resources events`) is how to get it.
      return this.includeResources.some((pattern) => matchesResource(pattern, resource));
    }
    return !isDefaultExcluded(resource);
  }

  /** Whether one listed object is backed up: namespace filters (incl. Namespace objects) and owned objects. */
  wantsObject(selection: ResourceSelection, object: KubeObject): boolean {
    return this.wantsListed(selection, {
      name: object.metadata.name,
      namespace: object.metadata.namespace,
      object: () => object,
    });
  }

  /**
   * The same decision for an object known by name and namespace, parsed (`object()`) only when an
   * ownership rule needs its ownerReferences: a snapshot copies most objects without parsing them.
   */
  wantsListed(
    selection: ResourceSelection,
    listed: { name?: string | undefined; namespace?: string | undefined; object: () => KubeObject },
    context: ListingContext = { backedUpResources: new Set() },
  ): boolean {
    const { resource, key } = selection;
    if (resource.namespaced) {
      if (!this.wantsNamespace(listed.namespace ?? '')) return false;
    } else if (key === NAMESPACES) {
      if (!this.wantsNamespace(listed.name ?? '')) return false;
    }
    if (selection.related === 'claimed-volumes') {
      const claim = (listed.object() as { spec?: { claimRef?: { namespace?: unknown } } }).spec?.claimRef;
      return typeof claim?.namespace === 'string' && this.wantsNamespace(claim.namespace);
    }
    if (selection.related === 'definitions-of-backed-up-resources') {
      const defined = definedResourceKey(listed.object());
      return defined !== undefined && context.backedUpResources.has(defined);
    }
    const rule = ownershipRuleOf(key);
    return rule === undefined || !ownedPer(rule, listed.object());
  }

  /** Whether objects in `namespace` are backed up. */
  wantsNamespace(namespace: string): boolean {
    if (this.excludeNamespaces.has(namespace)) return false;
    return this.includeNamespaces ? this.includeNamespaces.has(namespace) : true;
  }
}

function relationOf(key: string): ClusterResourceRelation | undefined {
  if (key === PERSISTENT_VOLUMES) return 'claimed-volumes';
  if (key === CUSTOM_RESOURCE_DEFINITIONS) return 'definitions-of-backed-up-resources';
  return undefined;
}

// `widgets.bench.eks-dr.io` for a CRD of group bench.eks-dr.io and plural widgets.
function definedResourceKey(object: KubeObject): string | undefined {
  const spec = (object as { spec?: { group?: unknown; names?: { plural?: unknown } } }).spec;
  if (typeof spec?.group !== 'string' || typeof spec.names?.plural !== 'string') return undefined;
  return `${spec.names.plural}.${spec.group}`;
}

/** True when `resource` is in DEFAULT_EXCLUDED_RESOURCES. */
export function isDefaultExcluded(resource: ApiResource): boolean {
  const key = groupResource(resource);
  return DEFAULT_EXCLUDED_RESOURCES.some((exclusion) => exclusion.resource === key);
}

type OwnershipRule = (typeof OWNED_OBJECT_EXCLUSIONS)[number];

function ownershipRuleOf(key: string): OwnershipRule | undefined {
  return OWNED_OBJECT_EXCLUSIONS.find((exclusion) => exclusion.resource === key);
}

/** True for an object a controller re-creates (see OWNED_OBJECT_EXCLUSIONS). */
export function isOwnedByController(key: string, object: KubeObject): boolean {
  const rule = ownershipRuleOf(key);
  return rule !== undefined && ownedPer(rule, object);
}

function ownedPer(rule: OwnershipRule, object: KubeObject): boolean {
  return (object.metadata.ownerReferences ?? []).some(
    (owner) =>
      owner.controller === true && (rule.ownerKinds === '*' || rule.ownerKinds.includes(owner.kind ?? '')),
  );
}

/**
 * Generous matching, like Velero and kubectl: `deployments.apps`, `deployments`, `deployment`,
 * `Deployment`, `deploy`, `deployment.apps`, `deploy.apps` and `deployments.v1.apps` all name the
 * Deployment resource. An unqualified name matches it in every group (`events` is both core and events.k8s.io).
 */
export function matchesResource(pattern: string, resource: ApiResource): boolean {
  const wanted = pattern.toLowerCase();
  const names = [resource.resource, resource.kind.toLowerCase()];
  if (resource.singularName) names.push(resource.singularName.toLowerCase());
  for (const short of resource.shortNames ?? []) names.push(short.toLowerCase());
  for (const name of names) {
    if (wanted === name) return true;
    if (
      resource.group &&
      (wanted === `${name}.${resource.group}` || wanted === `${name}.${resource.version}.${resource.group}`)
    ) {
      return true;
    }
  }
  return false;
}

function normaliseList(
  values: readonly string[] | undefined,
  field: string,
  check: (field: string, value: string) => void,
): string[] | undefined {
  if (values === undefined) return undefined;
  const cleaned = values.map((value) => value.trim()).filter((value) => value !== '');
  for (const value of cleaned) check(field, value);
  return cleaned.length > 0 ? [...new Set(cleaned)] : undefined;
}

function checkNamespace(field: string, value: string): void {
  if (value !== ALL && !(DNS_LABEL.test(value) && value.length <= 63)) {
    throw new InvalidBackupFilterError(field, value, 'is not a namespace name (lowercase DNS label) nor *');
  }
}

function checkResourcePattern(field: string, value: string): void {
  if (value !== ALL && !/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(value)) {
    throw new InvalidBackupFilterError(field, value, 'is not a resource name like deployments.apps nor *');
  }
}

function lower(value: string): string {
  return value === ALL ? value : value.toLowerCase();
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
