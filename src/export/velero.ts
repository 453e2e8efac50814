// Exports a verified eks-dr backup as a Velero backup in a backup-storage-location (BSL) layout, so a Velero
// installation pointed at the destination syncs it in and can restore it. Every shape here was read off
// Velero's source (github.com/vmware-tanzu/velero, pkg/...), named beside the code that follows it.
//
// Written, under `<root>/backups/<name>/` (pkg/persistence/object_store_layout.go):
//   <name>.tar.gz                 the items (getBackupContentsKey)
//   <name>-resource-list.json.gz  what `velero backup describe --details` lists (getBackupResourceListKey)
//   velero-backup.json            the Backup object, written last (getBackupMetadataKey)
// Left out, because Velero treats their absence as "none" (tryGet returns nil, nil for a missing key in
// pkg/persistence/object_store.go, and the sync in pkg/controller/backup_sync_controller.go only needs
// velero-backup.json): <name>-logs.gz (best-effort even in Velero's own PutBackup), -results.gz (a
// describe-only warning/error list), -podvolumebackups.json.gz, -volumesnapshots.json.gz,
// -csi-volumesnapshot*.json.gz, -itemoperations.json.gz and -volumeinfo.json.gz. The EBS snapshots an
// eks-dr manifest records are not exported: Velero's native snapshots need its AWS plugin's own
// VolumeSnapshotLocation records, so the export reports them as a warning instead of faking them.
import { once } from 'node:events';
import { PassThrough, Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync, constants as zlib } from 'node:zlib';
import tar from 'tar-stream';
import { readBackup } from '../archive/backup-reader.ts';
import type { BackupStore, ObjectSink } from '../archive/backup-store.ts';
import {
  type EntryLocation,
  entryPath,
  preferredVersionEntryPath,
  validateBackupName,
} from '../archive/layout.ts';
import type { BackupManifest } from '../archive/manifest.ts';
import type { ArchiveEntry } from '../archive/writer.ts';
import { parseLabelSelector } from '../kube/label-selector.ts';

/** Velero's BackupFormatVersion (pkg/backup/backup.go), in metadata/version and status.formatVersion. */
export const VELERO_BACKUP_FORMAT_VERSION = '1.1.0';
/** Velero's deprecated major BackupVersion (pkg/backup/backup.go), still set in status.version. */
export const VELERO_BACKUP_VERSION = 1;
/** The namespace Velero is installed in unless told otherwise; the sync overwrites it with its own. */
export const DEFAULT_VELERO_NAMESPACE = 'velero';
/** The BSL Velero creates at install time. */
export const DEFAULT_STORAGE_LOCATION = 'default';
/** velerov1api.StorageLocationLabel (pkg/apis/velero/v1/labels_annotations.go). */
export const STORAGE_LOCATION_LABEL = 'velero.io/storage-location';

/** writeBackupVersion in pkg/backup/backup.go: `metadata/version` holding "1.1.0\n". */
const VERSION_FILE = 'metadata/version';
// Velero writes every tar header with Mode 0755 (getFileForArchive, writeBackupVersion), and its
// extractor creates each file's parent directories with that same mode (pkg/archive/extractor.go,
// MkdirAll(filepath.Dir(target), header.FileInfo().Mode())): a 0644 file would give directories
// nobody can enter, and the restore would fail reading its own items.
const ITEM_MODE = 0o755;
const MAX_LABEL_VALUE = 63;

/** Where the Velero files of backup `name` go, relative to the BSL's bucket+prefix root. */
export interface VeleroBackupKeys {
  /** `backups/<name>/`, which must hold nothing before an export. */
  directory: string;
  /** `backups/<name>/velero-backup.json` */
  metadata: string;
  /** `backups/<name>/<name>.tar.gz` */
  contents: string;
  /** `backups/<name>/<name>-resource-list.json.gz` */
  resourceList: string;
}

/** The BSL keys of a Velero backup (pkg/persistence/object_store_layout.go). */
export function veleroBackupKeys(name: string): VeleroBackupKeys {
  validateBackupName(name);
  const directory = `backups/${name}/`;
  return {
    directory,
    metadata: `${directory}velero-backup.json`,
    contents: `${directory}${name}.tar.gz`,
    resourceList: `${directory}${name}-resource-list.json.gz`,
  };
}

/** An export that cannot be made as asked: a bad option, a backup Velero could not use, a taken name. */
export class VeleroExportError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VeleroExportError';
  }
}

