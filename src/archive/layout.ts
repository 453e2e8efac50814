// The one place object-store keys and archive entry paths are built (Velero layout); nobody concatenates
// them by hand elsewhere, so a layout change is a change to this file alone.
import { BackupStoreError, InvalidArchiveEntryError, InvalidBackupNameError } from './errors.ts';

/** The archive format version written to `metadata/version` and to manifest.json's `formatVersion`. */
export const ARCHIVE_FORMAT_VERSION = '1.1.0';

/** The archive entry that carries the format version; readers look for it before any resource entry. */
export const VERSION_ENTRY_PATH = 'metadata/version';

/** Where one backup lives in the object store. */
export interface BackupKeys {
  /** `<prefix>/backups/<name>/`, with the trailing slash so listing it never matches `<name>-2`. */
  directory: string;
  /** `<prefix>/backups/<name>/manifest.json` */
  manifest: string;
  /** `<prefix>/backups/<name>/<name>.tar.gz` */
  archive: string;
  /** `<name>.tar.gz`, the part name recorded in the manifest and used in error messages. */
  archivePart: string;
}

/** Identifies one Kubernetes object inside an archive; `group` is '' for the core group. */
export interface EntryLocation {
  resource: string;
  group: string;
  namespace?: string | undefined;
  name: string;
}

const MAX_BACKUP_NAME = 63;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Throws InvalidBackupNameError unless `name` is a DNS-1123 subdomain of at most 63 characters. */
export function validateBackupName(name: string): void {
  if (typeof name !== 'string' || name.length === 0) {
    throw new InvalidBackupNameError(String(name), 'must not be empty');
  }
  if (name.length > MAX_BACKUP_NAME) {
    throw new InvalidBackupNameError(
      name,
      `is ${name.length} characters, at most ${MAX_BACKUP_NAME} allowed`,
    );
  }
  if (!DNS_SUBDOMAIN.test(name)) {
    throw new InvalidBackupNameError(
      name,
      'must be lowercase letters, digits, "-" and ".", starting and ending with a letter or digit',
    );
  }
}

/** The `<prefix>/backups/` key prefix under which every backup of a store lives. */
export function backupsPrefix(prefix: string): string {
  return `${joinKey(normalisePrefix(prefix), 'backups')}/`;
}

/** The object-store keys of backup `name` under `prefix` (which may be empty or end in a slash). */
export function backupKeys(prefix: string, name: string): BackupKeys {
  validateBackupName(name);
  const directory = `${backupsPrefix(prefix)}${name}/`;
  const archivePart = `${name}.tar.gz`;
  return {
    directory,
    manifest: `${directory}manifest.json`,
    archive: `${directory}${archivePart}`,
    archivePart,
  };
}

/** Throws unless `key` is relative to a store's root and cannot climb out of it (no "." or ".." segments). */
export function checkObjectKey(key: string): string {
  if (key === '' || key.startsWith('/') || key.split('/').some((part) => part === '.' || part === '..')) {
    throw new BackupStoreError(key, 'object keys must be relative and must not contain "." or ".." segments');
  }
  return key;
}

/** The counts key of a resource: `deployments.apps`, or plain `configmaps` for the core group. */
export function resourceKey(resource: string, group: string): string {
  return group ? `${resource}.${group}` : resource;
}

/** The archive path of one object: `resources/<resource>[.<group>]/namespaces/<ns>/<name>.json` or `.../cluster/<name>.json`. */
export function entryPath(location: EntryLocation): string {
  const { resource, group, namespace, name } = location;
  checkSegment('resource', resource);
  // The first dot separates resource from group when parsing, so a dotted resource could not round-trip.
  if (resource.includes('.'))
    throw new InvalidArchiveEntryError('resource', resource, 'must not contain "."');
  if (group !== '') checkSegment('group', group);
  checkSegment('name', name);
  const base = `resources/${resourceKey(resource, group)}`;
  // An empty namespace is how some clients report a cluster-scoped object.
  if (namespace === undefined || namespace === '') return `${base}/cluster/${name}.json`;
  checkSegment('namespace', namespace);
  return `${base}/namespaces/${namespace}/${name}.json`;
}

/** Velero's suffix of the directory holding a resource's objects in its preferred API version (`v1-preferredversion`). */
export const PREFERRED_VERSION_SUFFIX = '-preferredversion';

/**
 * The versioned archive path Velero's backup format 1.1.0 writes beside the plain one:
 * `resources/<resource>[.<group>]/<version>-preferredversion/namespaces/<ns>/<name>.json` (or `/cluster/`).
 */
export function preferredVersionEntryPath(location: EntryLocation, version: string): string {
  checkSegment('version', version);
  const plain = entryPath(location);
  const base = `resources/${resourceKey(location.resource, location.group)}/`;
  return `${base}${version}${PREFERRED_VERSION_SUFFIX}/${plain.slice(base.length)}`;
}

const ENTRY_PATH = /^resources\/([^/]+)\/(?:namespaces\/([^/]+)|cluster)\/([^/]+)\.json$/;

/** The inverse of entryPath; undefined for anything that is not a resource entry (e.g. `metadata/version`). */
export function parseEntryPath(path: string): EntryLocation | undefined {
  const match = ENTRY_PATH.exec(path);
  if (!match) return undefined;
  const [, key = '', namespace, name = ''] = match;
  const dot = key.indexOf('.');
  const resource = dot === -1 ? key : key.slice(0, dot);
  const group = dot === -1 ? '' : key.slice(dot + 1);
  if (resource === '' || (dot !== -1 && group === '') || name === '.' || name === '..') return undefined;
  return namespace === undefined ? { resource, group, name } : { resource, group, namespace, name };
}

function checkSegment(field: 'resource' | 'group' | 'namespace' | 'name' | 'version', value: string): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidArchiveEntryError(field, value, 'must be a non-empty string');
  }
  // Each of these would change the path's shape, so the entry could not be found again by parseEntryPath.
  if (value.includes('/') || value.includes('\0') || value === '.' || value === '..') {
    throw new InvalidArchiveEntryError(field, value, 'must not contain "/" or NUL, nor be "." or ".."');
  }
}

function normalisePrefix(prefix: string): string {
  return prefix
    .split('/')
    .filter((part) => part !== '')
    .join('/');
}

function joinKey(...parts: string[]): string {
  return parts.filter((part) => part !== '').join('/');
}
