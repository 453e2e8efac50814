// What DR deleted while it served: on failback, objects the failover carried into DR (they carry the
// restored-from annotation of the backup it restored) that DR's own snapshot no longer holds. Only such
// objects are considered, so nothing outside the backup's scope (system namespaces, what the filters leave
// out, what a restore never brings) and nothing the primary made that DR never saw is ever named, let alone
// deleted.
import { readBackup } from '../archive/backup-reader.ts';
import type { BackupStore } from '../archive/backup-store.ts';
import { BackupNotFoundError } from '../archive/errors.ts';
import type { ArchiveEntry } from '../archive/writer.ts';
import type { ClusterClient } from '../kube/cluster-client.ts';
import { type ApiResource, groupResource } from '../kube/kube-object.ts';
import { isRecord } from '../util/is-record.ts';
import {
  RESTORED_FROM_ANNOTATION,
  RESTORED_FROM_NAMESPACE_ANNOTATION,
} from './actions/restore-annotations.ts';
import { restoreExclusion } from './planner.ts';

/** What a failback does with objects deleted in DR: name them in its answer, or also delete them. */
export type DeletedInDrMode = 'report' | 'remove';

/** One object DR deleted: `configmaps shop/orders`, `namespaces old-shop`. */
export interface DeletedInDrObject {
  groupResource: string;
  namespace?: string;
  name: string;
}

/** What the failback found (and removed) of what DR deleted. */
export interface DeletedInDrReport {
  /** Still in the primary, absent from DR's snapshot: `<resource> <namespace>/<name>`. */
  deletedInDr: string[];
  /** Those of them deleted from the primary (only when asked to). */
  removedFromPrimary: string[];
  /** The backups DR was restored from that the comparison read. */
  comparedWith: string[];
  /** Backups DR's objects name as their origin that the store no longer holds: their objects were not compared. */
  missingBackups: string[];
}

/** `configmaps shop/orders`: how objects are named in answers and reports. */
export function objectRef(object: DeletedInDrObject): string {
  return `${object.groupResource} ${object.namespace ? `${object.namespace}/` : ''}${object.name}`;
}

/** The backups DR's archived objects say they were restored from (their restored-from annotation). */
export function restoredFromOf(drSnapshot: Iterable<ArchiveEntry>): string[] {
  const names = new Set<string>();
  for (const entry of drSnapshot) {
    const from = annotationOf(entry, RESTORED_FROM_ANNOTATION);
    if (from !== undefined) names.add(from);
  }
  return [...names].sort();
}

/**
 * The namespace mapping the restore of `backupName` into DR used, as DR's objects remember it (their
 * restored-from-namespace annotation): backup namespace → DR namespace. Empty when nothing was moved.
 */
export function namespaceMappingOf(
  drSnapshot: Iterable<ArchiveEntry>,
  backupName: string,
): Map<string, string> {
  const mapping = new Map<string, string>();
  for (const entry of drSnapshot) {
    const from = annotationOf(entry, RESTORED_FROM_NAMESPACE_ANNOTATION);
    if (from === undefined || annotationOf(entry, RESTORED_FROM_ANNOTATION) !== backupName) continue;
    const to = groupResource(entry) === 'namespaces' ? entry.name : entry.namespace;
    if (to !== undefined && to !== '') mapping.set(from, to);
  }
  return mapping;
}

/**
 * The objects of `restoredFrom` (what the failover's backup held) that a restore brings and DR's snapshot no
 * longer holds, in archive order without repeats. `mapping` (namespaceMappingOf) says where the failover put
 * each backup namespace in DR; the objects are named where the backup, and so the primary, has them.
 */
