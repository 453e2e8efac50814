import { createHash } from 'node:crypto';
import type { ArchiveEntry } from '../archive/writer.ts';
import { type ApiResource, groupResource, type KubeObject } from '../kube/kube-object.ts';
import { isRecord } from '../util/is-record.ts';
import { DEFAULT_RESTORE_ACTIONS } from './actions/index.ts';
import { RESTORE_ID_ANNOTATION, RESTORED_FROM_ANNOTATION } from './actions/restore-annotations.ts';
import type { RestoreAction, RestoreActionContext } from './actions/types.ts';
import type { ResolvedRestoreOptions } from './options.ts';
import {
  CONTROLLER_OWNED_SKIPPED,
  CRD_GROUP_RESOURCE,
  isNeverRestored,
  orderResources,
} from './restore-order.ts';

/** How an archived resource maps onto the target cluster's API. */
export type Resolution =
  | { state: 'resolved'; resource: ApiResource }
  /** Not served yet, but a CRD in this restore will serve it once Established. */
  | { state: 'awaiting-crd'; crd: string }
  | { state: 'unresolved'; message: string };

/** One object the restore will apply, already rewritten for the target. */
export interface PlannedObject {
  /** Position in restore order; a continuation counts entries in this order. */
  index: number;
  groupResource: string;
  /** Where the object was in the backup. */
  source: { namespace: string | undefined; name: string };
  /** Target namespace (after mapping); undefined for cluster-scoped objects. */
  namespace: string | undefined;
  name: string;
  /** The object to send; undefined when an action could not rewrite it (see `error`). */
  object: KubeObject | undefined;
  resolution: Resolution;
  /** Why the object cannot be restored, found while planning (an action refused it). */
  error?: string;
  /** A Namespace the backup does not hold but its objects need (e.g. a mapped namespace). */
  synthesized: boolean;
}

/** A run of plan entries of one resource; tiers are applied one after the other. */
export interface PlanTier {
  groupResource: string;
  start: number;
  end: number;
}

/** An archived object the restore leaves out on purpose, and why. */
export interface ExcludedObject {
  groupResource: string;
  namespace: string | undefined;
  name: string;
  reason: string;
}

/** The whole restore, in order: CRDs (entries [0, crdCount)), then every other tier. */
export interface RestorePlan {
  backupName: string;
  entries: PlannedObject[];
  tiers: PlanTier[];
  crdCount: number;
  excluded: ExcludedObject[];
  /** sha256 over the ordered entries' identities: a continuation is only valid for the same plan. */
  fingerprint: string;
}

/** What the planner needs besides the archive's objects. */
export interface PlanInput {
  backupName: string;
  restoreId: string;
  options: ResolvedRestoreOptions;
  /** The target cluster's resources, from discovery. */
  targetResources: readonly ApiResource[];
  actions?: readonly RestoreAction[];
}

interface Candidate {
  groupResource: string;
  entry: ArchiveEntry;
  object: KubeObject;
}

/** Turns a verified archive's objects into ordered tiers of rewritten objects, each resolved against the target. */
export function planRestore(archived: Iterable<ArchiveEntry>, input: PlanInput): RestorePlan {
  const { options } = input;
  const actions = input.actions ?? DEFAULT_RESTORE_ACTIONS;
  const excluded: ExcludedObject[] = [];
  const candidates: Candidate[] = [];
  const exclude = (gr: string, entry: ArchiveEntry, reason: string) =>
    excluded.push({ groupResource: gr, namespace: entry.namespace, name: entry.name, reason });

  for (const entry of archived) {
    const gr = groupResource(entry);
    const reason = restoreExclusion(gr, entry.object);
    if (reason !== undefined) {
      exclude(gr, entry, reason);
      continue;
    }
    candidates.push({ groupResource: gr, entry, object: entry.object as KubeObject });
  }

  const selected = selectByNamespace(candidates, options, (c, reason) =>
    exclude(c.groupResource, c.entry, reason),
  );
  const crdResources = crdServedResources(selected);
  const targetByGroupResource = new Map(input.targetResources.map((r) => [groupResource(r), r]));

  const planned: Omit<PlannedObject, 'index'>[] = selected.map((candidate) =>
    planOne(candidate, input, actions, targetByGroupResource, crdResources),
  );
  for (const name of missingNamespaces(planned)) {
    const object: KubeObject = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name,
        annotations: {
          ...options.overrides.annotations,
          [RESTORED_FROM_ANNOTATION]: input.backupName,
          [RESTORE_ID_ANNOTATION]: input.restoreId,
        },
      },
    };
    planned.push({
      groupResource: 'namespaces',
      source: { namespace: undefined, name },
      namespace: undefined,
      name,
      object,
      resolution: resolve('namespaces', object, undefined, targetByGroupResource, crdResources),
      synthesized: true,
    });
  }

  const byResource = new Map<string, Omit<PlannedObject, 'index'>[]>();
  for (const entry of planned) {
    const list = byResource.get(entry.groupResource) ?? [];
    list.push(entry);
    byResource.set(entry.groupResource, list);
  }
  const entries: PlannedObject[] = [];
  const tiers: PlanTier[] = [];
  for (const gr of orderResources(byResource.keys())) {
    const list = (byResource.get(gr) ?? []).sort(compareTargets);
    const start = entries.length;
    for (const entry of list) entries.push({ ...entry, index: entries.length });
    tiers.push({ groupResource: gr, start, end: entries.length });
  }
  const crdTier = tiers.find((t) => t.groupResource === CRD_GROUP_RESOURCE);
  return {
    backupName: input.backupName,
    entries,
    tiers,
    crdCount: crdTier ? crdTier.end : 0,
    excluded,
    fingerprint: fingerprintOf(entries),
  };
}

