// The one interface every backup destination implements (local directory, S3); use cases depend on it alone.
import type { Readable, Writable } from 'node:stream';
import { ArchiveIntegrityError, BackupNotFoundError, InvalidManifestError } from './errors.ts';
import type { BackupKeys } from './layout.ts';
import {
  type BackupManifest,
  type BackupManifestInput,
  parseManifestJson,
  serializeManifest,
} from './manifest.ts';

/** A backup a store holds: its name and its validated manifest. */
export interface StoredBackup {
  name: string;
  manifest: BackupManifest;
}

/** A backup whose manifest exists but cannot be read or validated; listed so it is not silently ignored. */
export interface UnreadableBackup {
  name: string;
  error: Error;
}

/** What `list()` finds: complete backups newest first, and those whose manifest is unreadable. */
export interface BackupListing {
  backups: StoredBackup[];
  unreadable: UnreadableBackup[];
}

/**
 * Where backups live. A backup is `<name>/<name>.tar.gz` plus `<name>/manifest.json`; the manifest is
 * written last, so a backup without one is incomplete and is neither listed nor readable. A name in use
 * is never overwritten: writers get BackupAlreadyExistsError before any byte is stored.
 */
export interface BackupStore {
  /** Where this store is, for messages: `s3://bucket/prefix` or a directory path. */
  describe(): string;
  /** Where one file of a backup is, for messages: e.g. `s3://bucket/prefix/backups/<name>/manifest.json`. */
  describeBackup(name: string, file?: 'manifest' | 'archive'): string;
  /**
   * Opens the sink for the archive part of a new backup; refuses with BackupAlreadyExistsError when the
   * name is taken (even by an incomplete backup). The bytes are stored under their final name only when the
   * stream finishes ('finish' is emitted after they are durable); destroying it discards them.
   */
  openArchiveUpload(name: string): Promise<Writable>;
  /**
   * Writes manifest.json, which completes the backup. Refuses an invalid manifest, a manifest whose name
   * differs from `name` or whose part does not match the stored archive's size, and a name that already has one.
   */
  putManifest(name: string, manifest: BackupManifestInput): Promise<BackupManifest>;
  /** Reads and validates manifest.json; BackupNotFoundError when there is none. */
  getManifest(name: string): Promise<BackupManifest>;
  /** Streams the archive part; BackupNotFoundError when there is none. */
  openArchiveRead(name: string): Promise<Readable>;
  /** Whether a complete backup (one with a manifest) of this name exists. */
  exists(name: string): Promise<boolean>;
  /** Complete backups, newest `created` first. */
  list(): Promise<BackupListing>;
  /** Deletes a backup, complete or not; BackupLockedError when retention protects it, BackupNotFoundError when absent. */
  delete(name: string): Promise<void>;
}

/**
 * Writing arbitrary objects under a store's root, each exactly once: what an export into another tool's
 * layout (Velero's) needs, kept apart from BackupStore so that port stays about eks-dr backups alone.
 * Keys are relative to the root (`backups/<name>/...`); the store adds its directory or prefix.
 */
export interface ObjectSink {
  /** Where `key` is, for messages: a path, or `s3://bucket/prefix/<key>`. */
  describeKey(key: string): string;
  /** One key that exists under `prefix` (which ends in "/"), or undefined when nothing is there. */
  firstKeyUnder(prefix: string): Promise<string | undefined>;
  /**
   * Opens the sink for a new object at `key`; refuses with BackupStoreError when the key exists. As with
   * openArchiveUpload, 'finish' means the bytes are durable and destroying the stream discards them.
   */
  openObjectUpload(key: string, contentType: string): Promise<Writable>;
}

/** Sorts backups newest `created` first (ties by name, descending, so the order is stable). */
export function newestFirst(backups: StoredBackup[]): StoredBackup[] {
  return backups.sort(
    (a, b) =>
      Date.parse(b.manifest.created) - Date.parse(a.manifest.created) ||
      (a.name < b.name ? 1 : a.name > b.name ? -1 : 0),
  );
}

/**
 * Serialises the manifest a store is about to write for backup `name` and checks it belongs there, before
 * anything is written: it names this backup, and every part it lists is this backup's archive with the
 * size the store holds. `locate` turns a key into the store's path or URL (for messages); `storedSize`
 * reads the archive's size, undefined when it is missing.
 */
export async function checkedManifest(
  name: string,
  manifest: BackupManifestInput,
  keys: BackupKeys,
  locate: (key: string) => string,
  storedSize: () => Promise<number | undefined>,
): Promise<{ text: string; parsed: BackupManifest }> {
  const target = locate(keys.manifest);
  const text = serializeManifest(manifest, target);
  const parsed = parseManifestJson(text, target);
  checkManifestName(parsed, name, target);
  for (const part of parsed.parts) {
    if (part.name !== keys.archivePart) {
      throw new InvalidManifestError(target, [
        { path: 'parts.name', message: `${part.name} is not this backup's archive part ${keys.archivePart}` },
      ]);
    }
    const size = await storedSize();
    if (size === undefined) throw new BackupNotFoundError(name, locate(keys.archive), 'archive');
    if (size !== part.size) {
      throw new ArchiveIntegrityError(
        locate(keys.archive),
        `stored size ${size} bytes, manifest says ${part.size}`,
      );
    }
  }
  return { text, parsed };
}

/** Throws unless a manifest read from `source` names the backup it was read as. */
export function checkManifestName(manifest: BackupManifest, name: string, source: string): void {
  if (manifest.name !== name) {
    throw new InvalidManifestError(source, [
      { path: 'name', message: `is ${JSON.stringify(manifest.name)} but the backup is named ${name}` },
    ]);
  }
}
