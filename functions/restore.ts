// Restores a backup into one side's cluster in chunks: each invocation stops before its deadline and hands
// back a continuation, and the workflow loops until done. On the DR side the EBS volumes are made from the
// snapshot copies first, and the PVs are pointed at them. A drill's `cleanup` removes what it restored.

import { readBackup } from '../src/archive/index.ts';
import { type Timed, timed } from '../src/failover/index.ts';
import type { ApiResource } from '../src/kube/kube-object.ts';
import type { DrOverrides } from '../src/plan/index.ts';
import {
  type RestoreContinuation,
  type RestoreOverrides,
  Restorer,
  type RestoreTotals,
  type VolumeMapping,
} from '../src/restore/index.ts';
import * as z from '../src/util/zod.ts';
import {
  findEbsVolumes,
  type KubeObject,
  sourceZonesOf,
  type VolumeRestoreBatch,
  VolumeRestorer,
} from '../src/volumes/index.ts';
import { clusterClients } from './shared/aws/clusters.ts';
import { volumeSnapshotsOf } from './shared/aws/ec2.ts';
import { backupStores } from './shared/aws/s3.ts';
import { backupNameFor } from './shared/backup-name.ts';
import type { FunctionDependencies } from './shared/dependencies.ts';
import {
  backupRefSchema,
  envelopeSchema,
  parseInput,
  runKeys,
  type Side,
  sideSchema,
  stepResult,
} from './shared/envelope.ts';
import { inRun, lazyHandler, type StepHandler } from './shared/handler.ts';
import { logger } from './shared/powertools.ts';
import { regionOf } from './shared/sides.ts';

/** Chunks in a row that applied nothing before the run is declared stuck (instead of looping forever). */
export const MAX_STALLED_CHUNKS = 3;

const wholeCount = () => z.number().check(z.int(), z.nonnegative());

const loopState = z.object({
  stage: z.enum(['volumes', 'objects']),
  volumeBatch: z.optional(
    z.looseObject({ restoreName: z.string(), region: z.string(), items: z.array(z.unknown()) }),
  ),
  volumeMapping: z._default(
    z.record(z.string(), z.object({ volumeId: z.string(), availabilityZone: z.string() })),
    {},
  ),
  restore: z.optional(z.looseObject({ nextIndex: wholeCount(), fingerprint: z.string() })),
  namespaces: z._default(z.array(z.string()), []),
  createdNamespaces: z._default(z.array(z.string()), []),
  createdPersistentVolumes: z._default(z.array(z.string()), []),
  stalls: z._default(wholeCount(), 0),
});
/** What the restore loop carries from one invocation to the next. */
export type RestoreLoopState = z.output<typeof loopState>;

const restoreInput = z.discriminatedUnion('action', [
  z.extend(envelopeSchema, {
    action: z._default(z.literal('restore'), 'restore'),
    side: sideSchema,
    backup: backupRefSchema,
    continuation: z._default(z.nullable(loopState), null),
  }),
  z.extend(envelopeSchema, {
    action: z.literal('cleanup'),
    side: sideSchema,
    backup: z.optional(backupRefSchema),
  }),
]);

/** One restore invocation's answer. */
export interface RestoreAnswer {
  done: boolean;
  /** Hand back on the next invocation; null once done. */
  continuation: RestoreLoopState | null;
  counts: RestoreTotals;
  phase: string;
  /** Namespaces the restore wrote into (the workloads check looks there). */
  namespaces: string[];
  /** Created by this restore, so a drill's cleanup removes exactly these. */
  createdNamespaces: string[];
  createdPersistentVolumes: string[];
  /** DR volumes made from snapshot copies. */
  volumes: number;
  /** Their ids (and those still being made), so a drill's cleanup deletes exactly these. */
  createdVolumes: string[];
  failures: { object: string; message: string }[];
}

/** What cleanup removed. */
export interface CleanupAnswer {
  deletedNamespaces: string[];
  deletedPersistentVolumes: string[];
  /** DR volumes of the restore deleted now or found already gone. */
  deletedVolumes: string[];
  /** DR volumes still attached at the deadline: left in place (still billing), each with why. */
  volumesLeft: { volumeId: string; reason: string }[];
}