/** Options of exportVeleroBackup. */
export interface VeleroExportOptions {
  /**
   * The BSL name recorded in spec.storageLocation and the velero.io/storage-location label. Velero's sync
   * replaces both with the name of the BSL it found the backup in, so this matters to tools that read the
   * files directly.
   * @default DEFAULT_STORAGE_LOCATION
   */
  storageLocation?: string;
  /** @default DEFAULT_VELERO_NAMESPACE */
  namespace?: string;
}

/** What an export wrote. */
export interface VeleroExportResult {
  name: string;
  /** Where each file went, as the sink describes it. */
  files: { metadata: string; contents: string; resourceList: string };
  phase: VeleroBackupPhase;
  totalObjects: number;
  /** Bytes of `<name>.tar.gz`. */
  contentsBytes: number;
  /** What the export could not carry over, for the user to know. */
  warnings: string[];
}

/** The phases a backup Velero restores from can be in (BackupPhase, pkg/apis/velero/v1/backup_types.go). */
export type VeleroBackupPhase = 'Completed' | 'PartiallyFailed';

/** Throws VeleroExportError unless `name` can be a BSL name and a label value; callers check flags with it. */
export function checkStorageLocation(name: string): void {
  // A BSL is a Kubernetes object (DNS-1123 subdomain), and the sync puts its name in a label, which
  // label.GetValidName (pkg/label/label.go) would hash above 63 characters.
  if (
    name.length > MAX_LABEL_VALUE ||
    !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name)
  ) {
    throw new VeleroExportError(
      `storage location ${JSON.stringify(name)}: expected a BackupStorageLocation name (lowercase letters, digits, "-" and ".", at most ${MAX_LABEL_VALUE} characters)`,
    );
  }
}

/**
 * Writes backup `name` of `store` into `sink` as a Velero backup: the archive is read through readBackup,
 * so nothing is exported from a backup that does not verify. Refuses when `backups/<name>/` already holds
 * anything there; velero-backup.json goes last, so an interrupted export is one Velero's sync skips
 * (BackupExists checks for exactly that key).
 */
export async function exportVeleroBackup(
  store: BackupStore,
  name: string,
  sink: ObjectSink,
  options: VeleroExportOptions = {},
): Promise<VeleroExportResult> {
  const storageLocation = options.storageLocation ?? DEFAULT_STORAGE_LOCATION;
  checkStorageLocation(storageLocation);
  const keys = veleroBackupKeys(name);
  const manifest = await store.getManifest(name);
  const phase = veleroPhase(manifest, store.describeBackup(name, 'manifest'));
  const existing = await sink.firstKeyUnder(keys.directory);
  if (existing !== undefined) {
    throw new VeleroExportError(
      `${sink.describeKey(keys.directory)} already holds ${sink.describeKey(existing)}; an export never overwrites, pick another destination or delete it`,
    );
  }
  const { bytes, resourceList } = await writeContents(
    readBackup(store, name),
    manifest,
    await sink.openObjectUpload(keys.contents, 'application/gzip'),
  );
  const { backup, warnings } = veleroBackup(manifest, {
    storageLocation,
    namespace: options.namespace ?? DEFAULT_VELERO_NAMESPACE,
  });
  try {
    await putObject(sink, keys.resourceList, resourceListGzip(resourceList), 'application/gzip');
    await putObject(sink, keys.metadata, Buffer.from(`${JSON.stringify(backup)}\n`), 'application/json');
  } catch (error) {
    throw new VeleroExportError(
      `export of ${name} incomplete (${(error as Error).message}); Velero ignores ${sink.describeKey(keys.directory)} without velero-backup.json, delete it before exporting there again`,
      { cause: error },
    );
  }
  // What Velero does with a PV that has no snapshot: pkg/restore/restore.go ("Dynamically re-provisioning
  // persistent volume" / "Restoring persistent volume as-is").
  if (manifest.volumeSnapshots.length > 0) {
    warnings.push(
      `${manifest.volumeSnapshots.length} EBS snapshot(s) are not exported: Velero re-provisions a PersistentVolume with reclaim policy Delete empty and restores any other as-is, not from these snapshots`,
    );
  }
  return {
    name,
    files: {
      metadata: sink.describeKey(keys.metadata),
      contents: sink.describeKey(keys.contents),
      resourceList: sink.describeKey(keys.resourceList),
    },
    phase,
    totalObjects: manifest.totalObjects,
    contentsBytes: bytes,
    warnings,
  };
}

