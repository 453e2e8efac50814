// The backup format: object-store layout, manifest.json, and the streaming gzip'd tar writer and reader.
export { type ReadBackupOptions, readBackup, type VerifiedBackup, verifyBackup } from './backup-reader.ts';
export {
  type BackupListing,
  type BackupStore,
  newestFirst,
  type ObjectSink,
  type StoredBackup,
  type UnreadableBackup,
} from './backup-store.ts';
export { ed25519KeyId, ed25519Signer, ed25519Verifier } from './ed25519-signing.ts';
export {
  type ArchiveErrorOptions,
  ArchiveIntegrityError,
  BackupAlreadyExistsError,
  BackupLockedError,
  BackupNotFoundError,
  BackupStoreError,
  BadSignatureError,
  InvalidArchiveEntryError,
  InvalidBackupLocationError,
  InvalidBackupNameError,
  InvalidManifestError,
  type ManifestIssue,
  UnsignedBackupError,
  UnsupportedFormatVersionError,
  UntrustedSigningKeyError,
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
  type ManifestSignature,
  majorOf,
  manifestSignatureSchema,
  parseManifest,
  parseManifestJson,
  type SignatureAlgorithm,
  type SnapshotState,
  serializeManifest,
  signatureAlgorithms,
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
export {
  anyOf,
  type BackupTrust,
  canonicalManifestBytes,
  checkManifestSignature,
  describeSignature,
  type ManifestSigner,
  type SignatureStatus,
  type SignatureVerdict,
  type SignatureVerifier,
  signManifest,
} from './signing.ts';
export { LocalDirectoryStore } from './stores/local-directory-store.ts';
export {
  type ArchiveBytesEntry,
  type ArchiveEntry,
  type ArchiveSummary,
  ArchiveWriter,
  type ArchiveWriterOptions,
  DEFAULT_GZIP_LEVEL,
} from './writer.ts';