/**
 * Resolves a group-resource against the target's discovery. The object's own version is kept when
 * the group matches, so the server converts (or refuses) rather than eks-dr relabelling it silently.
 */
export function resolve(
  gr: string,
  object: KubeObject,
  namespace: string | undefined,
  targetByGroupResource: ReadonlyMap<string, ApiResource>,
  crdResources: ReadonlyMap<string, CrdServing>,
): Resolution {
  const target = targetByGroupResource.get(gr);
  if (target === undefined) {
    const crd = crdResources.get(gr);
    if (crd !== undefined && object.kind !== crd.kind) {
      return { state: 'unresolved', message: kindMismatch(object, gr, crd.kind) };
    }
    if (crd !== undefined) return { state: 'awaiting-crd', crd: crd.name };
    return {
      state: 'unresolved',
      message: `no resource ${gr} in the target cluster (is its CRD or API installed?)`,
    };
  }
  // The archive's directory says which resource an object is, its body what it is: both must agree, or
  // the object would be written as something its report does not say.
  if (object.kind !== target.kind)
    return { state: 'unresolved', message: kindMismatch(object, gr, target.kind) };
  if (!target.verbs.includes('create')) {
    return { state: 'unresolved', message: `${gr} in the target cluster does not support create` };
  }
  if (target.namespaced && namespace === undefined) {
    return {
      state: 'unresolved',
      message: `${gr} is namespaced in the target cluster, but the backup holds a cluster-scoped object`,
    };
  }
  if (!target.namespaced && namespace !== undefined) {
    return {
      state: 'unresolved',
      message: `${gr} is cluster-scoped in the target cluster, but the backup holds it in namespace ${namespace}`,
    };
  }
  const [group, version] = splitApiVersion(object.apiVersion);
  const resource = version !== undefined && group === target.group ? { ...target, version } : target;
  return { state: 'resolved', resource };
}

/** Re-resolves entries that waited for a CRD, against fresh discovery; returns how many are still unserved. */
export function resolvePending(plan: RestorePlan, targetResources: readonly ApiResource[], from = 0): number {
  const targetByGroupResource = new Map(targetResources.map((r) => [groupResource(r), r]));
  let pending = 0;
  for (const entry of plan.entries.slice(from)) {
    if (entry.resolution.state !== 'awaiting-crd' || entry.object === undefined) continue;
    const target = targetByGroupResource.get(entry.groupResource);
    if (target === undefined) {
      pending += 1;
      continue;
    }
    entry.resolution = resolve(
      entry.groupResource,
      entry.object,
      entry.namespace,
      targetByGroupResource,
      new Map(),
    );
  }
  return pending;
}

/** One line per planned object, for --dry-run: what would be sent where. */
export interface PlanLine {
  index: number;
  groupResource: string;
  namespace?: string;
  name: string;
  sourceNamespace?: string;
  apiVersion?: string;
  /** `create`, or why it would fail. */
  action: 'create' | 'create-after-crd' | 'fail';
  message?: string;
  synthesized?: boolean;
}