/** How long cleanup waits for volumes to detach when there is no Lambda context to bound it (local runs). */
export const CLEANUP_VOLUME_WAIT_MS = 5 * 60_000;

/** A restore that could not run at all (archive refused, cluster unreachable). */
export class RestoreFailedError extends Error {
  constructor(
    readonly backupName: string,
    detail: string,
    options: { cause?: unknown } = {},
  ) {
    super(`restore of backup ${backupName} failed: ${detail}`, options);
    this.name = 'RestoreFailedError';
  }
}

/** Chunks keep ending before applying anything: the time left per invocation is too short for the plan. */
export class RestoreStalledError extends Error {
  constructor(
    readonly backupName: string,
    readonly nextIndex: number,
    options: { cause?: unknown } = {},
  ) {
    super(
      `restore of backup ${backupName} made no progress in ${MAX_STALLED_CHUNKS} invocations at object ${nextIndex}: give the function more time`,
      options,
    );
    this.name = 'RestoreStalledError';
  }
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

type Deps = Pick<
  FunctionDependencies,
  'plan' | 'store' | 'cluster' | 'now' | 'sleep' | 'volumeSnapshots' | 'tuning'
>;

/** The restore function over its dependencies. */
export function createHandler(deps: Deps): StepHandler<Timed<RestoreAnswer | CleanupAnswer>> {
  return async (event, context) => {
    const request = parseInput('Restore', restoreInput, event);
    return inRun(`restore ${request.action}`, runKeys(request, deps.plan.name), async () => {
      const margin = deps.tuning?.restoreSafetyMarginMs ?? 30_000;
      if (request.action === 'cleanup') {
        // Measured on deps' clock, which the volume wait's sleep advances (modelled time in the sandbox).
        const budget = context ? context.getRemainingTimeInMillis() - margin : CLEANUP_VOLUME_WAIT_MS;
        return timed(deps.now, () =>
          cleanup(deps, request.side, request.steps, deps.now().getTime() + budget),
        );
      }
      // The deadline is real time: it is the Lambda's own timeout that must not be hit.
      const deadline = context ? Date.now() + context.getRemainingTimeInMillis() - margin : undefined;
      const state: RestoreLoopState = request.continuation ?? loopState.parse({ stage: 'volumes' });
      return timed(deps.now, () =>
        restoreChunk(
          deps,
          request.side,
          request.backup.name,
          request.executionName,
          request.steps,
          state,
          deadline,
        ),
      );
    });
  };
}

async function restoreChunk(
  deps: Deps,
  side: Side,
  backupName: string,
  executionName: string,
  steps: Record<string, unknown>,
  state: RestoreLoopState,
  deadline: number | undefined,
): Promise<RestoreAnswer> {
  const store = deps.store(side);
  const next: RestoreLoopState = structuredClone(state);
  if (next.stage === 'volumes') {
    const ready = await restoreVolumes(deps, side, backupName, executionName, next, deadline);
    if (!ready) return answer(next, emptyCounts(), 'InProgress', false);
    next.stage = 'objects';
  }
  const guard = stepResult(steps, 'guard') ?? {};
  const mapping = isStringRecord(guard.namespaceMapping) ? guard.namespaceMapping : {};
  const policy = guard.existingResourcePolicy === 'update' ? 'update' : deps.plan.existingResourcePolicy;
  const volumes: Record<string, VolumeMapping> = Object.fromEntries(
    Object.entries(next.volumeMapping).map(([pv, target]) => [
      pv,
      { ...target, region: regionOf(deps.plan, side) },
    ]),
  );
  const restorer = new Restorer({ client: await deps.cluster(side), store, now: Date.now });
  const result = await restorer.restore(
    {
      backupName,
      restoreId: executionName,
      options: {
        namespaceMapping: mapping,
        existingResourcePolicy: policy,
        // DR overrides apply when restoring into DR (failover, drill), never on failback.
        ...(side === 'dr' ? { overrides: restoreOverrides(deps.plan.dr.overrides) } : {}),
        volumes,
      },
      ...(next.restore ? { continuation: next.restore as unknown as RestoreContinuation } : {}),
    },
    deadline === undefined ? {} : { deadline },
  );
  if (result.error !== undefined && result.continuation === undefined) {
    throw new RestoreFailedError(backupName, `${result.error.name}: ${result.error.message}`);
  }
  const namespaces = new Set(next.namespaces);
  const createdNamespaces = new Set(next.createdNamespaces);
  const createdPvs = new Set(next.createdPersistentVolumes);
  for (const object of result.objects) {
    if (object.namespace) namespaces.add(object.namespace);
    if (object.groupResource === 'namespaces') {
      namespaces.add(object.name);
      if (object.outcome === 'created') createdNamespaces.add(object.name);
    }
    if (object.groupResource === 'persistentvolumes' && object.outcome === 'created')
      createdPvs.add(object.name);
  }
  next.namespaces = [...namespaces].sort();
  next.createdNamespaces = [...createdNamespaces].sort();
  next.createdPersistentVolumes = [...createdPvs].sort();
  if (result.continuation === undefined) {
    return answer(next, result.totals, result.phase, true, result.failures);
  }
  next.stalls = result.objects.length === 0 ? next.stalls + 1 : 0;
  if (next.stalls >= MAX_STALLED_CHUNKS)
    throw new RestoreStalledError(backupName, result.continuation.nextIndex);
  next.restore = result.continuation as unknown as RestoreLoopState['restore'];
  return answer(next, result.totals, result.phase, false, result.failures);
}

/** Makes the DR volumes from the snapshot copies; true once every one is available. */
async function restoreVolumes(
  deps: Deps,
  side: Side,
  backupName: string,
  executionName: string,
  state: RestoreLoopState,
  deadline: number | undefined,
): Promise<boolean> {
  if (side !== 'dr' || !deps.plan.volumes.enabled) return true;
  const store = deps.store(side);
  const restorer = volumeRestorer(deps);
  let batch = state.volumeBatch as VolumeRestoreBatch | undefined;
  if (batch === undefined) {
    const { volumeSnapshots } = await store.getManifest(backupName);
    if (volumeSnapshots.length === 0) return true;
    const persistentVolumes: KubeObject[] = [];
    for await (const entry of readBackup(store, backupName)) {
      if (entry.resource === 'persistentvolumes' && entry.group === '')
        persistentVolumes.push(entry.object as KubeObject);
    }
    const drRegion = deps.plan.dr.region;
    batch = await restorer.startVolumes(volumeSnapshots, {
      restoreName: backupNameFor(executionName),
      drAvailabilityZones: deps.tuning?.drAvailabilityZones ?? [
        `${drRegion}a`,
        `${drRegion}b`,
        `${drRegion}c`,
      ],
      zoneMap: deps.plan.volumes.availabilityZoneMapping,
      sourceZones: sourceZonesOf(findEbsVolumes(persistentVolumes).volumes),
      ...(deps.plan.volumes.drKmsKeyArn ? { kmsKeyId: deps.plan.volumes.drKmsKeyArn } : {}),
    });
    state.volumeBatch = batch as unknown as RestoreLoopState['volumeBatch'];
  }
  // Volumes from snapshots are usually available within seconds: poll here while time is left, then loop.
  for (;;) {
    const check = await restorer.checkVolumes(batch);
    if (check.status === 'Completed') {
      state.volumeMapping = check.volumes;
      delete state.volumeBatch;
      return true;
    }
    if (deadline !== undefined && Date.now() >= deadline) return false;
    await deps.sleep(volumePollMs(deps));
  }
}

async function cleanup(
  deps: Deps,
  side: Side,
  steps: Record<string, unknown>,
  deadline: number,
): Promise<CleanupAnswer> {
  const restored = stepResult(steps, 'restore') ?? {};
  const namespaces = stringArray(restored.createdNamespaces);
  const persistentVolumes = stringArray(restored.createdPersistentVolumes);
  const volumeIds = stringArray(restored.createdVolumes);
  const client = await deps.cluster(side);
  // Deleting a namespace deletes what is in it; PVs are cluster-scoped and go one by one.
  for (const name of namespaces) await client.delete(NAMESPACES, undefined, name);
  for (const name of persistentVolumes) await client.delete(PERSISTENT_VOLUMES, undefined, name);
  const answer: CleanupAnswer = {
    deletedNamespaces: namespaces,
    deletedPersistentVolumes: persistentVolumes,
    deletedVolumes: [],
    volumesLeft: [],
  };
  // Deleting a PV object leaves its EBS volume billing; only the DR side's restore makes volumes.
  if (side !== 'dr' || !deps.plan.volumes.enabled || volumeIds.length === 0) return answer;
  const result = await volumeRestorer(deps).deleteVolumes(volumeIds, { deadline });
  answer.deletedVolumes = [...result.deleted, ...result.notFound];
  answer.volumesLeft = result.stillInUse.map((volumeId) => {
    const state = result.lastStates[volumeId] ?? 'in-use';
    const reason = `still ${state} when cleanup ran out of time; delete it once it is detached`;
    logger.warn('DR volume left after cleanup', { volumeId, state });
    return { volumeId, reason };
  });
  return answer;
}

// How often DR volumes are looked at, while they are made and while cleanup waits for them to detach.
function volumePollMs(deps: Deps): number {
  return deps.tuning?.volumePollMs ?? 5_000;
}

// The DR side's volume use cases on deps' clock, which the injected sleep advances.
function volumeRestorer(deps: Deps): VolumeRestorer {
  return new VolumeRestorer({
    dr: deps.volumeSnapshots('dr'),
    sleep: deps.sleep,
    now: () => deps.now().getTime(),
    limits: { pollIntervalMs: volumePollMs(deps) },
  });
}

/** The plan's DR overrides in the restore's terms; per-workload percentages have no equivalent there. */
export function restoreOverrides(overrides: DrOverrides): RestoreOverrides {
  const replicas: Record<string, number> = {};
  let replicasPercent: number | undefined;
  for (const [key, value] of Object.entries(overrides.replicas)) {
    if (key === '*' && typeof value === 'string') replicasPercent = Number.parseInt(value, 10);
    else if (key !== '*' && typeof value === 'number') replicas[key] = value;
    else logger.warn('replica override not applied', { workload: key, override: value });
  }
  return {
    replicas,
    ...(replicasPercent !== undefined ? { replicasPercent } : {}),
    imageRegistries: overrides.imageRegistries,
    storageClasses: overrides.storageClasses,
    annotations: overrides.annotations,
  };
}

function answer(
  state: RestoreLoopState,
  counts: RestoreTotals,
  phase: string,
  done: boolean,
  failures: { groupResource: string; namespace?: string; name: string; message?: string }[] = [],
): RestoreAnswer {
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
    failures: failures.slice(0, 20).map((failure) => ({
      object: `${failure.groupResource} ${failure.namespace ? `${failure.namespace}/` : ''}${failure.name}`,
      message: failure.message ?? '',
    })),
  };
}

// The mapped volumes, plus those of a batch still being made (a restore that stopped while they were creating).
function createdVolumeIds(state: RestoreLoopState): string[] {
  const ids = new Set(Object.values(state.volumeMapping).map((target) => target.volumeId));
  for (const item of state.volumeBatch?.items ?? []) {
    const volumeId = (item as { volumeId?: unknown }).volumeId;
    if (typeof volumeId === 'string') ids.add(volumeId);
  }
  return [...ids].sort();
}

function emptyCounts(): RestoreTotals {
  return { planned: 0, created: 0, updated: 0, skippedExists: 0, failed: 0, excluded: 0 };
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.values(value as Record<string, unknown>).every((v) => typeof v === 'string')
  );
}

function stringArray(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** The Lambda entry point. */
export const handler = lazyHandler((base) =>
  createHandler({
    ...base,
    store: backupStores(base),
    cluster: clusterClients(base),
    volumeSnapshots: volumeSnapshotsOf(base),
  }),
);
