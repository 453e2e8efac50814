// The restore a recovery workflow runs: a backup restored into one side's cluster in chunks that each stop
// before a deadline and hand back a DrRestoreState, which the workflow loops on. Into DR, the EBS volumes
// are first made from the snapshot copies and the PVs pointed at them. What the restore created is kept in
// the state and the answers, so a drill's cleanup removes exactly that.
import type { BackupStore } from '../archive/backup-store.ts';
import type { ClusterClient } from '../kube/cluster-client.ts';
import type { ApiResource } from '../kube/kube-object.ts';
import type { DrPlan } from '../plan/index.ts';
import { findEbsVolumes } from '../volumes/ebs-volumes.ts';
import { persistentVolumesOf } from '../volumes/persistent-volumes.ts';
import type { Clock, Sleep } from '../volumes/ports.ts';
import { type RestoreVolumesOptions, sourceZonesOf, type VolumeRestorer } from '../volumes/volume-restore.ts';
import { RestoreFailedError, RestoreStalledError } from './errors.ts';
import type { RestoreOptions, VolumeMapping } from './options.ts';
import { Restorer } from './restorer.ts';
import {
  type DrRestoreState,
  emptyTotals,
  type ObjectOutcome,
  type RestorePhase,
  type RestoreTotals,
} from './result.ts';

/** Chunks in a row that applied nothing before the run is declared stuck (instead of looping forever). */
export const MAX_STALLED_CHUNKS = 3;
/** How long cleanup waits for volumes to detach when nothing else bounds it (local runs, no Lambda context). */
export const CLEANUP_VOLUME_WAIT_MS = 5 * 60_000;
/** Failures a chunk's answer names (a Step Functions payload stays small); `counts.failed` has them all. */
export const MAX_ANSWERED_FAILURES = 20;

/** The DR volumes of a restore: who makes and deletes them, where, and how often to look. */
export interface DrVolumes {
  restorer: Pick<VolumeRestorer, 'startVolumes' | 'checkVolumes' | 'deleteVolumes'>;
  /** Where and how they are made; each PV's source zone is read from the backup. */
  options: Omit<RestoreVolumesOptions, 'sourceZones'>;
  /** The DR region, written into the restored PVs' region labels and node affinity. */
  region: string;
  /** Pause between looks while they are being made. */
  pollIntervalMs: number;
}

/** How the functions tune the DR volumes (the sandbox runs on compressed time). */
export interface DrVolumeSettings {
  /** Names the restore in the volumes' tags and makes their creation idempotent (a DNS name). */
  restoreName: string;
  /** @default `<dr region>a`, `b`, `c` */
  drAvailabilityZones?: readonly string[];
  pollIntervalMs: number;
}

/**
 * The DR volumes of a restore into `into` as the plan has them: none unless into DR with volumes on (and
 * then only is `restorer` called for the volume restorer).
 */
export function drVolumesOf(
  plan: DrPlan,
  into: 'primary' | 'dr',
  restorer: () => DrVolumes['restorer'],
  settings: DrVolumeSettings,
): DrVolumes | undefined {
  if (into !== 'dr' || !plan.volumes.enabled) return undefined;
  const region = plan.dr.region;
  const { drKmsKeyArn } = plan.volumes;
  return {
    restorer: restorer(),
    options: {
      restoreName: settings.restoreName,
      drAvailabilityZones: settings.drAvailabilityZones ?? [`${region}a`, `${region}b`, `${region}c`],
      zoneMap: plan.volumes.availabilityZoneMapping,
      ...(drKmsKeyArn ? { kmsKeyId: drKmsKeyArn } : {}),
    },
    region,
    pollIntervalMs: settings.pollIntervalMs,
  };
}

/** Collaborators of a DrRestore. */
export interface DrRestoreDeps {
  store: BackupStore;
  /** The target cluster, connected when first needed (not while the volumes are still being made). */
  connect(): Promise<ClusterClient>;
  /** Absent where the restore makes no volumes: into the primary (failback), or volumes off in the plan. */
  volumes?: DrVolumes;
  /** Waits between looks at the volumes, in the volume restorer's time. */
  sleep: Sleep;
  /** Real time, which a chunk's deadline is in. @default Date.now */
  clock?: Clock;
}

/** Which backup to restore, named how, mapped and rewritten how (the DR volumes are the use case's). */
export interface DrRestoreRequest {
  backupName: string;
  /** Identifies the restore on the objects it creates (the execution's name). */
  restoreId: string;
  options: Omit<RestoreOptions, 'volumes'>;
}