/** Velero's resource list: `<apiVersion>/<Kind>` → sorted `<namespace>/<name>` or `<name>`. */
export type VeleroResourceList = Record<string, string[]>;

/**
 * Streams `entries` into `out` as Velero's `<name>.tar.gz`: metadata/version first (as Backup writes it
 * before any item), then each item at its plain path and at its `<version>-preferredversion` path, in the
 * order read. Deterministic: fixed header fields, mtime from the manifest, gzip without a timestamp.
 */
export async function writeContents(
  entries: AsyncIterable<ArchiveEntry>,
  manifest: Pick<BackupManifest, 'created'>,
  out: Writable,
): Promise<{ bytes: number; resourceList: VeleroResourceList }> {
  const pack = tar.pack();
  const mtime = new Date(manifest.created);
  let bytes = 0;
  const counter = new PassThrough();
  counter.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  // Velero compresses with gzip.NewWriter's default level; an export is made once, so smaller wins.
  const writing = pipeline(pack, createGzip({ level: zlib.Z_DEFAULT_COMPRESSION }), counter, out);
  const resourceList = new Map<string, string[]>();
  try {
    await addFile(pack, VERSION_FILE, Buffer.from(`${VELERO_BACKUP_FORMAT_VERSION}\n`), mtime);
    for await (const entry of entries) {
      const { apiVersion, kind, version } = typeOf(entry);
      const body = Buffer.from(JSON.stringify(entry.object));
      for (const path of veleroItemPaths(entry, version)) await addFile(pack, path, body, mtime);
      const key = `${apiVersion}/${kind}`;
      const list = resourceList.get(key) ?? [];
      list.push(entry.namespace ? `${entry.namespace}/${entry.name}` : entry.name);
      resourceList.set(key, list);
    }
    pack.finalize();
  } catch (error) {
    pack.destroy(error as Error);
    await writing.catch(() => {});
    // The destination discards a destroyed upload while closing; wait, so nothing is left when this throws.
    if (!out.closed) await once(out, 'close');
    throw error;
  }
  await writing;
  return { bytes, resourceList: sortedResourceList(resourceList) };
}

/**
 * The two paths of one item, as getFileForArchive lays them out (pkg/backup/item_backupper.go): Velero
 * writes the plain path only when the object is in its group's preferred version, then the versioned one
 * with the PreferredVersionDir suffix. eks-dr lists every resource in the version discovery prefers, so
 * the object's own apiVersion is the preferred one and both paths are written.
 */
export function veleroItemPaths(location: EntryLocation, version: string): [string, string] {
  return [entryPath(location), preferredVersionEntryPath(location, version)];
}

/** Velero's resource list gzip'd as encode.ToJSONGzip writes it: json.Encoder (sorted keys, trailing newline). */
export function resourceListGzip(list: VeleroResourceList): Buffer {
  const sorted = Object.fromEntries(Object.entries(list).sort(([a], [b]) => compare(a, b)));
  return gzipSync(`${JSON.stringify(sorted)}\n`);
}

/**
 * The velero.io/v1 Backup of velero-backup.json (pkg/apis/velero/v1/backup_types.go), as a finished backup
 * has it: spec from the manifest's filters, status with Velero's version fields, phase, timestamps and
 * progress. No TTL and no status.expiration: the GC controller skips a backup without an expiration
 * (pkg/controller/gc_controller.go), so Velero keeps an export until someone deletes it.
 */
export function veleroBackup(
  manifest: BackupManifest,
  options: { storageLocation: string; namespace: string },
): { backup: Record<string, unknown>; warnings: string[] } {
  const warnings: string[] = [];
  const { filters } = manifest;
  const spec: Record<string, unknown> = {
    ...nonEmpty('includedNamespaces', filters.includeNamespaces),
    ...nonEmpty('excludedNamespaces', filters.excludeNamespaces),
    ...nonEmpty('includedResources', filters.includeResources),
    ...nonEmpty('excludedResources', filters.excludeResources),
    ...(filters.includeClusterResources !== undefined
      ? { includeClusterResources: filters.includeClusterResources }
      : {}),
    storageLocation: options.storageLocation,
  };
  if (filters.labelSelector !== undefined && filters.labelSelector !== '') {
    const selector = metav1LabelSelector(filters.labelSelector);
    if (selector === undefined) {
      warnings.push(
        `labelSelector ${JSON.stringify(filters.labelSelector)} uses gt/lt, which a metav1.LabelSelector cannot hold; spec.labelSelector left out`,
      );
    } else {
      spec.labelSelector = selector;
    }
  }
  const status: Record<string, unknown> = {
    version: VELERO_BACKUP_VERSION,
    formatVersion: VELERO_BACKUP_FORMAT_VERSION,
    phase: veleroPhase(manifest, `manifest of ${manifest.name}`),
    startTimestamp: metav1Time(manifest.created),
    completionTimestamp: metav1Time(manifest.completed),
    // Velero sets both counts to the items it wrote once a backup finishes (pkg/backup/backup.go).
    ...(manifest.totalObjects > 0
      ? { progress: { totalItems: manifest.totalObjects, itemsBackedUp: manifest.totalObjects } }
      : {}),
    ...(manifest.warnings.length > 0 ? { warnings: manifest.warnings.length } : {}),
  };
  const backup = {
    apiVersion: 'velero.io/v1',
    kind: 'Backup',
    metadata: {
      name: manifest.name,
      namespace: options.namespace,
      labels: { [STORAGE_LOCATION_LABEL]: options.storageLocation },
    },
    spec,
    status,
  };
  return { backup, warnings };
}

