// Ties a snapshot to a store: the name is checked first, the archive streams in, the manifest goes last.
import type { BackupStore } from '../archive/backup-store.ts';
import { BackupAlreadyExistsError } from '../archive/errors.ts';
import type { BackupManifest } from '../archive/manifest.ts';
import {
  Backupper,
  type BackupperDeps,
  type SnapshotRequest,
  type SnapshotResult,
  validateSnapshotRequest,
} from './snapshot.ts';

/** A finished backup: the manifest as stored, and the snapshot's figures. */
export interface BackupOutcome extends Omit<SnapshotResult, 'manifest'> {
  manifest: BackupManifest;
  /** Where the archive is, for messages. */
  location: string;
}

/** Collaborators of a BackupService: the snapshot's, plus the store the backup goes to. */
export interface BackupServiceDeps extends BackupperDeps {
  store: BackupStore;
}

/**
 * Runs one backup into a store. A name already in use (even by an incomplete backup) is refused before
 * anything is listed; manifest.json is written only after the archive is durable, so a backup without
 * one is known to be incomplete, and a failed snapshot leaves no archive behind.
 */
export class BackupService {
  private readonly store: BackupStore;
  private readonly backupper: Backupper;

  constructor(deps: BackupServiceDeps) {
    this.store = deps.store;
    this.backupper = new Backupper(deps);
  }

  /** Snapshots the cluster into `store` under `request.name`. */
  async run(request: SnapshotRequest): Promise<BackupOutcome> {
    validateSnapshotRequest(request);
    // A cheap refusal before any API call; openArchiveUpload refuses again, atomically, for the race.
    if (await this.store.exists(request.name)) {
      throw new BackupAlreadyExistsError(request.name, this.store.describeBackup(request.name));
    }
    const sink = await this.store.openArchiveUpload(request.name);
    let result: SnapshotResult;
    try {
      result = await this.backupper.backup(request, sink);
    } catch (error) {
      // The backupper aborts its writer, which destroys the sink; this covers a failure before that (discovery).
      if (!sink.destroyed) sink.destroy(error instanceof Error ? error : new Error(String(error)));
      throw error;
    }
    const manifest = await this.store.putManifest(request.name, result.manifest);
    return { ...result, manifest, location: this.store.describeBackup(request.name, 'archive') };
  }
}
