// The restore a recovery workflow runs: a backup restored into one side's cluster in chunks that each stop
// before a deadline and hand back a DrRestoreState, which the workflow loops on. The EBS volumes are first
// made from the snapshot copies in the target region (DR, or the primary on failback) and the PVs pointed at
// them. What the restore created is kept in
// the state and the answers, so a drill's cleanup removes exactly that.
import type { BackupStore } from '../archive/backup-store.ts';
import { checkManifestSignature, type SignatureStatus, type SignatureVerifier } from '../archive/signing.ts';
import type { ClusterClient } from '../kube/cluster-client.ts';
import type { ApiResource } from '../kube/kube-object.ts';
import { failbackSettingsOf } from '../plan/compact-sections.ts';
import type { DrPlan } from '../plan/index.ts';
import type { Now } from '../util/clock.ts';
import { findEbsVolumes } from '../volumes/ebs-volumes.ts';
import { persistentVolumesOf } from '../volumes/persistent-volumes.ts';
import type { Sleep } from '../volumes/ports.ts';
import { type RestoreVolumesOptions, sourceZonesOf, type VolumeRestorer } from '../volumes/volume-restore.ts';
import { type DeletedInDrMode, type DeletedInDrReport, settleDeletedInDr } from './deleted-in-dr.ts';
import { RestoreFailedError, RestoreStalledError } from './errors.ts';
import { type RestoreOptions, recoveryRestoreOptions, type VolumeMapping } from './options.ts';
import { Restorer } from './restorer.ts';
import {
  type DrRestoreState,
  emptyTotals,
  type ObjectOutcome,
  type RestorePhase,
  type RestoreTotals,
} from './result.ts';
import type { ReplacedVolume } from './volume-replacement.ts';

/** Chunks in a row that applied nothing before the run is declared stuck (instead of looping forever). */
export const MAX_STALLED_CHUNKS = 3;
/** How long cleanup waits for volumes to detach when nothing else bounds it (local runs, no Lambda context). */
export const CLEANUP_VOLUME_WAIT_MS = 5 * 60_000;
/** Failures a chunk's answer names (a Step Functions payload stays small); `counts.failed` has them all. */
export const MAX_ANSWERED_FAILURES = 20;

/** The volumes of a restore: who makes and deletes them, in which region, where, and how often to look. */
export interface DrVolumes {
  restorer: Pick<VolumeRestorer, 'startVolumes' | 'checkVolumes' | 'deleteVolumes'>;
  /** Where and how they are made; each PV's source zone is read from the backup. */
  options: Omit<RestoreVolumesOptions, 'sourceZones'>;
  /** The region restored into, written into the restored PVs' region labels and node affinity. */
  region: string;
  /** Pause between looks while they are being made. */
  pollIntervalMs: number;
}

/** How the functions tune the volumes of a restore (the sandbox runs on compressed time). */
export interface DrVolumeSettings {
  /** Names the restore in the volumes' tags and makes their creation idempotent (a DNS name). */
  restoreName: string;
  /** Zones of the region restored into. @default `<region>a`, `b`, `c` */
  availabilityZones?: readonly string[];
  pollIntervalMs: number;
}

/**
 * The volumes of a restore into `into` as the plan has them, none with volumes off (and then `restorer` is
 * not called). Into DR (failover, drill) they are made in the zones the plan maps the primary's to, with the
 * DR volume key; into the primary (failback) in the zones that mapping inverted gives for DR's zones, with
 * the primary's.
 */