export function deletedInDrOf(
  restoredFrom: Iterable<ArchiveEntry>,
  drSnapshot: Iterable<ArchiveEntry>,
  mapping: ReadonlyMap<string, string> = new Map(),
): DeletedInDrObject[] {
  const inDr = new Set<string>();
  for (const entry of drSnapshot) inDr.add(objectRef(locationOf(entry)));
  const deleted = new Map<string, DeletedInDrObject>();
  for (const entry of restoredFrom) {
    const object = locationOf(entry);
    const ref = objectRef(object);
    if (inDr.has(objectRef(inDrLocation(object, mapping))) || deleted.has(ref)) continue;
    if (restoreExclusion(object.groupResource, entry.object) !== undefined) continue;
    deleted.set(ref, object);
  }
  return [...deleted.values()];
}

/** Collaborators of settleDeletedInDr: the store holding both backups, and the primary cluster. */
export interface DeletedInDrDeps {
  store: BackupStore;
  client: ClusterClient;
}

/**
 * Compares DR's snapshot with the backups DR was restored from, keeps what the primary still has, and deletes
 * that from the primary in mode `remove`. A backup no longer in the store is named in `missingBackups`
 * rather than failing the failback, whose objects have come home by now.
 */
export async function settleDeletedInDr(
  deps: DeletedInDrDeps,
  drSnapshotName: string,
  mode: DeletedInDrMode,
): Promise<DeletedInDrReport> {
  const drSnapshot = await entriesOf(deps.store, drSnapshotName);
  const report: DeletedInDrReport = {
    deletedInDr: [],
    removedFromPrimary: [],
    comparedWith: [],
    missingBackups: [],
  };
  const sources = restoredFromOf(drSnapshot).filter((name) => name !== drSnapshotName);
  const candidates: DeletedInDrObject[] = [];
  for (const name of sources) {
    let entries: ArchiveEntry[];
    try {
      entries = await entriesOf(deps.store, name);
    } catch (error) {
      if (!(error instanceof BackupNotFoundError)) throw error;
      report.missingBackups.push(name);
      continue;
    }
    report.comparedWith.push(name);
    candidates.push(...deletedInDrOf(entries, drSnapshot, namespaceMappingOf(drSnapshot, name)));
  }
  if (candidates.length === 0) return report;
  const resources = new Map<string, ApiResource>();
  for (const resource of (await deps.client.discover()).resources) {
    resources.set(groupResource(resource), resource);
  }
  const seen = new Set<string>();
  for (const object of candidates) {
    const ref = objectRef(object);
    const resource = resources.get(object.groupResource);
    if (seen.has(ref) || resource === undefined) continue;
    seen.add(ref);
    if ((await deps.client.get(resource, object.namespace, object.name)) === undefined) continue;
    report.deletedInDr.push(ref);
    if (mode === 'remove') {
      await deps.client.delete(resource, object.namespace, object.name);
      report.removedFromPrimary.push(ref);
    }
  }
  return report;
}

// Where the failover's restore put an object of its backup in DR.
function inDrLocation(object: DeletedInDrObject, mapping: ReadonlyMap<string, string>): DeletedInDrObject {
  if (object.groupResource === 'namespaces')
    return { ...object, name: mapping.get(object.name) ?? object.name };
  if (object.namespace === undefined) return object;
  return { ...object, namespace: mapping.get(object.namespace) ?? object.namespace };
}

function annotationOf(entry: ArchiveEntry, key: string): string | undefined {
  const metadata = isRecord(entry.object) ? entry.object.metadata : undefined;
  const annotations = isRecord(metadata) ? metadata.annotations : undefined;
  const value = isRecord(annotations) ? annotations[key] : undefined;
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function locationOf(entry: ArchiveEntry): DeletedInDrObject {
  const object: DeletedInDrObject = { groupResource: groupResource(entry), name: entry.name };
  if (entry.namespace) object.namespace = entry.namespace;
  return object;
}

async function entriesOf(store: BackupStore, name: string): Promise<ArchiveEntry[]> {
  const entries: ArchiveEntry[] = [];
  for await (const entry of readBackup(store, name)) entries.push(entry);
  return entries;
}
