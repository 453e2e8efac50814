import { createHash } from 'node:crypto';
import { validateBackupName } from '../archive/layout.ts';
import type { VolumeSnapshotRecord } from '../archive/manifest.ts';
import type { Now } from '../util/clock.ts';
import type { EbsVolume } from './ebs-volumes.ts';
import {
  type CreatedResource,
  InvalidVolumeInputError,
  VolumeCreateFailedError,
  VolumeRequestError,
  VolumeTimeoutError,
} from './errors.ts';
import { checkPositiveMs, elapsedSince, pollUntilDone, type WaitStatus } from './polling.ts';
import type {
  Sleep,
  Tags,
  VolumeDeleteOutcome,
  VolumeSnapshots,
  VolumeState,
  VolumeStatus,
} from './ports.ts';
import { SNAPSHOT_TAGS, type WaitProgress } from './volume-backup.ts';

/** Tag key naming the restore (failover, drill, failback) a volume was made for. */
export const RESTORE_TAG = 'eks-dr:restore';

/** How long a restored volume may take to become available, and how often to look. */
export interface VolumeRestoreLimits {
  /** @default 30 minutes */
  volumeTimeoutMs: number;
  /** @default 5 s (volumes from snapshots are usually available within seconds) */
  pollIntervalMs: number;
}

/** Defaults for VolumeRestoreLimits. */
export const DEFAULT_VOLUME_RESTORE_LIMITS: VolumeRestoreLimits = {
  volumeTimeoutMs: 30 * 60_000,
  pollIntervalMs: 5_000,
};

/** What a VolumeRestorer works with: EC2 of the region restored into (DR, or the primary on failback), and time. */
export interface VolumeRestorerDeps {
  to: VolumeSnapshots;
  sleep: Sleep;
  now: Now;
  limits?: Partial<VolumeRestoreLimits>;
  /** Extra tags for every volume. */
  tags?: Tags;
}

/** Where and how to make the volumes in the region restored into. */
export interface RestoreVolumesOptions {
  /** Names the restore in tags and makes CreateVolume idempotent across retried start steps. */
  restoreName: string;
  /** Zones of the target region to use; a PV whose source zone is not in zoneMap goes to the first. */
  availabilityZones: readonly string[];
  /** Source zone → target zone, from the plan (inverted on failback). */
  zoneMap?: Readonly<Record<string, string>>;
  /** PV name → the zone its source volume was in (see sourceZonesOf). */
  sourceZones?: Readonly<Record<string, string>>;
  /** @default 'gp3' */
  volumeType?: string;
  /** Target-region KMS key for the new volumes. @default the copied snapshot's key */
  kmsKeyId?: string;
}

/** A volume made for one PV: what rewritePersistentVolume needs. */
export interface RestoredVolume {
  volumeId: string;
  availabilityZone: string;
}

/** PV name → its restored volume. */
export type RestoredVolumes = Record<string, RestoredVolume>;

/** One volume started by startVolumes. */
export interface VolumeRestoreItem {
  persistentVolume: string;
  snapshotId: string;
  volumeId: string;
  availabilityZone: string;
}

/** The JSON state between startVolumes and checkVolumes (a Step Functions payload). */
export interface VolumeRestoreBatch {
  restoreName: string;
  region: string;
  startedAt: number;
  items: VolumeRestoreItem[];
}

/** A volume check's answer: still waiting, or every volume available. */
export type VolumeRestoreCheck =
  | { status: Extract<WaitStatus, 'InProgress'>; progress: WaitProgress }
  | { status: Extract<WaitStatus, 'Completed'>; progress: WaitProgress; volumes: RestoredVolumes };

/** Until when deleteVolumes may wait for volumes to be detached (a time of the restorer's clock). */
export interface DeleteVolumesOptions {
  deadline: number;
}

/** What deleteVolumes did with each id it was given. */
export interface VolumeDeletion {
  deleted: string[];
  /** Already gone (absent, deleting or deleted) before this call deleted them: done all the same. */
  notFound: string[];
  /** Still attached (or still creating) at the deadline: left in place for a later clean-up, not an error. */
  stillInUse: string[];
  /** The last state EC2 reported for each volume of stillInUse. */
  lastStates: Record<string, VolumeState>;
}