export function drVolumesOf(
  plan: DrPlan,
  into: 'primary' | 'dr',
  restorer: () => DrVolumes['restorer'],
  settings: DrVolumeSettings,
): DrVolumes | undefined {
  if (!plan.volumes.enabled) return undefined;
  const region = into === 'dr' ? plan.dr.region : plan.primary.region;
  const mapping = plan.volumes.availabilityZoneMapping;
  const zoneMap =
    into === 'dr' ? mapping : Object.fromEntries(Object.entries(mapping).map(([from, to]) => [to, from]));
  const kmsKeyId = into === 'dr' ? plan.volumes.drKmsKeyArn : plan.volumes.primaryKmsKeyArn;
  return {
    restorer: restorer(),
    options: {
      restoreName: settings.restoreName,
      availabilityZones: settings.availabilityZones ?? [`${region}a`, `${region}b`, `${region}c`],
      zoneMap,
      ...(kmsKeyId ? { kmsKeyId } : {}),
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
  /** Absent where the restore makes no volumes (volumes off in the plan). */
  volumes?: DrVolumes;
  /** Waits between looks at the volumes, in the volume restorer's time. */
  sleep: Sleep;
  /** Real time, which a chunk's deadline is in. @default new Date() */
  clock?: Now;
  /** Judges the backup's signature before its volume snapshots or objects are used; absent: not checked. */
  verifier?: SignatureVerifier | undefined;
}

/** Which backup to restore, named how, mapped and rewritten how (the volumes are the use case's). */
export interface DrRestoreRequest {
  backupName: string;
  /** Identifies the restore on the objects it creates (the execution's name). */
  restoreId: string;
  options: Omit<RestoreOptions, 'volumes'>;
  /**
   * A failback's: once the objects are restored, name what DR deleted that the primary still has (see
   * settleDeletedInDr), and in `remove` delete it from the primary. Absent: not looked for.
   */
  deletedInDr?: DeletedInDrMode;
  /** Restore an unsigned backup anyway (execution input `allowUnsigned`); the answer says it was. */
  allowUnsigned?: boolean;
}

/**
 * The restore a recovery step runs into `into` of `target.backupName`: recoveryRestoreOptions, and into the
 * primary (a failback) what DR deleted reported, or removed when the guard settled `removeDeletedInDr` (else
 * the plan's failback.removeDeletedInDr).
 */
export function recoveryRestoreRequest(
  plan: DrPlan,
  into: 'primary' | 'dr',
  target: {
    backupName: string;
    restoreId: string;
    /** The guard's answer as it came back through the workflow. */
    guard: Readonly<Record<string, unknown>> | undefined;
  },
  onSkipped?: (workload: string, override: unknown) => void,
): DrRestoreRequest {
  const { guard, ...ids } = target;
  const options = recoveryRestoreOptions(plan, into, guard, onSkipped);
  const allowUnsigned = guard?.allowUnsigned === true ? { allowUnsigned: true } : {};
  if (into === 'dr') return { ...ids, options, ...allowUnsigned };
  const settled = guard?.removeDeletedInDr;
  const remove = typeof settled === 'boolean' ? settled : failbackSettingsOf(plan).removeDeletedInDr;
  return { ...ids, options, ...allowUnsigned, deletedInDr: remove ? 'remove' : 'report' };
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
  /** PVs replaced onto their restored volume, the old volume retained; present when there were any. */
  replacedVolumes?: ReplacedVolume[];
  /** Volumes made from snapshot copies in the target region. */
  volumes: number;
  /** Their ids (and those still being made), so a drill's cleanup deletes exactly these. */
  createdVolumes: string[];
  /** The first MAX_ANSWERED_FAILURES failed objects. */
  failures: { object: string; message: string }[];
  /** A failback's last chunk: what DR deleted that the primary had, and what of it was removed. */
  deletedInDr?: DeletedInDrReport;
  /** The last chunk's: the backup's signature as judged before the first write. */
  signature?: SignatureStatus;
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
    replacedVolumes: [],
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
 * Restores a backup chunk by chunk: the volumes first (made, then polled while time is left), then the
 * objects through a Restorer. A chunk that stops before its deadline hands back the state to carry on from;
 * MAX_STALLED_CHUNKS chunks in a row that apply nothing throw RestoreStalledError.
 */
export class DrRestore {
  readonly #deps: DrRestoreDeps;
  readonly #clock: Now;

  constructor(deps: DrRestoreDeps) {
    this.#deps = deps;
    this.#clock = deps.clock ?? (() => new Date());
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
      if (!(await this.#volumesReady(request, next, deadline))) {
        return answer(next, emptyTotals(), 'InProgress', false);
      }
      next.stage = 'objects';
    }
    const volumes: Record<string, VolumeMapping> = {};
    for (const [pv, target] of Object.entries(next.volumeMapping)) {
      volumes[pv] = { ...target, ...(this.#deps.volumes ? { region: this.#deps.volumes.region } : {}) };
    }
    const client = await this.#deps.connect();
    const { verifier } = this.#deps;
    const restorer = new Restorer({
      client,
      store: this.#deps.store,
      now: this.#clock,
      ...(verifier ? { verifier } : {}),
    });
    const result = await restorer.restore(
      {
        backupName: request.backupName,
        restoreId: request.restoreId,
        options: { ...request.options, volumes },
        ...(next.restore ? { continuation: next.restore } : {}),
        allowUnsigned: request.allowUnsigned === true,
      },
      deadline === undefined ? {} : { deadline },
    );
    if (result.error !== undefined && result.continuation === undefined) {
      throw new RestoreFailedError(request.backupName, `${result.error.name}: ${result.error.message}`);
    }
    record(next, result.objects);
    if (result.continuation === undefined) {
      const done = {
        ...answer(next, result.totals, result.phase, true, result.failures),
        ...(result.signature ? { signature: result.signature } : {}),
      };
      if (request.deletedInDr === undefined) return done;
      const store = this.#deps.store;
      const deletedInDr = await settleDeletedInDr({ store, client }, request.backupName, request.deletedInDr);
      return { ...done, deletedInDr };
    }
    next.stalls = result.objects.length === 0 ? next.stalls + 1 : 0;
    if (next.stalls >= MAX_STALLED_CHUNKS) {
      throw new RestoreStalledError(request.backupName, result.continuation.nextIndex, MAX_STALLED_CHUNKS);
    }
    next.restore = result.continuation;
    return answer(next, result.totals, result.phase, false, result.failures);
  }

  /**
   * Deletes what a restore created: its namespaces (and so what is in them), its PVs, then its volumes,
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
    // Deleting a PV object leaves its EBS volume billing; only a restore with volumes made any.
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

  // Makes the volumes from the snapshot copies, then polls while time is left; true once all are available.
  async #volumesReady(
    { backupName, allowUnsigned }: DrRestoreRequest,
    state: DrRestoreState,
    deadline: number | undefined,
  ): Promise<boolean> {
    const { volumes, store } = this.#deps;
    if (volumes === undefined) return true;
    let batch = state.volumeBatch;
    if (batch === undefined) {
      const manifest = await store.getManifest(backupName);
      // The snapshots a manifest names become volumes: an altered manifest must not get that far.
      if (this.#deps.verifier) {
        const trust = { verifier: this.#deps.verifier, allowUnsigned: allowUnsigned === true };
        await checkManifestSignature(manifest, trust, store.describeBackup(backupName, 'manifest'));
      }
      const { volumeSnapshots } = manifest;
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
      if (deadline !== undefined && this.#clock().getTime() >= deadline) return false;
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
    if (object.replacedVolume !== undefined) state.replacedVolumes.push(object.replacedVolume);
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
    ...(state.replacedVolumes.length > 0 ? { replacedVolumes: state.replacedVolumes } : {}),
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
