import { readFileSync } from 'node:fs';

/** One servable group/version/resource, with what discovery says about it. */
export interface ResourceInfo {
  group: string;
  version: string;
  resource: string;
  kind: string;
  singular: string;
  namespaced: boolean;
  verbs: readonly string[];
  shortNames?: readonly string[];
  categories?: readonly string[];
  /** Subresource name → its kind and verbs (status, scale, …). */
  subresources: ReadonlyMap<
    string,
    { kind: string; group: string; version: string; verbs: readonly string[] }
  >;
  /** `resource.group`: one table per group/resource, whatever version a client uses. */
  storageKey: string;
}

interface AggregatedResource {
  resource: string;
  responseKind: { group: string; version: string; kind: string };
  scope: 'Namespaced' | 'Cluster';
  singularResource: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  subresources?: Array<{
    subresource: string;
    responseKind?: { group: string; version: string; kind: string };
    verbs: string[];
  }>;
}

interface AggregatedVersion {
  version: string;
  resources: AggregatedResource[];
  freshness?: string;
}

interface AggregatedGroup {
  metadata: { name?: string; creationTimestamp?: null };
  versions: AggregatedVersion[];
}

interface LegacyResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  kind: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  group?: string;
  version?: string;
  storageVersionHash?: string;
}

const DISCOVERY_DIR = new URL('./discovery/', import.meta.url);

function readDiscoveryFile<T>(file: string): T {
  return JSON.parse(readFileSync(new URL(file, DISCOVERY_DIR), 'utf8')) as T;
}

/** Groups built in at start; CRDs add to them while the simulator runs. */
export class DiscoveryCatalog {
  /** group → versions in preference order → resources (aggregated v2 shape, our source of truth). */
  private readonly groups = new Map<string, AggregatedGroup>();
  private readonly byGroupVersion = new Map<string, Map<string, ResourceInfo>>();
  private readonly byStorageKey = new Map<string, ResourceInfo[]>();
  private readonly coreResources: LegacyResource[];
  private readonly builtinGroupNames: Set<string>;
  readonly serverVersion = {
    major: '1',
    minor: '34',
    gitVersion: 'v1.34.1-eks-dr-sandbox',
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-11-01T00:00:00Z',
    goVersion: 'go1.24.6',
    compiler: 'gc',
    platform: 'linux/amd64',
  };

  constructor() {
    const aggregated = readDiscoveryFile<{ items: AggregatedGroup[] }>('aggregated_v2.json');
    for (const group of aggregated.items) this.groups.set(group.metadata.name ?? '', group);
    this.builtinGroupNames = new Set(this.groups.keys());
    this.coreResources = readDiscoveryFile<{ resources: LegacyResource[] }>('api__v1.json').resources;
    this.index();
  }

  /** Rebuilds the lookup maps after the set of groups changed. */
  private index(): void {
    this.byGroupVersion.clear();
    this.byStorageKey.clear();
    this.addIndexed('', 'v1', coreAsAggregated(this.coreResources));
    for (const [name, group] of this.groups) {
      for (const version of group.versions) this.addIndexed(name, version.version, version.resources);
    }
  }

  private addIndexed(group: string, version: string, resources: AggregatedResource[]): void {
    const map = new Map<string, ResourceInfo>();
    for (const r of resources) {
      const info: ResourceInfo = {
        group,
        version,
        resource: r.resource,
        kind: r.responseKind.kind,
        singular: r.singularResource,
        namespaced: r.scope === 'Namespaced',
        verbs: r.verbs,
        shortNames: r.shortNames,
        categories: r.categories,
        subresources: new Map(
          (r.subresources ?? []).map((s) => [
            s.subresource,
            {
              kind: s.responseKind?.kind ?? r.responseKind.kind,
              group: s.responseKind?.group ?? group,
              version: s.responseKind?.version ?? version,
              verbs: s.verbs,
            },
          ]),
        ),
        storageKey: group ? `${r.resource}.${group}` : r.resource,
      };
      map.set(r.resource, info);
      const shared = this.byStorageKey.get(info.storageKey) ?? [];
      shared.push(info);
      this.byStorageKey.set(info.storageKey, shared);
    }
    this.byGroupVersion.set(groupVersion(group, version), map);
  }

