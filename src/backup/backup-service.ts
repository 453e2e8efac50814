// Ties a snapshot to a store: the name is checked first, the archive streams in, the manifest goes last.
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { BackupStore } from '../archive/backup-store.ts';
import { BackupAlreadyExistsError } from '../archive/errors.ts';
import type { BackupManifest } from '../archive/manifest.ts';
import { type ManifestSigner, signManifest } from '../archive/signing.ts';
import type { ClusterClient } from '../kube/cluster-client.ts';
import type { KubeObject } from '../kube/kube-object.ts';
import { persistentVolumesOf } from '../volumes/persistent-volumes.ts';
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
  /** Signs every manifest this service writes; without one, backups are written unsigned. */
  signer?: ManifestSigner | undefined;
}

/**
 * Runs one backup into a store. A name already in use (even by an incomplete backup) is refused before
 * anything is listed; manifest.json is written only after the archive is durable, so a backup without
 * one is known to be incomplete, and a failed snapshot leaves no archive behind.
 */
export class BackupService {
  private readonly store: BackupStore;
  private readonly backupper: Backupper;
  private readonly signer: ManifestSigner | undefined;

  constructor(deps: BackupServiceDeps) {
    this.store = deps.store;
    this.signer = deps.signer;
    this.backupper = new Backupper(deps);
  }

  /**
   * Snapshots the cluster into `store` under `request.name`. An aborted `signal` (Ctrl-C in the CLI)
   * abandons the archive, so the store keeps nothing of it, and rejects with the signal's reason.
   */
  async run(request: SnapshotRequest, options: { signal?: AbortSignal } = {}): Promise<BackupOutcome> {
    const { signal } = options;
    signal?.throwIfAborted();
    validateSnapshotRequest(request);
    // A cheap refusal before any API call; openArchiveUpload refuses again, atomically, for the race.
    if (await this.store.exists(request.name)) {
      throw new BackupAlreadyExistsError(request.name, this.store.describeBackup(request.name));
    }
    const sink = await this.store.openArchiveUpload(request.name);
    // Every failure reaches the caller through the snapshot's promise; the 'error' event a discard emits on
    // the sink has no other listener before the writer exists, and unheard it would crash the process.
    sink.on('error', () => {});
    const snapshot = this.backupper.backup(request, sink);
    let result: SnapshotResult;
    try {
      result = await untilAborted(snapshot, signal);
    } catch (error) {
      if (signal?.aborted && sink.writableFinished) {
        // The archive was already in place: finishing takes one small write, while stopping here would leave
        // an incomplete backup holding the name.
        result = await snapshot;
      } else {
        // The backupper aborts its writer, which destroys the sink; this covers a failure before that
        // (discovery) and an abort, and waits until the store has thrown the partial archive away.
        await discard(sink, error);
        throw error;
      }
    }
    const target = this.store.describeBackup(request.name, 'manifest');
    const signed = this.signer ? await signManifest(result.manifest, this.signer, target) : result.manifest;
    const manifest = await this.store.putManifest(request.name, signed);
    return { ...result, manifest, location: this.store.describeBackup(request.name, 'archive') };
  }
}

/** A backup as a retried workflow step sees it: taken now, or found complete from an earlier attempt. */
export interface StepBackup {
  manifest: BackupManifest;
  /** True when an earlier attempt had completed it. */
  existed: boolean;
  /** Its PVs as archived: handed back by the snapshot that wrote them, or read back when it existed. */
  persistentVolumes(): Promise<KubeObject[]>;
}

/** What backupOnce works with: a BackupService's collaborators, the cluster connected only when needed. */
export interface BackupOnceDeps extends Omit<BackupServiceDeps, 'client'> {
  connect(): Promise<ClusterClient>;
}

/**
 * Takes the backup `request.name` unless an earlier attempt completed it (then its manifest is answered and
 * the cluster is not touched). An attempt that died mid-upload left an archive without a manifest: that one
 * is incomplete, so it is discarded and the backup taken again.
 */
export async function backupOnce(deps: BackupOnceDeps, request: SnapshotRequest): Promise<StepBackup> {
  const { store } = deps;
  if (await store.exists(request.name)) {
    const manifest = await store.getManifest(request.name);
    return { manifest, existed: true, persistentVolumes: () => persistentVolumesOf(store, request.name) };
  }
  const service = new BackupService({ ...deps, client: await deps.connect() });
  const take = async (): Promise<StepBackup> => {
    const { manifest, persistentVolumes } = await service.run(request);
    return { manifest, existed: false, persistentVolumes: async () => persistentVolumes };
  };
  try {
    return await take();
  } catch (error) {
    if (!(error instanceof BackupAlreadyExistsError) || (await store.exists(request.name))) throw error;
    await store.delete(request.name);
    return take();
  }
}

/**
 * `work`, or the signal's reason as soon as it aborts; work still in flight then (a slow LIST) is left to
 * fail on its own against the discarded archive, its rejection handled here.
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  work.catch(() => {});
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    if (signal.aborted) onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error(`backup aborted: ${String(reason)}`);
}

/** Destroys the sink, so the store discards what it received, and waits until it has. */
async function discard(sink: Writable, error: unknown): Promise<void> {
  if (!sink.destroyed) sink.destroy(error instanceof Error ? error : new Error(String(error)));
  if (!sink.closed) await once(sink, 'close');
}
