// Step Functions Retry/Catch match on these `name`s, so they are part of the workflow contract: keep them stable.

/** Options every archive error accepts, so the underlying failure travels with it. */
export interface ArchiveErrorOptions {
  cause?: unknown;
}

/** A backup name that cannot become an object-store key or a Kubernetes-style name. */
export class InvalidBackupNameError extends Error {
  constructor(
    readonly backupName: string,
    reason: string,
    options: ArchiveErrorOptions = {},
  ) {
    super(`backup name ${JSON.stringify(backupName)}: ${reason}`, options);
    this.name = 'InvalidBackupNameError';
  }
}

/** An entry whose resource, group, namespace or name cannot be placed in the archive layout. */
export class InvalidArchiveEntryError extends Error {
  constructor(
    readonly field: 'resource' | 'group' | 'namespace' | 'name' | 'version' | 'object',
    readonly value: unknown,
    reason: string,
    options: ArchiveErrorOptions = {},
  ) {
    super(`archive entry ${field} ${JSON.stringify(value)}: ${reason}`, options);
    this.name = 'InvalidArchiveEntryError';
  }
}

/** One problem found in a manifest: the dotted field path and what is wrong with it. */
export interface ManifestIssue {
  path: string;
  message: string;
}

const MAX_ISSUES_IN_MESSAGE = 5;

/** A manifest.json that is not valid JSON or does not match the manifest schema. */
export class InvalidManifestError extends Error {
  constructor(
    readonly source: string,
    readonly issues: readonly ManifestIssue[],
    options: ArchiveErrorOptions = {},
  ) {
    const shown = issues.slice(0, MAX_ISSUES_IN_MESSAGE).map((i) => `${i.path}: ${i.message}`);
    const more =
      issues.length > MAX_ISSUES_IN_MESSAGE ? ` (and ${issues.length - MAX_ISSUES_IN_MESSAGE} more)` : '';
    super(`manifest ${source}: ${shown.join('; ')}${more}`, options);
    this.name = 'InvalidManifestError';
  }
}

/** A manifest or archive written in a format whose major version this reader does not understand. */
export class UnsupportedFormatVersionError extends Error {
  constructor(
    readonly source: string,
    readonly found: string | undefined,
    readonly supported: string,
    options: ArchiveErrorOptions = {},
  ) {
    const what =
      found === undefined ? 'has no format version' : `has format version ${JSON.stringify(found)}`;
    super(`${source}: ${what}, this reader supports ${supported.split('.')[0]}.x (${supported})`, options);
    this.name = 'UnsupportedFormatVersionError';
  }
}

/** An archive part whose bytes do not match its manifest, or whose gzip/tar/JSON structure is broken. */
export class ArchiveIntegrityError extends Error {
  constructor(
    readonly part: string,
    detail: string,
    options: ArchiveErrorOptions = {},
  ) {
    super(`${part}: ${detail}`, options);
    this.name = 'ArchiveIntegrityError';
  }
}

/** A backup name that is already taken in a store; nothing was written. */
export class BackupAlreadyExistsError extends Error {
  constructor(
    readonly backupName: string,
    readonly location: string,
    detail = 'already exists and backups are never overwritten',
    options: ArchiveErrorOptions = {},
  ) {
    super(`backup ${backupName} at ${location}: ${detail}`, options);
    this.name = 'BackupAlreadyExistsError';
  }
}

/** A backup, or one of its files (manifest.json, the archive part), that a store does not hold. */
export class BackupNotFoundError extends Error {
  constructor(
    readonly backupName: string,
    readonly location: string,
    readonly missing: 'manifest' | 'archive',
    options: ArchiveErrorOptions = {},
  ) {
    const what =
      missing === 'manifest'
        ? 'manifest.json not found (no such backup, or an incomplete one whose manifest was never written)'
        : 'archive part not found';
    super(`backup ${backupName}: ${location}: ${what}`, options);
    this.name = 'BackupNotFoundError';
  }
}

/** A delete refused because Object Lock retention or a legal hold protects part of the backup. */
export class BackupLockedError extends Error {
  constructor(
    readonly backupName: string,
    readonly location: string,
    detail: string,
    options: ArchiveErrorOptions = {},
  ) {
    super(`backup ${backupName}: ${location}: ${detail}`, options);
    this.name = 'BackupLockedError';
  }
}

/** A store that could not complete a read, write, copy or delete; `location` names the object at fault. */
export class BackupStoreError extends Error {
  constructor(
    readonly location: string,
    detail: string,
    options: ArchiveErrorOptions = {},
  ) {
    super(`${location}: ${detail}`, options);
    this.name = 'BackupStoreError';
  }
}

/** A backup location (directory path or s3:// URL) that cannot be used. */
export class InvalidBackupLocationError extends Error {
  constructor(
    readonly location: string,
    reason: string,
    options: ArchiveErrorOptions = {},
  ) {
    super(`backup location ${JSON.stringify(location)}: ${reason}`, options);
    this.name = 'InvalidBackupLocationError';
  }
}

/** A backup whose manifest carries no signature, read where unsigned backups are not allowed. */
export class UnsignedBackupError extends Error {
  constructor(
    readonly backupName: string,
    readonly source: string,
    options: ArchiveErrorOptions = {},
  ) {
    super(
      `backup ${backupName}: ${source} is not signed; refused (allow unsigned backups explicitly to read it anyway)`,
      options,
    );
    this.name = 'UnsignedBackupError';
  }
}

/** A manifest whose signature does not match its content: altered after signing, or signed by someone else. */
export class BadSignatureError extends Error {
  constructor(
    readonly backupName: string,
    readonly source: string,
    readonly keyId: string,
    options: ArchiveErrorOptions = {},
  ) {
    super(
      `backup ${backupName}: ${source}: signature by key ${keyId} does not verify; the manifest was altered or re-signed`,
      options,
    );
    this.name = 'BadSignatureError';
  }
}

/** A manifest signed by a key the reader does not trust. */
export class UntrustedSigningKeyError extends Error {
  constructor(
    readonly backupName: string,
    readonly source: string,
    readonly keyId: string,
    options: ArchiveErrorOptions = {},
  ) {
    super(`backup ${backupName}: ${source}: signed by key ${keyId}, which is not trusted here`, options);
    this.name = 'UntrustedSigningKeyError';
  }
}
