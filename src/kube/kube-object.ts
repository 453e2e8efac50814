/** A Kubernetes object as the API returns it; everything beyond metadata is free-form JSON. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: KubeObjectMeta;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [field: string]: unknown;
}

/** The parts of ObjectMeta eks-dr reads or rewrites. */
export interface KubeObjectMeta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  uid?: string;
  resourceVersion?: string;
  ownerReferences?: Array<{
    apiVersion?: string;
    kind?: string;
    name?: string;
    uid?: string;
    controller?: boolean;
  }>;
  managedFields?: unknown;
  [field: string]: unknown;
}

/** One resource the API server serves: the unit discovery returns and snapshots list. */
export interface ApiResource {
  /** '' for the core group. */
  group: string;
  version: string;
  /** The plural name used in URLs: `deployments`. */
  resource: string;
  kind: string;
  namespaced: boolean;
  verbs: readonly string[];
  /** `deploy` for deployments, as discovery lists them; filters accept these like kubectl does. */
  shortNames?: readonly string[];
  /** `deployment`; empty or absent for some built-ins. */
  singularName?: string;
}

/** `deployments.apps`, or `configmaps` for the core group: the name Velero and kubectl use. */
export function groupResource(resource: Pick<ApiResource, 'group' | 'resource'>): string {
  return resource.group ? `${resource.resource}.${resource.group}` : resource.resource;
}

/** `apps/v1`, or `v1` for the core group. */
export function apiVersionOf(resource: Pick<ApiResource, 'group' | 'version'>): string {
  return resource.group ? `${resource.group}/${resource.version}` : resource.version;
}

/** `namespace/name` or `name`, for messages and reports. */
export function objectRef(
  resource: Pick<ApiResource, 'group' | 'resource'>,
  namespace: string | undefined,
  name: string,
): string {
  return `${groupResource(resource)} ${namespace ? `${namespace}/` : ''}${name}`;
}
