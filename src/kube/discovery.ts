import type { ApiResource } from './kube-object.ts';
import type { KubeTransport } from './transport.ts';

interface ApiResourceList {
  groupVersion: string;
  resources: Array<{
    name: string;
    kind: string;
    namespaced: boolean;
    verbs?: string[];
    shortNames?: string[];
    singularName?: string;
  }>;
}

interface ApiGroupList {
  groups: Array<{
    name: string;
    preferredVersion?: { version: string };
    versions: Array<{ version: string }>;
  }>;
}

/** What discovery found, and which API groups did not answer (aggregated APIs that are down). */
export interface DiscoveryResult {
  resources: ApiResource[];
  unavailableGroups: Array<{ groupVersion: string; error: string }>;
}

/**
 * Legacy discovery, as kubectl and Velero do it: the core group, then each group at its preferred
 * version. Subresources (`deployments/scale`) are dropped. An aggregated API that fails is reported,
 * not fatal, because one broken metrics-server must not stop a backup of everything else.
 */
export async function discoverResources(
  transport: KubeTransport,
  fetchGroup = defaultFetch(transport),
): Promise<DiscoveryResult> {
  const groups = await transport.json<ApiGroupList>({ method: 'GET', path: '/apis' });
  const groupVersions = [
    'v1',
    ...groups.groups.map((g) => `${g.name}/${g.preferredVersion?.version ?? g.versions[0]?.version ?? 'v1'}`),
  ];
  const resources: ApiResource[] = [];
  const unavailableGroups: DiscoveryResult['unavailableGroups'] = [];
  const lists = await Promise.all(
    groupVersions.map(async (groupVersion) => {
      try {
        return await fetchGroup(groupVersion);
      } catch (error) {
        // The core group must answer; a missing aggregated group is reported and skipped.
        if (groupVersion === 'v1') throw error;
        unavailableGroups.push({
          groupVersion,
          error: error instanceof Error ? error.message : String(error),
        });
        return undefined;
      }
    }),
  );
  for (const list of lists) {
    if (!list) continue;
    const [group, version] = splitGroupVersion(list.groupVersion);
    for (const entry of list.resources) {
      if (entry.name.includes('/')) continue;
      resources.push({
        group,
        version,
        resource: entry.name,
        kind: entry.kind,
        namespaced: entry.namespaced,
        verbs: entry.verbs ?? [],
        ...(entry.shortNames?.length ? { shortNames: entry.shortNames } : {}),
        ...(entry.singularName ? { singularName: entry.singularName } : {}),
      });
    }
  }
  return { resources, unavailableGroups };
}

function defaultFetch(transport: KubeTransport): (groupVersion: string) => Promise<ApiResourceList> {
  return (groupVersion) =>
    transport.json<ApiResourceList>({
      method: 'GET',
      path: groupVersion === 'v1' ? '/api/v1' : `/apis/${groupVersion}`,
    });
}

function splitGroupVersion(groupVersion: string): [group: string, version: string] {
  const slash = groupVersion.indexOf('/');
  return slash < 0 ? ['', groupVersion] : [groupVersion.slice(0, slash), groupVersion.slice(slash + 1)];
}