/** A label selector string as a metav1.LabelSelector, or undefined when it uses gt/lt (not expressible). */
export function metav1LabelSelector(text: string): Record<string, unknown> | undefined {
  const matchLabels: Record<string, string> = {};
  const matchExpressions: { key: string; operator: string; values?: string[] }[] = [];
  for (const { key, operator, values } of parseLabelSelector(text).requirements) {
    const [value = ''] = values;
    switch (operator) {
      case 'Equals':
        // `a=1,a=2` cannot be two matchLabels entries; as an In expression it keeps its meaning.
        if (key in matchLabels) matchExpressions.push({ key, operator: 'In', values: [value] });
        else matchLabels[key] = value;
        break;
      case 'NotEquals':
        matchExpressions.push({ key, operator: 'NotIn', values: [value] });
        break;
      case 'In':
      case 'NotIn':
        matchExpressions.push({ key, operator, values: [...values] });
        break;
      case 'Exists':
      case 'DoesNotExist':
        matchExpressions.push({ key, operator });
        break;
      default:
        return undefined;
    }
  }
  return {
    ...(Object.keys(matchLabels).length > 0 ? { matchLabels } : {}),
    ...(matchExpressions.length > 0 ? { matchExpressions } : {}),
  };
}

function veleroPhase(manifest: BackupManifest, source: string): VeleroBackupPhase {
  if (manifest.phase === 'Failed') {
    throw new VeleroExportError(
      `${source}: phase is Failed; Velero restores only Completed and PartiallyFailed backups, nothing to export`,
    );
  }
  return manifest.phase;
}

/** apiVersion, kind and version of an item, which Velero's paths and resource list are built from. */
function typeOf(entry: ArchiveEntry): { apiVersion: string; kind: string; version: string } {
  // readBackup has already refused an object without apiVersion or kind, or whose apiVersion's group
  // differs from its path's (checkIdentity in src/archive/reader.ts).
  const { apiVersion, kind } = entry.object as { apiVersion: string; kind: string };
  return { apiVersion, kind, version: apiVersion.slice(apiVersion.lastIndexOf('/') + 1) };
}

function addFile(pack: tar.Pack, name: string, body: Buffer, mtime: Date): Promise<void> {
  // The entry's callback runs once tar-stream has handed its bytes on, so waiting for it keeps memory to
  // what the gzip and the destination hold, not the whole archive.
  return new Promise((resolve, reject) => {
    const entry = pack.entry(
      { name, size: body.length, mode: ITEM_MODE, mtime, uid: 0, gid: 0, type: 'file' },
      (error) => (error ? reject(error) : resolve()),
    );
    entry.end(body);
  });
}

async function putObject(sink: ObjectSink, key: string, body: Buffer, contentType: string): Promise<void> {
  await pipeline(Readable.from([body]), await sink.openObjectUpload(key, contentType));
}

function sortedResourceList(lists: Map<string, string[]>): VeleroResourceList {
  // ResourceMap sorts each list with sort.Strings (byte order); Kubernetes names are ASCII, where
  // JavaScript's code-unit order is the same.
  return Object.fromEntries([...lists].map(([key, names]) => [key, names.sort(compare)]));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function nonEmpty(field: string, values: string[] | undefined): Record<string, string[]> {
  return values !== undefined && values.length > 0 ? { [field]: values } : {};
}

/** metav1.Time marshals as RFC 3339 in UTC with whole seconds. */
function metav1Time(iso: string): string {
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
