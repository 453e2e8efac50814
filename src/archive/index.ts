// The backup format: object-store layout, manifest.json, and the streaming gzip'd tar writer and reader.
export { readBackup, type VerifiedBackup, verifyBackup } from './backup-reader.ts';
export {
  type BackupListing,
  type BackupStore,
  newestFirst,
  type ObjectSink,
  type StoredBackup,
  type UnreadableBackup,
} from './backup-store.ts';
export {
  type ArchiveErrorOptions,
  ArchiveIntegrityError,
  BackupAlreadyExistsError,
  BackupLockedError,
  BackupNotFoundError,
  BackupStoreError,
  InvalidArchiveEntryError,
  InvalidBackupLocationError,
  InvalidBackupNameError,
  InvalidManifestError,
  type ManifestIssue,
  UnsupportedFormatVersionError,
} from './errors.ts';
export {
  ARCHIVE_FORMAT_VERSION,
  type BackupKeys,
  backupKeys,
  backupsPrefix,
  type EntryLocation,
  entryPath,
  PREFERRED_VERSION_SUFFIX,
  parseEntryPath,
  preferredVersionEntryPath,
  resourceKey,
  VERSION_ENTRY_PATH,
  validateBackupName,
} from './layout.ts';
export {
  type ArchivePart,
  type BackupManifest,
  type BackupManifestInput,
  type BackupPhase,
  backupManifestSchema,
  backupPhases,
  majorOf,
  parseManifest,
  parseManifestJson,
  type SnapshotState,
  serializeManifest,
  snapshotStates,
  type VolumeSnapshotRecord,
} from './manifest.ts';
export {
  type ArchiveContents,
  type ArchiveSource,
  DEFAULT_MAX_ENTRY_BYTES,
  type ExpectedPart,
  type ReadArchiveOptions,
  readArchive,
  type VerifyArchiveOptions,
  verifyArchive,
  verifyArchiveDigest,
} from './reader.ts';
export { LocalDirectoryStore } from './stores/local-directory-store.ts';
export {
  type ArchiveBytesEntry,
  type ArchiveEntry,
  type ArchiveSummary,
  ArchiveWriter,
  type ArchiveWriterOptions,
  DEFAULT_GZIP_LEVEL,
} from './writer.ts';
