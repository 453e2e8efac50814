// Which backup a recovery restores: the newest one that is complete and provably intact in the region we
// recover into, or the one the operator named, refused with the reason when it is not.
import {
  ArchiveIntegrityError,
  type BackupManifest,
  BackupNotFoundError,
  type BackupStore,
  backupKeys,
  verifyArchiveDigest,
} from '../archive/index.ts';
import type { Now } from '../util/clock.ts';
import { BackupNotVerifiedError, NoVerifiedBackupError, type SkippedBackup } from './errors.ts';

/** The backup a recovery restores; written to `steps.backup.result`. */
export interface SelectedBackup {
  name: string;
  /** When the snapshot was taken (manifest `created`). */
  createdAt: string;
  /** Seconds of changes lost if this backup is restored now. */
  rpoSeconds: number;
  /** Objects in the archive. */
  objects: number;
  /** EBS volume snapshots the backup carries. */
  volumes: number;
  sha256: string;
  cluster: string;
  /** Newer backups passed over, with why (empty when the newest qualified or one was named). */
  skipped: SkippedBackup[];
}

/** Collaborators of BackupSelector. */
export interface BackupSelectorDependencies {
  /** The bucket of the region we recover into. */
  store: BackupStore;
  /** That region: the backup must have been copied there, with its volume snapshots. */
  region: string;
  now?: Now;
}

/** Picks the backup to restore in the recovery region and proves its archive matches its manifest. */
export class BackupSelector {
  readonly #deps: BackupSelectorDependencies;

  constructor(deps: BackupSelectorDependencies) {
    this.#deps = deps;
  }

  /** The named backup (BackupNotFoundError, BackupNotVerifiedError) or the newest verified one (NoVerifiedBackupError). */
  async select(request: { backupName?: string } = {}): Promise<SelectedBackup> {
    if (request.backupName !== undefined) {
      const manifest = await this.#deps.store.getManifest(request.backupName);
      const problem = await this.#problemOf(request.backupName, manifest);
      if (problem !== undefined) throw new BackupNotVerifiedError(request.backupName, problem);
      return this.#selected(manifest, []);
    }
    const listing = await this.#deps.store.list();
    const skipped: SkippedBackup[] = [];
    // Unreadable manifests cannot be dated; they are reported, never picked.
    for (const unreadable of listing.unreadable) {
      skipped.push({ name: unreadable.name, reason: `manifest unreadable: ${unreadable.error.message}` });
    }
    for (const { name, manifest } of listing.backups) {
      const problem = await this.#problemOf(name, manifest);
      if (problem === undefined) return this.#selected(manifest, skipped);
      skipped.push({ name, reason: problem });
    }
    throw new NoVerifiedBackupError(this.#deps.store.describe(), skipped);
  }

  /** Why the backup must not be restored here, or undefined when it may. Cheap checks first. */
  async #problemOf(name: string, manifest: BackupManifest): Promise<string | undefined> {
    const region = this.#deps.region;
    if (manifest.phase !== 'Completed') return `phase is ${manifest.phase}, not Completed`;
    if (manifest.sourceRegion !== region && !manifest.copiedRegions.includes(region)) {
      return `not copied to ${region} (copied to ${manifest.copiedRegions.join(', ') || 'no region'})`;
    }
    for (const snapshot of manifest.volumeSnapshots) {
      const usable =
        (snapshot.region === region && snapshot.state === 'completed') ||
        (snapshot.copies ?? []).some((copy) => copy.region === region && copy.state === 'completed');
      if (!usable) {
        return `volume snapshot ${snapshot.snapshotId} of ${snapshot.persistentVolume} has no completed copy in ${region}`;
      }
    }
    const partName = backupKeys('', name).archivePart;
    const part = manifest.parts.find((candidate) => candidate.name === partName);
    if (part === undefined) return `manifest lists no archive part ${partName}`;
    try {
      await verifyArchiveDigest(
        () => this.#deps.store.openArchiveRead(name),
        part,
        this.#deps.store.describeBackup(name, 'archive'),
      );
    } catch (error) {
      // Only a definite verdict on the bytes skips the backup; throttling and outages propagate for a retry.
      if (error instanceof ArchiveIntegrityError || error instanceof BackupNotFoundError)
        return error.message;
      throw error;
    }
    return undefined;
  }

  #selected(manifest: BackupManifest, skipped: SkippedBackup[]): SelectedBackup {
    const now = (this.#deps.now ?? (() => new Date()))();
    const partName = backupKeys('', manifest.name).archivePart;
    return {
      name: manifest.name,
      createdAt: manifest.created,
      rpoSeconds: Math.max(0, Math.round((now.getTime() - Date.parse(manifest.created)) / 1000)),
      objects: manifest.totalObjects,
      volumes: manifest.volumeSnapshots.length,
      sha256: manifest.parts.find((part) => part.name === partName)?.sha256 ?? '',
      cluster: manifest.cluster.name,
      skipped,
    };
  }
}