  /** The resource a URL names, or undefined when this server does not serve it. */
  lookup(group: string, version: string, resource: string): ResourceInfo | undefined {
    return this.byGroupVersion.get(groupVersion(group, version))?.get(resource);
  }

  /** The resource for an object's apiVersion and kind (how `kubectl create -f` maps a manifest). */
  lookupKind(apiVersion: string, kind: string): ResourceInfo | undefined {
    const resources = this.byGroupVersion.get(apiVersion);
    if (!resources) return undefined;
    for (const info of resources.values()) if (info.kind === kind) return info;
    return undefined;
  }

  /** Every version under which one stored group/resource is served. */
  versionsOf(storageKey: string): readonly ResourceInfo[] {
    return this.byStorageKey.get(storageKey) ?? [];
  }

  hasGroupVersion(group: string, version: string): boolean {
    return this.byGroupVersion.has(groupVersion(group, version));
  }

  hasGroup(group: string): boolean {
    return this.groups.has(group);
  }

  /** Adds (or replaces) the versions a CRD serves; a group shared with other CRDs keeps theirs. */
  addCustomResource(group: string, versions: Array<{ version: string; resource: AggregatedResource }>): void {
    const existing = this.groups.get(group) ?? { metadata: { name: group }, versions: [] };
    for (const { version, resource } of versions) {
      let entry = existing.versions.find((v) => v.version === version);
      if (!entry) {
        entry = { version, resources: [], freshness: 'Current' };
        existing.versions.push(entry);
      }
      entry.resources = entry.resources.filter((r) => r.resource !== resource.resource).concat(resource);
      entry.resources.sort((a, b) => a.resource.localeCompare(b.resource));
    }
    existing.versions.sort((a, b) => compareKubeVersions(a.version, b.version));
    this.groups.set(group, existing);
    this.index();
  }

  /** Removes a CRD's resource from every version of its group, and the group when nothing is left. */
  removeCustomResource(group: string, resource: string): void {
    const existing = this.groups.get(group);
    if (!existing) return;
    for (const v of existing.versions) v.resources = v.resources.filter((r) => r.resource !== resource);
    existing.versions = existing.versions.filter((v) => v.resources.length > 0);
    if (existing.versions.length === 0 && !this.builtinGroupNames.has(group)) this.groups.delete(group);
    this.index();
  }

  /** GET /api */
  apiVersions(serverAddress: string): unknown {
    return {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
    };
  }

  /** GET /api/v1 (the recorded document itself). */
  coreResourceList(): unknown {
    return { kind: 'APIResourceList', groupVersion: 'v1', resources: this.coreResources };
  }