/** One chunk's answer: what the workflow loops on and what the later steps read. */
export interface DrRestoreChunk {
  done: boolean;
  /** Hand back to the next chunk; null once done. */
  continuation: DrRestoreState | null;
  counts: RestoreTotals;
  phase: RestorePhase;
  /** Namespaces the restore wrote into (the workloads check looks there). */
  namespaces: string[];
  /** Created by this restore, so a drill's cleanup removes exactly these. */
  createdNamespaces: string[];
  createdPersistentVolumes: string[];
  /** DR volumes made from snapshot copies. */
  volumes: number;
  /** Their ids (and those still being made), so a drill's cleanup deletes exactly these. */
  createdVolumes: string[];
  /** The first MAX_ANSWERED_FAILURES failed objects. */
  failures: { object: string; message: string }[];
}

/** What a restore created, as its last chunk answered: what cleanup removes. */
export interface RestoredObjects {
  namespaces: string[];
  persistentVolumes: string[];
  volumeIds: string[];
}

/** What cleanup removed, and the volumes it had to leave. */
export interface DrCleanupReport {
  deletedNamespaces: string[];
  deletedPersistentVolumes: string[];
  /** DR volumes of the restore deleted now or found already gone. */
  deletedVolumes: string[];
  /** DR volumes still attached at the deadline: left in place (still billing), each with why. */
  volumesLeft: { volumeId: string; reason: string }[];
}

const NAMESPACES: ApiResource = {
  group: '',
  version: 'v1',
  resource: 'namespaces',
  kind: 'Namespace',
  namespaced: false,
  verbs: ['delete', 'get', 'list'],
};
const PERSISTENT_VOLUMES: ApiResource = {
  ...NAMESPACES,
  resource: 'persistentvolumes',
  kind: 'PersistentVolume',
};

/** The state a restore starts from. */
export function newDrRestoreState(): DrRestoreState {
  return {
    stage: 'volumes',
    volumeMapping: {},
    namespaces: [],
    createdNamespaces: [],
    createdPersistentVolumes: [],
    stalls: 0,
  };
}

/** What a chunk's answer, come back through the workflow, says the restore created; anything else is ignored. */
export function restoredObjectsOf(answer: Readonly<Record<string, unknown>> | undefined): RestoredObjects {
  return {
    namespaces: strings(answer?.createdNamespaces),
    persistentVolumes: strings(answer?.createdPersistentVolumes),
    volumeIds: strings(answer?.createdVolumes),
  };
}

/**
 * Restores a backup chunk by chunk: the DR volumes first (made, then polled while time is left), then the
 * objects through a Restorer. A chunk that stops before its deadline hands back the state to carry on from;
 * MAX_STALLED_CHUNKS chunks in a row that apply nothing throw RestoreStalledError.
 */
export class DrRestore {
  readonly #deps: DrRestoreDeps;
  readonly #clock: Clock;

  constructor(deps: DrRestoreDeps) {
    this.#deps = deps;
    this.#clock = deps.clock ?? Date.now;
  }

