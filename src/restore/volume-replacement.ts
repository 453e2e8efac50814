import type { ClusterClient } from '../kube/cluster-client.ts';
import type { ApiResource, KubeObject } from '../kube/kube-object.ts';
import type { Now } from '../util/clock.ts';
import { isRecord } from '../util/is-record.ts';

/** How long the pods of a claim may take to go once their workloads are scaled to 0. @default 120 s */
export const DEFAULT_CLAIM_RELEASE_TIMEOUT_MS = 120_000;
/** How often the pods of a claim are listed while waiting. */
export const DEFAULT_CLAIM_RELEASE_POLL_MS = 1_000;

/** A PersistentVolume that was deleted and created again on another volume; the old volume is kept. */
export interface ReplacedVolume {
  persistentVolume: string;
  /** The EBS volume the PV pointed at before, left in place by reclaim policy Retain. */
  retainedVolumeId?: string;
  volumeId?: string;
  /** The claim deleted with it (`namespace/name`), created again from the backup in the claims tier. */
  claim?: string;
}

/** What replacing a volume needs besides the client. */
export interface VolumeReplaceDeps {
  client: ClusterClient;
  now: Now;
  sleep: (ms: number) => Promise<void>;
  timeoutMs?: number;
  pollMs?: number;
}

// The spec fields of a PV outside its volume source; the source (csi, awsElasticBlockStore, ...) is
// immutable after creation, so a PV restored onto another volume must be replaced, not updated.
const NON_SOURCE_FIELDS = new Set([
  'capacity',
  'accessModes',
  'claimRef',
  'persistentVolumeReclaimPolicy',
  'storageClassName',
  'mountOptions',
  'volumeMode',
  'nodeAffinity',
  'volumeAttributesClassName',
]);

const core = (resource: string, kind: string): ApiResource => ({
  group: '',
  version: 'v1',
  resource,
  kind,
  namespaced: true,
  verbs: [],
});
const apps = (resource: string, kind: string): ApiResource => ({ ...core(resource, kind), group: 'apps' });
const PVS: ApiResource = { ...core('persistentvolumes', 'PersistentVolume'), namespaced: false };
const CLAIMS = core('persistentvolumeclaims', 'PersistentVolumeClaim');
const PODS = core('pods', 'Pod');
const WORKLOADS: readonly ApiResource[] = [
  apps('deployments', 'Deployment'),
  apps('statefulsets', 'StatefulSet'),
  apps('replicasets', 'ReplicaSet'),
  core('replicationcontrollers', 'ReplicationController'),
];

/** True when the desired PV names another volume than the live one: an update would be refused. */
export function volumeSourceChanged(live: KubeObject, desired: KubeObject): boolean {
  return JSON.stringify(sortedSource(live)) !== JSON.stringify(sortedSource(desired));
}

/** The EBS volume id a PV points at (CSI handle or in-tree volumeID), if any. */
export function volumeIdOf(pv: KubeObject): string | undefined {
  const spec = pv.spec ?? {};
  if (isRecord(spec.csi) && typeof spec.csi.volumeHandle === 'string') return spec.csi.volumeHandle;
  const inTree = spec.awsElasticBlockStore;
  return isRecord(inTree) && typeof inTree.volumeID === 'string' ? inTree.volumeID : undefined;
}

/**
 * Replaces the live PV by `desired` without losing data: the claim's workloads are scaled to 0 and its
 * pods waited on, the old PV is set to Retain (its EBS volume survives the deletes), the claim and the
 * PV are deleted, and the desired PV is created. The claim and the workloads come back from the backup
 * in their own tiers. Each step tolerates having been done already, so a crashed chunk completes on re-run.
 */
export async function replacePersistentVolume(
  live: KubeObject,
  desired: KubeObject,
  deps: VolumeReplaceDeps,
): Promise<ReplacedVolume> {
  const name = live.metadata.name ?? '';
  const claim = claimOf(live) ?? claimOf(desired);
  if (claim !== undefined) await releaseClaim(claim, deps);
  await deps.client.mergePatch(PVS, undefined, name, { spec: { persistentVolumeReclaimPolicy: 'Retain' } });
  if (claim !== undefined) await deps.client.delete(CLAIMS, claim.namespace, claim.name);
  await deps.client.delete(PVS, undefined, name);
  await deps.client.create(PVS, undefined, desired);
  const replaced: ReplacedVolume = { persistentVolume: name };
  const retained = volumeIdOf(live);
  const volumeId = volumeIdOf(desired);
  if (retained !== undefined) replaced.retainedVolumeId = retained;
  if (volumeId !== undefined) replaced.volumeId = volumeId;
  if (claim !== undefined) replaced.claim = `${claim.namespace}/${claim.name}`;
  return replaced;
}