/** The plan as lines, for --dry-run output. */
export function planLines(plan: RestorePlan): PlanLine[] {
  return plan.entries.map((entry) => {
    const line: PlanLine = {
      index: entry.index,
      groupResource: entry.groupResource,
      name: entry.name,
      action: 'create',
    };
    if (entry.namespace !== undefined) line.namespace = entry.namespace;
    if (entry.source.namespace !== entry.namespace && entry.source.namespace !== undefined) {
      line.sourceNamespace = entry.source.namespace;
    }
    if (entry.object?.apiVersion !== undefined) line.apiVersion = entry.object.apiVersion;
    if (entry.synthesized) line.synthesized = true;
    if (entry.error !== undefined) {
      line.action = 'fail';
      line.message = entry.error;
    } else if (entry.resolution.state === 'unresolved') {
      line.action = 'fail';
      line.message = entry.resolution.message;
    } else if (entry.resolution.state === 'awaiting-crd') {
      line.action = 'create-after-crd';
      line.message = `served once CRD ${entry.resolution.crd} is Established`;
    }
    return line;
  });
}

function planOne(
  candidate: Candidate,
  input: PlanInput,
  actions: readonly RestoreAction[],
  targetByGroupResource: ReadonlyMap<string, ApiResource>,
  crdResources: ReadonlyMap<string, CrdServing>,
): Omit<PlannedObject, 'index'> {
  const { groupResource: gr, entry } = candidate;
  const context: RestoreActionContext = {
    groupResource: gr,
    sourceNamespace: entry.namespace,
    backupName: input.backupName,
    restoreId: input.restoreId,
    options: input.options,
  };
  const base = {
    groupResource: gr,
    source: { namespace: entry.namespace, name: entry.name },
    synthesized: false,
  };
  let object: KubeObject = structuredClone(candidate.object);
  object.metadata.name ??= entry.name;
  if (entry.namespace !== undefined) object.metadata.namespace = entry.namespace;
  else delete object.metadata.namespace;
  try {
    for (const action of actions) {
      if (action.appliesTo(gr, object)) object = action.execute(object, context);
    }
  } catch (error) {
    const message = `${gr} ${entry.namespace ? `${entry.namespace}/` : ''}${entry.name}: ${(error as Error).message ?? String(error)}`;
    return {
      ...base,
      namespace: entry.namespace,
      name: entry.name,
      object: undefined,
      resolution: { state: 'unresolved', message },
      error: message,
    };
  }
  const namespace = entry.namespace === undefined ? undefined : object.metadata.namespace;
  const name = object.metadata.name ?? entry.name;
  return {
    ...base,
    namespace,
    name,
    object,
    resolution: resolve(gr, object, namespace, targetByGroupResource, crdResources),
  };
}

/**
 * Namespace filters apply to the backup's namespaces. With --include-namespaces, cluster-scoped objects
 * are limited to what the included objects need: their Namespaces, the CRDs of their custom objects,
 * and the PVs their claims bind to.
 */
function selectByNamespace(
  candidates: Candidate[],
  options: ResolvedRestoreOptions,
  reject: (candidate: Candidate, reason: string) => void,
): Candidate[] {
  const include = options.includeNamespaces;
  const excludeSet = options.excludeNamespaces;
  const wanted = (ns: string) => (include === undefined || include.has(ns)) && !excludeSet.has(ns);
  if (include === undefined && excludeSet.size === 0) return candidates;
  const kept: Candidate[] = [];
  const clusterScoped: Candidate[] = [];
  for (const candidate of candidates) {
    const ns = candidate.entry.namespace;
    if (ns !== undefined) {
      if (wanted(ns)) kept.push(candidate);
      else reject(candidate, `namespace ${ns} is not selected`);
    } else clusterScoped.push(candidate);
  }
  const keptResources = new Set(kept.map((c) => c.groupResource));
  for (const candidate of clusterScoped) {
    const { groupResource: gr, object } = candidate;
    if (gr === 'namespaces') {
      if (wanted(candidate.entry.name)) kept.push(candidate);
      else reject(candidate, `namespace ${candidate.entry.name} is not selected`);
    } else if (gr === 'persistentvolumes') {
      const claimNamespace = object.spec?.claimRef;
      const ns =
        isRecord(claimNamespace) && typeof claimNamespace.namespace === 'string'
          ? claimNamespace.namespace
          : undefined;
      if (ns !== undefined ? wanted(ns) : include === undefined) kept.push(candidate);
      else
        reject(
          candidate,
          ns
            ? `bound to a claim in namespace ${ns}, which is not selected`
            : 'unbound, and --include-namespaces is set',
        );
    } else if (gr === CRD_GROUP_RESOURCE) {
      const served = servedBy(object);
      if (include === undefined || (served !== undefined && keptResources.has(served))) kept.push(candidate);
      else reject(candidate, 'no selected object uses this CRD');
    } else if (include === undefined) {
      kept.push(candidate);
    } else {
      reject(
        candidate,
        'cluster-scoped, and --include-namespaces limits the restore to the selected namespaces',
      );
    }
  }
  return kept;
}