  /** GET /apis */
  apiGroupList(): unknown {
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [...this.groups.keys()].map((g) => this.apiGroupBody(g)),
    };
  }

  /** GET /apis/<group>, or undefined for an unknown group. */
  apiGroup(group: string): unknown {
    if (!this.groups.has(group)) return undefined;
    return { kind: 'APIGroup', apiVersion: 'v1', ...this.apiGroupBody(group) };
  }

  private apiGroupBody(name: string): Record<string, unknown> {
    const group = this.groups.get(name);
    const versions = (group?.versions ?? []).map((v) => ({
      groupVersion: `${name}/${v.version}`,
      version: v.version,
    }));
    return { name, versions, preferredVersion: versions[0] };
  }

  /** GET /apis/<group>/<version>, derived from the aggregated document (same fields kubectl reads). */
  apiResourceList(group: string, version: string): unknown {
    const entry = this.groups.get(group)?.versions.find((v) => v.version === version);
    if (!entry) return undefined;
    const resources: LegacyResource[] = [];
    for (const r of entry.resources) {
      resources.push({
        name: r.resource,
        singularName: r.singularResource,
        namespaced: r.scope === 'Namespaced',
        kind: r.responseKind.kind,
        verbs: r.verbs,
        ...(r.shortNames ? { shortNames: r.shortNames } : {}),
        ...(r.categories ? { categories: r.categories } : {}),
      });
      for (const s of r.subresources ?? []) {
        resources.push({
          name: `${r.resource}/${s.subresource}`,
          singularName: '',
          namespaced: r.scope === 'Namespaced',
          ...(s.responseKind?.group ? { group: s.responseKind.group } : {}),
          ...(s.responseKind?.version ? { version: s.responseKind.version } : {}),
          kind: s.responseKind?.kind ?? r.responseKind.kind,
          verbs: s.verbs,
        });
      }
    }
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: `${group}/${version}`, resources };
  }

  /** GET /apis with the aggregated Accept header (apidiscovery.k8s.io/v2). */
  aggregatedGroups(): unknown {
    return {
      kind: 'APIGroupDiscoveryList',
      apiVersion: 'apidiscovery.k8s.io/v2',
      metadata: {},
      items: [...this.groups.values()],
    };
  }

  /** GET /api with the aggregated Accept header: the core group in the v2 shape. */
  aggregatedCore(): unknown {
    return {
      kind: 'APIGroupDiscoveryList',
      apiVersion: 'apidiscovery.k8s.io/v2',
      metadata: {},
      items: [
        {
          metadata: {},
          versions: [
            { version: 'v1', resources: coreAsAggregated(this.coreResources), freshness: 'Current' },
          ],
        },
      ],
    };
  }

  /** Every servable resource at the preferred version of its group (core first). */
  preferredResources(): ResourceInfo[] {
    const out = [...(this.byGroupVersion.get('v1')?.values() ?? [])];
    for (const [name, group] of this.groups) {
      const preferred = group.versions[0];
      if (preferred) out.push(...(this.byGroupVersion.get(`${name}/${preferred.version}`)?.values() ?? []));
    }
    return out;
  }
}

/** Core resources from /api/v1 turned into the aggregated shape (subresources folded into their parent). */
function coreAsAggregated(resources: readonly LegacyResource[]): AggregatedResource[] {
  const out = new Map<string, AggregatedResource>();
  for (const r of resources) {
    if (r.name.includes('/')) continue;
    out.set(r.name, {
      resource: r.name,
      responseKind: { group: '', version: 'v1', kind: r.kind },
      scope: r.namespaced ? 'Namespaced' : 'Cluster',
      singularResource: r.singularName,
      verbs: r.verbs,
      ...(r.shortNames ? { shortNames: r.shortNames } : {}),
      ...(r.categories ? { categories: r.categories } : {}),
    });
  }
  for (const r of resources) {
    const [parent, sub] = r.name.split('/');
    const owner = parent ? out.get(parent) : undefined;
    if (!owner || !sub) continue;
    owner.subresources = [
      ...(owner.subresources ?? []),
      {
        subresource: sub,
        responseKind: { group: r.group ?? '', version: r.version ?? 'v1', kind: r.kind },
        verbs: r.verbs,
      },
    ];
  }
  return [...out.values()];
}

export function groupVersion(group: string, version: string): string {
  return group ? `${group}/${version}` : version;
}

/** Kubernetes' version priority: GA > beta > alpha, higher numbers first (v2 > v1 > v1beta2 > v1beta1 > v1alpha1). */
export function compareKubeVersions(a: string, b: string): number {
  const rank = (v: string): [number, number, number] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [0, 0, 0];
    const stability = m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1;
    return [stability, Number(m[1]), Number(m[3] ?? 0)];
  };
  const [sa, ma, na] = rank(a);
  const [sb, mb, nb] = rank(b);
  return sb - sa || mb - ma || nb - na || a.localeCompare(b);
}

export type { AggregatedResource };