  /**
   * Runs the restore from `state` (null: from the start) until done or `deadline` (the clock's ms; none:
   * until done).
   */
  async chunk(
    request: DrRestoreRequest,
    state: DrRestoreState | null,
    deadline?: number,
  ): Promise<DrRestoreChunk> {
    const next = state === null ? newDrRestoreState() : structuredClone(state);
    if (next.stage === 'volumes') {
      if (!(await this.#volumesReady(request.backupName, next, deadline))) {
        return answer(next, emptyTotals(), 'InProgress', false);
      }
      next.stage = 'objects';
    }
    const volumes: Record<string, VolumeMapping> = {};
    for (const [pv, target] of Object.entries(next.volumeMapping)) {
      volumes[pv] = { ...target, ...(this.#deps.volumes ? { region: this.#deps.volumes.region } : {}) };
    }
    const restorer = new Restorer({
      client: await this.#deps.connect(),
      store: this.#deps.store,
      now: this.#clock,
    });
    const result = await restorer.restore(
      {
        backupName: request.backupName,
        restoreId: request.restoreId,
        options: { ...request.options, volumes },
        ...(next.restore ? { continuation: next.restore } : {}),
      },
      deadline === undefined ? {} : { deadline },
    );
    if (result.error !== undefined && result.continuation === undefined) {
      throw new RestoreFailedError(request.backupName, `${result.error.name}: ${result.error.message}`);
    }
    record(next, result.objects);
    if (result.continuation === undefined)
      return answer(next, result.totals, result.phase, true, result.failures);
    next.stalls = result.objects.length === 0 ? next.stalls + 1 : 0;
    if (next.stalls >= MAX_STALLED_CHUNKS) {
      throw new RestoreStalledError(request.backupName, result.continuation.nextIndex, MAX_STALLED_CHUNKS);
    }
    next.restore = result.continuation;
    return answer(next, result.totals, result.phase, false, result.failures);
  }

  /**
   * Deletes what a restore created: its namespaces (and so what is in them), its PVs, then its DR volumes,
   * waiting for those still attached until `deadline` (the volume restorer's time) and reporting the rest.
   */
  async cleanup(restored: RestoredObjects, deadline: number): Promise<DrCleanupReport> {
    const client = await this.#deps.connect();
    // PVs are cluster-scoped: deleting the namespaces does not delete them.
    for (const name of restored.namespaces) await client.delete(NAMESPACES, undefined, name);
    for (const name of restored.persistentVolumes) await client.delete(PERSISTENT_VOLUMES, undefined, name);
    const report: DrCleanupReport = {
      deletedNamespaces: restored.namespaces,
      deletedPersistentVolumes: restored.persistentVolumes,
      deletedVolumes: [],
      volumesLeft: [],
    };
    // Deleting a PV object leaves its EBS volume billing; only a restore into DR made volumes.
    const { volumes } = this.#deps;
    if (volumes === undefined || restored.volumeIds.length === 0) return report;
    const result = await volumes.restorer.deleteVolumes(restored.volumeIds, { deadline });
    report.deletedVolumes = [...result.deleted, ...result.notFound];
    report.volumesLeft = result.stillInUse.map((volumeId) => ({
      volumeId,
      reason: `still ${result.lastStates[volumeId] ?? 'in-use'} when cleanup ran out of time; delete it once it is detached`,
    }));
    return report;
  }

  // Makes the DR volumes from the snapshot copies, then polls while time is left; true once all are available.
  async #volumesReady(
    backupName: string,
    state: DrRestoreState,
    deadline: number | undefined,
  ): Promise<boolean> {
    const { volumes, store } = this.#deps;
    if (volumes === undefined) return true;
    let batch = state.volumeBatch;
    if (batch === undefined) {
      const { volumeSnapshots } = await store.getManifest(backupName);
      if (volumeSnapshots.length === 0) return true;
      const { volumes: ebs } = findEbsVolumes(await persistentVolumesOf(store, backupName));
      batch = await volumes.restorer.startVolumes(volumeSnapshots, {
        ...volumes.options,
        sourceZones: sourceZonesOf(ebs),
      });
      state.volumeBatch = batch;
    }
    // Volumes from snapshots are usually available within seconds: poll here while time is left, then loop.
    for (;;) {
      const check = await volumes.restorer.checkVolumes(batch);
      if (check.status === 'Completed') {
        state.volumeMapping = check.volumes;
        delete state.volumeBatch;
        return true;
      }
      if (deadline !== undefined && this.#clock() >= deadline) return false;
      await this.#deps.sleep(volumes.pollIntervalMs);
    }
  }
}

// Namespaces written into, and the namespaces and PVs this restore created, kept sorted across chunks.
function record(state: DrRestoreState, objects: readonly ObjectOutcome[]): void {
  const namespaces = new Set(state.namespaces);
  const createdNamespaces = new Set(state.createdNamespaces);
  const createdPvs = new Set(state.createdPersistentVolumes);
  for (const object of objects) {
    if (object.namespace) namespaces.add(object.namespace);
    if (object.groupResource === 'namespaces') {
      namespaces.add(object.name);
      if (object.outcome === 'created') createdNamespaces.add(object.name);
    }
    if (object.groupResource === 'persistentvolumes' && object.outcome === 'created')
      createdPvs.add(object.name);
  }
  state.namespaces = [...namespaces].sort();
  state.createdNamespaces = [...createdNamespaces].sort();
  state.createdPersistentVolumes = [...createdPvs].sort();
}

function answer(
  state: DrRestoreState,
  counts: RestoreTotals,
  phase: RestorePhase,
  done: boolean,
  failures: readonly ObjectOutcome[] = [],
): DrRestoreChunk {
  return {
    done,
    continuation: done ? null : state,
    counts,
    phase,
    namespaces: state.namespaces,
    createdNamespaces: state.createdNamespaces,
    createdPersistentVolumes: state.createdPersistentVolumes,
    volumes: Object.keys(state.volumeMapping).length,
    createdVolumes: createdVolumeIds(state),
    failures: failures.slice(0, MAX_ANSWERED_FAILURES).map((failure) => ({
      object: `${failure.groupResource} ${failure.namespace ? `${failure.namespace}/` : ''}${failure.name}`,
      message: failure.message ?? '',
    })),
  };
}

// The mapped volumes, plus those of a batch still being made (a restore that stopped while they were creating).
function createdVolumeIds(state: DrRestoreState): string[] {
  const ids = new Set(Object.values(state.volumeMapping).map((target) => target.volumeId));
  for (const item of state.volumeBatch?.items ?? []) ids.add(item.volumeId);
  return [...ids].sort();
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