// EC2 volume ids: vol- and 8 or 17 hex digits.
const VOLUME_ID = /^vol-[0-9a-f]{8}(?:[0-9a-f]{9})?$/;

/** PV name → source zone, from the EBS volumes found in an archive's PVs. */
export function sourceZonesOf(volumes: readonly EbsVolume[]): Record<string, string> {
  const zones: Record<string, string> = {};
  for (const volume of volumes) if (volume.availabilityZone) zones[volume.pvName] = volume.availabilityZone;
  return zones;
}

/**
 * Makes one volume per snapshot record from its copy in the target region, in the mapped zone, and waits
 * until each is available. startVolumes/checkVolumes are the non-blocking steps for a workflow; restore loops over them.
 */
export class VolumeRestorer {
  readonly #to: VolumeSnapshots;
  readonly #sleep: Sleep;
  readonly #now: Now;
  readonly #limits: VolumeRestoreLimits;
  readonly #tags: Tags;

  constructor(deps: VolumeRestorerDeps) {
    this.#to = deps.to;
    this.#sleep = deps.sleep;
    this.#now = deps.now;
    this.#tags = deps.tags ?? {};
    this.#limits = { ...DEFAULT_VOLUME_RESTORE_LIMITS, ...deps.limits };
    checkPositiveMs('volumeTimeoutMs', this.#limits.volumeTimeoutMs);
    checkPositiveMs('pollIntervalMs', this.#limits.pollIntervalMs);
  }

  /** Creates every volume and waits until all are available. */
  async restore(
    records: readonly VolumeSnapshotRecord[],
    options: RestoreVolumesOptions,
  ): Promise<RestoredVolumes> {
    const batch = await this.startVolumes(records, options);
    return pollUntilDone(
      async () => {
        const check = await this.checkVolumes(batch);
        return check.status === 'Completed' ? check.volumes : undefined;
      },
      () => this.#timeout(batch, new Map()),
      { timeoutMs: this.#limits.volumeTimeoutMs, pollIntervalMs: this.#limits.pollIntervalMs },
      this.#sleep,
    );
  }

  /** Starts CreateVolume for each record from its completed copy; checks every input first; does not wait. */
  async startVolumes(
    records: readonly VolumeSnapshotRecord[],
    options: RestoreVolumesOptions,
  ): Promise<VolumeRestoreBatch> {
    validateBackupName(options.restoreName);
    const plans = this.#plan(records, options);
    const batch: VolumeRestoreBatch = {
      restoreName: options.restoreName,
      region: this.#to.region,
      startedAt: this.#now().getTime(),
      items: [],
    };
    for (const plan of plans) {
      let volumeId: string;
      try {
        volumeId = await this.#to.createVolume({
          snapshotId: plan.snapshotId,
          availabilityZone: plan.availabilityZone,
          volumeType: options.volumeType ?? 'gp3',
          ...(options.kmsKeyId === undefined ? {} : { kmsKeyId: options.kmsKeyId }),
          tags: {
            ...this.#tags,
            [RESTORE_TAG]: options.restoreName,
            [SNAPSHOT_TAGS.persistentVolume]: plan.persistentVolume,
            Name: `${options.restoreName}/${plan.persistentVolume}`.slice(0, 256),
          },
          clientToken: clientToken(options.restoreName, plan.persistentVolume, plan.snapshotId),
        });
      } catch (error) {
        throw new VolumeRequestError(
          'restore',
          'CreateVolume from snapshot',
          plan.persistentVolume,
          plan.snapshotId,
          this.#to.region,
          createdVolumes(batch),
          { cause: error },
        );
      }
      batch.items.push({ ...plan, volumeId });
    }
    return batch;
  }

  /** Looks at every volume of the batch once: available, still creating, failed, or out of time. */
  async checkVolumes(batch: VolumeRestoreBatch): Promise<VolumeRestoreCheck> {
    const statuses = new Map<string, VolumeStatus>();
    if (batch.items.length > 0) {
      try {
        for (const status of await this.#to.describeVolumes(batch.items.map((i) => i.volumeId))) {
          statuses.set(status.id, status);
        }
      } catch (error) {
        throw new VolumeRequestError(
          'restore',
          'DescribeVolumes of',
          undefined,
          batch.items.map((i) => i.volumeId).join(','),
          batch.region,
          createdVolumes(batch),
          { cause: error },
        );
      }
    }
    const volumes: RestoredVolumes = {};
    let done = 0;
    for (const item of batch.items) {
      const status = statuses.get(item.volumeId);
      // in-use means a pod already attached it (a resumed restore): it exists and holds the data.
      if (status?.state === 'available' || status?.state === 'in-use') {
        volumes[item.persistentVolume] = { volumeId: item.volumeId, availabilityZone: item.availabilityZone };
        done++;
      } else if (status?.state !== 'creating') {
        throw new VolumeCreateFailedError(
          item.persistentVolume,
          item.snapshotId,
          item.volumeId,
          batch.region,
          status === undefined ? 'it no longer exists' : `EC2 reports state ${status.state}`,
          createdVolumes(batch),
        );
      }
    }
    const total = batch.items.length;
    const progress: WaitProgress = {
      done,
      total,
      percent: total === 0 ? 100 : Math.floor((done * 100) / total),
    };
    if (done === total) return { status: 'Completed', progress, volumes };
    if (elapsedSince(this.#now, batch.startedAt) > this.#limits.volumeTimeoutMs) {
      throw this.#timeout(batch, statuses);
    }
    return { status: 'InProgress', progress };
  }

  /**
   * Deletes the given volumes (a restore's own, after its PVs are gone) and nothing else. Available or
   * failed volumes are deleted; absent ones count as done; attached or creating ones are waited for until the
   * deadline and then reported in stillInUse, because a detach can outlast the caller's time.
   */
  async deleteVolumes(volumeIds: readonly string[], options: DeleteVolumesOptions): Promise<VolumeDeletion> {
    for (const id of volumeIds) {
      if (typeof id !== 'string' || !VOLUME_ID.test(id)) {
        throw new InvalidVolumeInputError('volumeIds', id, 'is not an EBS volume id (vol-…)');
      }
    }
    if (!Number.isFinite(options.deadline)) {
      throw new InvalidVolumeInputError('deadline', options.deadline, 'expected a time in milliseconds');
    }
    const result: VolumeDeletion = { deleted: [], notFound: [], stillInUse: [], lastStates: {} };
    const { pollIntervalMs } = this.#limits;
    // Backstop for a sleep that never advances the clock: the deadline alone would then never come.
    const maxPolls = Math.ceil(Math.max(0, options.deadline - this.#now().getTime()) / pollIntervalMs) + 1;
    let pending = [...new Set(volumeIds)];
    for (let poll = 0; pending.length > 0; poll++) {
      const waiting = await this.#deleteAvailable(pending, result);
      pending = waiting.map((w) => w.id);
      const outOfTime = this.#now().getTime() + pollIntervalMs > options.deadline || poll >= maxPolls;
      if (pending.length > 0 && outOfTime) {
        for (const { id, state } of waiting) {
          result.stillInUse.push(id);
          result.lastStates[id] = state;
        }
        break;
      }
      if (pending.length > 0) await this.#sleep(pollIntervalMs);
    }
    return result;
  }

  // One round: describe, delete what can go, and answer the volumes still to wait for.
  async #deleteAvailable(
    ids: string[],
    result: VolumeDeletion,
  ): Promise<{ id: string; state: VolumeState }[]> {
    const statuses = new Map<string, VolumeStatus>();
    try {
      for (const status of await this.#to.describeVolumes(ids)) statuses.set(status.id, status);
    } catch (error) {
      throw new VolumeRequestError(
        'restore',
        'DescribeVolumes of',
        undefined,
        ids.join(','),
        this.#to.region,
        [],
        {
          cause: error,
        },
      );
    }
    const waiting: { id: string; state: VolumeState }[] = [];
    for (const id of ids) {
      const state = statuses.get(id)?.state;
      if (state === undefined || state === 'deleting' || state === 'deleted') {
        result.notFound.push(id);
      } else if (state === 'in-use' || state === 'creating') {
        waiting.push({ id, state });
      } else {
        let outcome: VolumeDeleteOutcome;
        try {
          outcome = await this.#to.deleteVolume(id);
        } catch (error) {
          throw new VolumeRequestError('restore', 'DeleteVolume', undefined, id, this.#to.region, [], {
            cause: error,
          });
        }
        // 'in-use' and 'not-ready': attached again since DescribeVolumes, or still creating; wait for it.
        if (outcome === 'deleted') result.deleted.push(id);
        else if (outcome === 'not-found') result.notFound.push(id);
        else waiting.push({ id, state: outcome === 'in-use' ? 'in-use' : state });
      }
    }
    return waiting;
  }

  #plan(
    records: readonly VolumeSnapshotRecord[],
    options: RestoreVolumesOptions,
  ): Omit<VolumeRestoreItem, 'volumeId'>[] {
    const region = this.#to.region;
    const zones = options.availabilityZones;
    if (zones.length === 0) {
      throw new InvalidVolumeInputError(
        'availabilityZones',
        zones,
        `at least one zone of ${region} is required`,
      );
    }
    for (const zone of zones) checkZone('availabilityZones', zone, region);
    for (const [from, to] of Object.entries(options.zoneMap ?? {})) checkZone(`zoneMap.${from}`, to, region);
    const seen = new Set<string>();
    return records.map((record) => {
      const pv = record.persistentVolume;
      if (seen.has(pv)) throw new InvalidVolumeInputError('persistentVolume', pv, 'appears more than once');
      seen.add(pv);
      const copy = record.copies?.find((c) => c.region === region);
      if (copy === undefined || copy.state !== 'completed') {
        const found = copy === undefined ? 'has none' : `has ${copy.snapshotId} in state ${copy.state}`;
        throw new InvalidVolumeInputError(
          `volumeSnapshots[${pv}].copies`,
          record.copies ?? [],
          `a completed copy in ${region} is needed to restore; it ${found}`,
        );
      }
      const sourceZone = options.sourceZones?.[pv];
      const mapped = sourceZone === undefined ? undefined : options.zoneMap?.[sourceZone];
      return {
        persistentVolume: pv,
        snapshotId: copy.snapshotId,
        availabilityZone: mapped ?? (zones[0] as string),
      };
    });
  }

  #timeout(batch: VolumeRestoreBatch, statuses: ReadonlyMap<string, VolumeStatus>): Error {
    const pending = batch.items.filter((i) => {
      const state = statuses.get(i.volumeId)?.state;
      return state !== 'available' && state !== 'in-use';
    });
    return new VolumeTimeoutError(
      pending.map((i) => ({ persistentVolume: i.persistentVolume, id: i.volumeId, region: batch.region })),
      elapsedSince(this.#now, batch.startedAt),
      this.#limits.volumeTimeoutMs,
      createdVolumes(batch),
    );
  }
}

// A zone name starts with its region's (eu-west-1a, us-west-2-lax-1a); anything else is a plan mistake.
function checkZone(field: string, zone: string, region: string): void {
  if (typeof zone !== 'string' || !zone.startsWith(region) || zone.length === region.length) {
    throw new InvalidVolumeInputError(
      field,
      zone,
      `is not an availability zone of the target region ${region}`,
    );
  }
}

// EC2 client tokens are at most 64 ASCII characters; a sha256 in hex is exactly that.
function clientToken(restoreName: string, persistentVolume: string, snapshotId: string): string {
  return createHash('sha256').update(`${restoreName}\n${persistentVolume}\n${snapshotId}`).digest('hex');
}

function createdVolumes(batch: VolumeRestoreBatch): CreatedResource[] {
  return batch.items.map((i) => ({
    kind: 'volume',
    region: batch.region,
    id: i.volumeId,
    persistentVolume: i.persistentVolume,
  }));
}
