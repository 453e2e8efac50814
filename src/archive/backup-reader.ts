// Reading a backup out of a store: manifest first, then the archive verified against it, then objects.
import type { BackupStore } from './backup-store.ts';
import { ArchiveIntegrityError, InvalidManifestError } from './errors.ts';
import { backupKeys } from './layout.ts';
import type { ArchivePart, BackupManifest } from './manifest.ts';
import { type ArchiveContents, readArchive, verifyArchive } from './reader.ts';
import { type BackupTrust, checkManifestSignature, type SignatureStatus } from './signing.ts';
import type { ArchiveEntry } from './writer.ts';

/** A backup whose archive matched its manifest. */
export interface VerifiedBackup {
  manifest: BackupManifest;
  contents: ArchiveContents;
  /** Absent when the reader was given no trust to judge it by. */
  signature?: SignatureStatus;
}

/** How a backup is read: whose signatures are trusted, and who hears the verdict. */
export interface ReadBackupOptions {
  /** Checks the manifest's signature before any part is read; without it, signatures are not checked. */
  trust?: BackupTrust;
  /** Told the signature's verdict, before the first object is yielded. */
  onSignature?: (status: SignatureStatus) => void;
}

/**
 * Checks one backup end to end: manifest.json present and valid, archive size and sha256 as recorded,
 * gzip/tar/JSON intact, and object counts as the manifest says. Throws an error naming the file at fault.
 */
export async function verifyBackup(
  store: BackupStore,
  name: string,
  options: ReadBackupOptions = {},
): Promise<VerifiedBackup> {
  const manifest = await store.getManifest(name);
  const signature = await signatureOf(store, name, manifest, options);
  const part = archivePart(store, name, manifest);
  const location = store.describeBackup(name, 'archive');
  const contents = await verifyArchive(() => store.openArchiveRead(name), part, location);
  checkCounts(location, manifest, contents);
  return { manifest, contents, ...(signature ? { signature } : {}) };
}

/** Yields every object of a backup, only after the whole backup has passed verifyBackup's checks. */
export async function* readBackup(
  store: BackupStore,
  name: string,
  options: ReadBackupOptions = {},
): AsyncGenerator<ArchiveEntry, void> {
  const manifest = await store.getManifest(name);
  await signatureOf(store, name, manifest, options);
  const part = archivePart(store, name, manifest);
  const location = store.describeBackup(name, 'archive');
  yield* readArchive(() => store.openArchiveRead(name), part, location, {
    checkContents: (contents) => checkCounts(location, manifest, contents),
  });
}

async function signatureOf(
  store: BackupStore,
  name: string,
  manifest: BackupManifest,
  options: ReadBackupOptions,
): Promise<SignatureStatus | undefined> {
  if (options.trust === undefined) return undefined;
  const status = await checkManifestSignature(
    manifest,
    options.trust,
    store.describeBackup(name, 'manifest'),
  );
  options.onSignature?.(status);
  return status;
}

function archivePart(store: BackupStore, name: string, manifest: BackupManifest): ArchivePart {
  const { archivePart: partName } = backupKeys('', name);
  const part = manifest.parts.find((candidate) => candidate.name === partName);
  if (part === undefined) {
    throw new InvalidManifestError(store.describeBackup(name, 'manifest'), [
      { path: 'parts', message: `has no entry for the archive part ${partName}` },
    ]);
  }
  return part;
}

function checkCounts(location: string, manifest: BackupManifest, contents: ArchiveContents): void {
  const keys = new Set([...Object.keys(manifest.counts), ...Object.keys(contents.counts)]);
  const differences = [...keys]
    .sort()
    .filter((key) => (manifest.counts[key] ?? 0) !== (contents.counts[key] ?? 0))
    .map(
      (key) =>
        `${key}: archive holds ${contents.counts[key] ?? 0}, manifest says ${manifest.counts[key] ?? 0}`,
    );
  if (differences.length > 0) {
    throw new ArchiveIntegrityError(
      location,
      `object counts differ from the manifest (${differences.join('; ')})`,
    );
  }
}