/** `<plural>.<group>` → CRD name, for every CRD the restore will create. */
/** A resource a CRD of this restore will serve: the CRD's name and the kind it serves. */
interface CrdServing {
  name: string;
  kind: string | undefined;
}

function crdServedResources(candidates: readonly Candidate[]): Map<string, CrdServing> {
  const served = new Map<string, CrdServing>();
  for (const candidate of candidates) {
    if (candidate.groupResource !== CRD_GROUP_RESOURCE) continue;
    const gr = servedBy(candidate.object);
    if (gr === undefined) continue;
    const names = candidate.object.spec?.names as Record<string, unknown>;
    served.set(gr, {
      name: candidate.object.metadata.name ?? candidate.entry.name,
      kind: typeof names.kind === 'string' ? names.kind : undefined,
    });
  }
  return served;
}

function servedBy(crd: KubeObject): string | undefined {
  const spec = crd.spec;
  const names = isRecord(spec?.names) ? spec.names : undefined;
  if (typeof spec?.group !== 'string' || typeof names?.plural !== 'string') return undefined;
  return `${names.plural}.${spec.group}`;
}

function kindMismatch(object: KubeObject, gr: string, served: string | undefined): string {
  return `archived under ${gr}, which serves kind ${served ?? '(none named)'}, but the object says kind ${object.kind ?? '(none)'}`;
}

function missingNamespaces(planned: readonly Omit<PlannedObject, 'index'>[]): string[] {
  const present = new Set(planned.filter((p) => p.groupResource === 'namespaces').map((p) => p.name));
  const needed = new Set<string>();
  for (const entry of planned) {
    if (entry.namespace !== undefined && !present.has(entry.namespace)) needed.add(entry.namespace);
  }
  return [...needed].sort();
}

/**
 * Why an archived object is never restored, or undefined when a restore brings it: the target cluster owns
 * or rebuilds its kind, it is no Kubernetes object, or its controller recreates it.
 */
export function restoreExclusion(gr: string, archived: unknown): string | undefined {
  if (isNeverRestored(gr)) return 'never restored: the target cluster owns or rebuilds these';
  const object = asKubeObject(archived);
  if (object === undefined) return 'not a Kubernetes object (no metadata)';
  const owner = controllerOwner(object);
  if (owner !== undefined && CONTROLLER_OWNED_SKIPPED.has(gr))
    return `owned by ${owner}, whose controller recreates it`;
  return undefined;
}

function controllerOwner(object: KubeObject): string | undefined {
  const owner = object.metadata.ownerReferences?.find((ref) => ref.controller === true);
  return owner ? `${owner.kind ?? 'an object'} ${owner.name ?? ''}`.trim() : undefined;
}

function asKubeObject(value: unknown): KubeObject | undefined {
  return isRecord(value) && isRecord(value.metadata) ? (value as KubeObject) : undefined;
}

function splitApiVersion(apiVersion: string | undefined): [group: string, version: string | undefined] {
  if (apiVersion === undefined || apiVersion === '') return ['', undefined];
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? ['', apiVersion] : [apiVersion.slice(0, slash), apiVersion.slice(slash + 1)];
}

function compareTargets(a: Omit<PlannedObject, 'index'>, b: Omit<PlannedObject, 'index'>): number {
  const ka = `${a.namespace ?? ''}/${a.name}`;
  const kb = `${b.namespace ?? ''}/${b.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

function fingerprintOf(entries: readonly PlannedObject[]): string {
  const hash = createHash('sha256');
  for (const entry of entries) hash.update(`${entry.groupResource} ${entry.namespace ?? ''}/${entry.name}\n`);
  return hash.digest('hex');
}