interface ClaimName {
  namespace: string;
  name: string;
}

function claimOf(pv: KubeObject): ClaimName | undefined {
  const ref = pv.spec?.claimRef;
  if (!isRecord(ref) || typeof ref.namespace !== 'string' || typeof ref.name !== 'string') return undefined;
  return { namespace: ref.namespace, name: ref.name };
}

/** Scales the workloads mounting the claim to 0, deletes its bare pods, and waits until no pod uses it. */
async function releaseClaim(claim: ClaimName, deps: VolumeReplaceDeps): Promise<void> {
  for (const resource of WORKLOADS) {
    for (const workload of await listAll(deps.client, resource, claim.namespace)) {
      if (!workloadMounts(workload, claim.name) || workload.spec?.replicas === 0) continue;
      await deps.client.mergePatch(resource, claim.namespace, workload.metadata.name ?? '', {
        spec: { replicas: 0 },
      });
    }
  }
  for (const pod of await podsUsing(claim, deps.client)) {
    // A pod no controller owns would never go; failback restores its DR version afterwards.
    if ((pod.metadata.ownerReferences ?? []).length === 0) {
      await deps.client.delete(PODS, claim.namespace, pod.metadata.name ?? '');
    }
  }
  const deadline = deps.now().getTime() + (deps.timeoutMs ?? DEFAULT_CLAIM_RELEASE_TIMEOUT_MS);
  for (;;) {
    const pods = await podsUsing(claim, deps.client);
    if (pods.length === 0) return;
    if (deps.now().getTime() >= deadline) {
      throw new Error(
        `PersistentVolumeClaim ${claim.namespace}/${claim.name}: still used by pod(s) ${pods.map((p) => p.metadata.name).join(', ')} after their workloads were scaled to 0`,
      );
    }
    await deps.sleep(deps.pollMs ?? DEFAULT_CLAIM_RELEASE_POLL_MS);
  }
}

async function podsUsing(claim: ClaimName, client: ClusterClient): Promise<KubeObject[]> {
  const pods = await listAll(client, PODS, claim.namespace);
  return pods.filter((pod) => podSpecMounts(pod.spec, claim.name));
}

function workloadMounts(workload: KubeObject, claimName: string): boolean {
  const template = workload.spec?.template;
  if (isRecord(template) && podSpecMounts(template.spec, claimName)) return true;
  // A StatefulSet's own claims are named <template>-<set>-<ordinal>.
  const templates = workload.spec?.volumeClaimTemplates;
  if (!Array.isArray(templates)) return false;
  return templates.some((t) => {
    const prefix = `${isRecord(t) && isRecord(t.metadata) ? String(t.metadata.name) : ''}-${workload.metadata.name}-`;
    return claimName.startsWith(prefix) && /^\d+$/.test(claimName.slice(prefix.length));
  });
}

function podSpecMounts(spec: unknown, claimName: string): boolean {
  if (!isRecord(spec) || !Array.isArray(spec.volumes)) return false;
  return spec.volumes.some(
    (v) =>
      isRecord(v) && isRecord(v.persistentVolumeClaim) && v.persistentVolumeClaim.claimName === claimName,
  );
}

async function listAll(
  client: ClusterClient,
  resource: ApiResource,
  namespace: string,
): Promise<KubeObject[]> {
  const items: KubeObject[] = [];
  let continueToken: string | undefined;
  do {
    const page = await client.listPage({ resource, namespace, ...(continueToken ? { continueToken } : {}) });
    items.push(...page.items);
    continueToken = page.continueToken;
  } while (continueToken !== undefined);
  return items;
}

function sortedSource(pv: KubeObject): unknown {
  const source = Object.entries(pv.spec ?? {}).filter(([key]) => !NON_SOURCE_FIELDS.has(key));
  return sortKeys(Object.fromEntries(source));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isRecord(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys(value[key])]),
  );
}
