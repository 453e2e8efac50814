import { validateBackupName } from '../archive/layout.ts';
import type { VolumeSnapshotRecord } from '../archive/manifest.ts';
import type { Now } from '../util/clock.ts';
import type { EbsVolume } from './ebs-volumes.ts';
import {
  type CreatedResource,
  InvalidVolumeInputError,
  SnapshotFailedError,
  SnapshotTimeoutError,
  VolumeRequestError,
} from './errors.ts';
import { checkPositiveMs, elapsedSince, pollUntilDone, type WaitStatus } from './polling.ts';
import type { Sleep, SnapshotStatus, TaggedSnapshot, Tags, VolumeSnapshots } from './ports.ts';

/** Tag keys put on every snapshot and copy, so a person or a script can tell what each one holds. */
export const SNAPSHOT_TAGS = {
  backup: 'eks-dr:backup',
  persistentVolume: 'eks-dr:pv',
  claim: 'eks-dr:pvc',
  namespace: 'eks-dr:namespace',
  sourceSnapshot: 'eks-dr:source-snapshot',
  sourceRegion: 'eks-dr:source-region',
} as const;

// EC2 limits: tag values 256 characters, snapshot descriptions 255.
const MAX_TAG_VALUE = 256;
const MAX_DESCRIPTION = 255;

/** How long snapshots and copies may take, how often to look, and how many copies to run at once. */
export interface VolumeBackupLimits {
  /** @default 6 hours (a first snapshot of a large volume copies every block) */
  snapshotTimeoutMs: number;
  /** @default 12 hours (cross-region copies of full snapshots are slower still) */
  copyTimeoutMs: number;
  /** Pause between status checks in snapshot/copyToDr/runToCompletion. @default 30 s */
  pollIntervalMs: number;
  /** Copies in flight at once; EC2's default quota is 20 concurrent copies per destination region. @default 20 */
  maxConcurrentCopies: number;
}

/** Defaults for VolumeBackupLimits. */
export const DEFAULT_VOLUME_BACKUP_LIMITS: VolumeBackupLimits = {
  snapshotTimeoutMs: 6 * 3600_000,
  copyTimeoutMs: 12 * 3600_000,
  pollIntervalMs: 30_000,
  maxConcurrentCopies: 20,
};

/**
 * What a VolumeBackupper works with: EC2 of the region the volumes are in (`from`: the primary for a backup,
 * DR for a failback) and of the region the copies go to (`to`), and time.
 */
export interface VolumeBackupperDeps {
  from: VolumeSnapshots;
  to: VolumeSnapshots;
  sleep: Sleep;
  now: Now;
  limits?: Partial<VolumeBackupLimits>;
  /** Extra tags for every snapshot and copy (cost centre, cluster name). */
  tags?: Tags;
}

/** One snapshot started by startSnapshots. */
export interface SnapshotItem {
  persistentVolume: string;
  volumeId: string;
  snapshotId: string;
  sizeGiB?: number;
}

/** The JSON state between startSnapshots and checkSnapshots (a Step Functions payload). */
export interface SnapshotBatch {
  backupName: string;
  region: string;
  startedAt: number;
  items: SnapshotItem[];
}

/** How far a batch has come: items done of the total, and the average EC2 progress in percent. */
export interface WaitProgress {
  done: number;
  total: number;
  percent: number;
}

/** A status check's answer: still waiting (with progress), or completed with every record complete. */
export type VolumeCheck =
  | { status: Extract<WaitStatus, 'InProgress'>; progress: WaitProgress }
  | { status: Extract<WaitStatus, 'Completed'>; progress: WaitProgress; records: VolumeSnapshotRecord[] };

/** What copyToDr/startCopies need besides the records. */
export interface CopyOptions {
  backupName: string;
  /** The KMS key (id, ARN or alias) of the destination region that encrypts every copy. */
  kmsKeyId: string;
  /** Region the records' snapshots are in. @default the `from` VolumeSnapshots' region */
  sourceRegion?: string;
}

/** One record's copy: queued (no copy yet), in flight, or done. */
export interface CopyItem {
  record: VolumeSnapshotRecord;
  copySnapshotId?: string;
  /** When this copy was started (or found in flight); its timeout counts from here. */
  startedAt?: number;
  /** True when the copy existed before this batch (a resumed backup), so it is not this batch's to clean up. */
  preexisting?: boolean;
  state: 'queued' | 'copying' | 'completed';
}

/** The JSON state between startCopies and checkCopies (a Step Functions payload). */
export interface CopyBatch {
  backupName: string;
  sourceRegion: string;
  region: string;
  kmsKeyId: string;
  items: CopyItem[];
}

/** A copy check's answer: the batch to pass to the next check, and the status. */
export type CopyCheck = VolumeCheck & { batch: CopyBatch };

/**
 * Snapshots the EBS volumes behind PVs and copies the snapshots to the other region (`to`). Each wait is a start step
 * and a non-blocking check step, so a workflow can run it as Wait → check → Choice; snapshot, copyToDr and
 * runToCompletion loop over the same steps with the injected sleep. Every record returned is complete;
 * otherwise an error lists what was created.
 */
export class VolumeBackupper {
  readonly #from: VolumeSnapshots;
  readonly #to: VolumeSnapshots;
  readonly #sleep: Sleep;
  readonly #now: Now;
  readonly #limits: VolumeBackupLimits;
  readonly #tags: Tags;

  constructor(deps: VolumeBackupperDeps) {
    this.#from = deps.from;
    this.#to = deps.to;
    this.#sleep = deps.sleep;
    this.#now = deps.now;
    this.#tags = deps.tags ?? {};
    const limits = { ...DEFAULT_VOLUME_BACKUP_LIMITS, ...deps.limits };
    checkPositiveMs('snapshotTimeoutMs', limits.snapshotTimeoutMs);
    checkPositiveMs('copyTimeoutMs', limits.copyTimeoutMs);
    checkPositiveMs('pollIntervalMs', limits.pollIntervalMs);
    if (!Number.isInteger(limits.maxConcurrentCopies) || limits.maxConcurrentCopies < 1) {
      throw new RangeError(`maxConcurrentCopies ${limits.maxConcurrentCopies}: expected a whole number ≥ 1`);
    }
    if (deps.from.region === deps.to.region) {
      throw new InvalidVolumeInputError(
        'to.region',
        deps.to.region,
        'is the region the volumes are in; copies must go to another region',
      );
    }
    this.#limits = limits;
  }

  /** Snapshots every volume and copies each snapshot to the `to` region, waiting for both. */
  async runToCompletion(
    backupName: string,
    volumes: readonly EbsVolume[],
    options: Omit<CopyOptions, 'backupName'>,
  ): Promise<VolumeSnapshotRecord[]> {
    const records = await this.snapshot(backupName, volumes);
    return this.copyToDr(records, { ...options, backupName });
  }

  /** Snapshots every volume and waits until all are completed. */
  async snapshot(backupName: string, volumes: readonly EbsVolume[]): Promise<VolumeSnapshotRecord[]> {
    const batch = await this.startSnapshots(backupName, volumes);
    return pollUntilDone(
      async () => {
        const check = await this.checkSnapshots(batch);
        return check.status === 'Completed' ? check.records : undefined;
      },
      () => this.#snapshotTimeout(batch, []),
      { timeoutMs: this.#limits.snapshotTimeoutMs, pollIntervalMs: this.#limits.pollIntervalMs },
      this.#sleep,
    );
  }

  /**
   * Starts one snapshot per volume, tagged with backup, PV, PVC and namespace; does not wait. A volume that
   * already has a pending or completed snapshot of this backup and PV (an earlier attempt of this start that
   * failed or timed out half-way) gets that one back instead of a second snapshot.
   */
  async startSnapshots(backupName: string, volumes: readonly EbsVolume[]): Promise<SnapshotBatch> {
    validateBackupName(backupName);
    checkUnique(
      volumes.map((v) => v.pvName),
      'persistentVolume',
    );
    checkUnique(
      volumes.map((v) => v.volumeId),
      'volumeId',
    );
    const batch: SnapshotBatch = {
      backupName,
      region: this.#from.region,
      startedAt: this.#now().getTime(),
      items: [],
    };
    const earlier =
      volumes.length === 0 ? [] : await this.#findOfBackup(this.#from, backupName, 'snapshot', () => []);
    for (const volume of volumes) {
      const tags = this.#snapshotTags(backupName, volume);
      const reusable = reusableOf(
        earlier.filter(
          (s) =>
            s.volumeId === volume.volumeId &&
            s.tags[SNAPSHOT_TAGS.persistentVolume] === tags[SNAPSHOT_TAGS.persistentVolume],
        ),
      );
      const claim = volume.claim === undefined ? '' : ` (${volume.claim.namespace}/${volume.claim.name})`;
      const description = clip(`eks-dr backup ${backupName}: PV ${volume.pvName}${claim}`, MAX_DESCRIPTION);
      let snapshotId: string;
      try {
        snapshotId = reusable?.id ?? (await this.#from.createSnapshot(volume.volumeId, tags, description));
      } catch (error) {
        throw new VolumeRequestError(
          'snapshot',
          'CreateSnapshot of volume',
          volume.pvName,
          volume.volumeId,
          this.#from.region,
          createdSnapshots(batch),
          { cause: error },
        );
      }
      const item: SnapshotItem = { persistentVolume: volume.pvName, volumeId: volume.volumeId, snapshotId };
      if (volume.sizeGi !== undefined) item.sizeGiB = volume.sizeGi;
      batch.items.push(item);
    }
    return batch;
  }

  /** Looks at every snapshot of the batch once: completed, still pending, failed, or out of time. */
  async checkSnapshots(batch: SnapshotBatch): Promise<VolumeCheck> {
    const statuses = await this.#describe(
      this.#from,
      batch.items.map((i) => i.snapshotId),
      'snapshot',
      () => createdSnapshots(batch),
    );
    const records: VolumeSnapshotRecord[] = [];
    const pending: { item: SnapshotItem; progress: number }[] = [];
    for (const item of batch.items) {
      const status = statuses.get(item.snapshotId);
      if (status === undefined || status.state === 'error') {
        throw new SnapshotFailedError(
          'snapshot',
          item.persistentVolume,
          item.volumeId,
          item.snapshotId,
          batch.region,
          status === undefined ? 'it no longer exists' : (status.stateMessage ?? 'EC2 reports state error'),
          createdSnapshots(batch),
        );
      }
      if (status.state === 'completed') {
        records.push(snapshotRecord(item, batch.region, status));
      } else {
        pending.push({ item, progress: status.progress });
      }
    }
    const progress = progressOf(batch.items.length, records.length, [
      ...records.map(() => 100),
      ...pending.map((p) => p.progress),
    ]);
    if (pending.length === 0) return { status: 'Completed', progress, records };
    if (elapsedSince(this.#now, batch.startedAt) > this.#limits.snapshotTimeoutMs) {
      throw this.#snapshotTimeout(batch, pending);
    }
    return { status: 'InProgress', progress };
  }

  /** Copies every snapshot to the `to` region encrypted with its key, and waits until every copy is completed. */
  async copyToDr(
    records: readonly VolumeSnapshotRecord[],
    options: CopyOptions,
  ): Promise<VolumeSnapshotRecord[]> {
    let batch = await this.startCopies(records, options);
    return pollUntilDone(
      async () => {
        const check = await this.checkCopies(batch);
        batch = check.batch;
        return check.status === 'Completed' ? check.records : undefined;
      },
      () => this.#copyTimeout(batch),
      { timeoutMs: this.#limits.copyTimeoutMs, pollIntervalMs: this.#limits.pollIntervalMs },
      this.#sleep,
    );
  }

  /**
   * Starts CopySnapshot for each record, at most maxConcurrentCopies at once; does not wait. Records that
   * already have a completed copy there are kept; one with a copy in flight is awaited, not copied again. So is
   * a pending or completed copy there of this backup tagged with the record's snapshot (left by an earlier attempt).
   */
  async startCopies(records: readonly VolumeSnapshotRecord[], options: CopyOptions): Promise<CopyBatch> {
    validateBackupName(options.backupName);
    const sourceRegion = options.sourceRegion ?? this.#from.region;
    if (typeof options.kmsKeyId !== 'string' || options.kmsKeyId.trim() === '') {
      throw new InvalidVolumeInputError(
        'kmsKeyId',
        options.kmsKeyId,
        `a KMS key of ${this.#to.region} is required: copies are always encrypted`,
      );
    }
    if (sourceRegion === this.#to.region) {
      throw new InvalidVolumeInputError(
        'sourceRegion',
        sourceRegion,
        'is the destination region; nothing to copy',
      );
    }
    checkUnique(
      records.map((r) => r.persistentVolume),
      'persistentVolume',
    );
    for (const record of records) {
      if (record.region !== sourceRegion) {
        throw new InvalidVolumeInputError(
          `volumeSnapshots[${record.persistentVolume}].region`,
          record.region,
          `expected the source region ${sourceRegion}`,
        );
      }
      if (record.state !== 'completed') {
        throw new InvalidVolumeInputError(
          `volumeSnapshots[${record.persistentVolume}].state`,
          record.state,
          `snapshot ${record.snapshotId} must be completed before it is copied`,
        );
      }
    }
    const now = this.#now().getTime();
    const batch: CopyBatch = {
      backupName: options.backupName,
      sourceRegion,
      region: this.#to.region,
      kmsKeyId: options.kmsKeyId,
      items: records.map((record) => {
        const copy = record.copies?.find((c) => c.region === this.#to.region);
        if (copy?.state === 'completed')
          return { record, copySnapshotId: copy.snapshotId, state: 'completed' };
        if (copy?.state === 'pending') {
          return {
            record,
            copySnapshotId: copy.snapshotId,
            startedAt: now,
            preexisting: true,
            state: 'copying',
          };
        }
        return { record, state: 'queued' };
      }),
    };
    return this.#fillCopySlots(batch);
  }

  /** Looks at every copy in flight once, starts queued copies as slots free, and reports the status. */
  async checkCopies(input: CopyBatch): Promise<CopyCheck> {
    const batch: CopyBatch = structuredClone(input);
    const copying = batch.items.filter((i) => i.state === 'copying');
    const statuses = await this.#describe(
      this.#to,
      copying.map((i) => i.copySnapshotId as string),
      'copy',
      () => createdCopies(batch),
    );
    const percents: number[] = [];
    for (const item of copying) {
      const id = item.copySnapshotId as string;
      const status = statuses.get(id);
      if (status === undefined || status.state === 'error') {
        throw new SnapshotFailedError(
          'copy',
          item.record.persistentVolume,
          item.record.volumeId,
          id,
          batch.region,
          status === undefined ? 'it no longer exists' : (status.stateMessage ?? 'EC2 reports state error'),
          createdCopies(batch),
        );
      }
      if (status.state === 'completed') {
        item.state = 'completed';
      } else {
        percents.push(status.progress);
        if (elapsedSince(this.#now, item.startedAt ?? 0) > this.#limits.copyTimeoutMs) {
          throw this.#copyTimeout(batch, statuses);
        }
      }
    }
    const next = await this.#fillCopySlots(batch);
    const done = next.items.filter((i) => i.state === 'completed').length;
    const progress = progressOf(next.items.length, done, [
      ...next.items.filter((i) => i.state === 'completed').map(() => 100),
      ...percents,
    ]);
    if (done < next.items.length) return { status: 'InProgress', progress, batch: next };
    return {
      status: 'Completed',
      progress,
      batch: next,
      records: next.items.map((i) => withCopy(i, next.region)),
    };
  }

  // A retried start or check repeats the input batch: queued items an earlier attempt already copied adopt those
  // copies first, so only the rest are copied.
  async #fillCopySlots(batch: CopyBatch): Promise<CopyBatch> {
    const queued = batch.items.filter((i) => i.state === 'queued');
    if (queued.length > 0) {
      const earlier = await this.#findOfBackup(this.#to, batch.backupName, 'copy', () =>
        createdCopies(batch),
      );
      for (const item of queued) {
        const reusable = reusableOf(
          earlier.filter((s) => s.tags[SNAPSHOT_TAGS.sourceSnapshot] === item.record.snapshotId),
        );
        if (reusable === undefined) continue;
        item.copySnapshotId = reusable.id;
        item.startedAt = this.#now().getTime();
        item.state = reusable.state === 'completed' ? 'completed' : 'copying';
      }
    }
    let inFlight = batch.items.filter((i) => i.state === 'copying').length;
    for (const item of batch.items) {
      if (inFlight >= this.#limits.maxConcurrentCopies) break;
      if (item.state !== 'queued') continue;
      const { record } = item;
      const tags: Record<string, string> = {
        ...this.#tags,
        [SNAPSHOT_TAGS.backup]: batch.backupName,
        [SNAPSHOT_TAGS.persistentVolume]: clip(record.persistentVolume, MAX_TAG_VALUE),
        [SNAPSHOT_TAGS.sourceSnapshot]: record.snapshotId,
        [SNAPSHOT_TAGS.sourceRegion]: batch.sourceRegion,
        Name: clip(`${batch.backupName}/${record.persistentVolume}`, MAX_TAG_VALUE),
      };
      const description = clip(
        `eks-dr backup ${batch.backupName}: PV ${record.persistentVolume}, copy of ${record.snapshotId} from ${batch.sourceRegion}`,
        MAX_DESCRIPTION,
      );
      try {
        item.copySnapshotId = await this.#to.copySnapshot({
          sourceRegion: batch.sourceRegion,
          sourceSnapshotId: record.snapshotId,
          kmsKeyId: batch.kmsKeyId,
          tags,
          description,
        });
      } catch (error) {
        throw new VolumeRequestError(
          'copy',
          'CopySnapshot of snapshot',
          record.persistentVolume,
          record.snapshotId,
          batch.region,
          createdCopies(batch),
          { cause: error },
        );
      }
      item.startedAt = this.#now().getTime();
      item.state = 'copying';
      inFlight++;
    }
    return batch;
  }

  #snapshotTags(backupName: string, volume: EbsVolume): Record<string, string> {
    const tags: Record<string, string> = {
      ...this.#tags,
      [SNAPSHOT_TAGS.backup]: backupName,
      [SNAPSHOT_TAGS.persistentVolume]: clip(volume.pvName, MAX_TAG_VALUE),
      Name: clip(`${backupName}/${volume.pvName}`, MAX_TAG_VALUE),
    };
    if (volume.claim !== undefined) {
      tags[SNAPSHOT_TAGS.claim] = clip(volume.claim.name, MAX_TAG_VALUE);
      tags[SNAPSHOT_TAGS.namespace] = volume.claim.namespace;
    }
    return tags;
  }

  // The snapshots (or copies) of one backup in the port's region: one DescribeSnapshots by tag.
  async #findOfBackup(
    port: VolumeSnapshots,
    backupName: string,
    phase: 'snapshot' | 'copy',
    created: () => CreatedResource[],
  ): Promise<TaggedSnapshot[]> {
    try {
      return await port.findSnapshots({ [SNAPSHOT_TAGS.backup]: backupName });
    } catch (error) {
      throw new VolumeRequestError(
        phase,
        'DescribeSnapshots tagged',
        undefined,
        `${SNAPSHOT_TAGS.backup}=${backupName}`,
        port.region,
        created(),
        { cause: error },
      );
    }
  }

  async #describe(
    port: VolumeSnapshots,
    ids: readonly string[],
    phase: 'snapshot' | 'copy',
    created: () => CreatedResource[],
  ): Promise<Map<string, SnapshotStatus>> {
    if (ids.length === 0) return new Map();
    try {
      const statuses = await port.describeSnapshots(ids);
      return new Map(statuses.map((s) => [s.id, s]));
    } catch (error) {
      throw new VolumeRequestError(
        phase,
        'DescribeSnapshots of',
        undefined,
        ids.join(','),
        port.region,
        created(),
        {
          cause: error,
        },
      );
    }
  }

  #snapshotTimeout(
    batch: SnapshotBatch,
    pending: readonly { item: SnapshotItem; progress: number }[],
  ): Error {
    const list = pending.length > 0 ? pending : batch.items.map((item) => ({ item, progress: 0 }));
    return new SnapshotTimeoutError(
      'snapshot',
      list.map(({ item, progress }) => ({
        persistentVolume: item.persistentVolume,
        id: item.snapshotId,
        region: batch.region,
        progress,
      })),
      elapsedSince(this.#now, batch.startedAt),
      this.#limits.snapshotTimeoutMs,
      createdSnapshots(batch),
    );
  }

  #copyTimeout(batch: CopyBatch, statuses: ReadonlyMap<string, SnapshotStatus> = new Map()): Error {
    const waiting = batch.items.filter((i) => i.state !== 'completed');
    const started = Math.min(...waiting.map((i) => i.startedAt ?? this.#now().getTime()));
    return new SnapshotTimeoutError(
      'copy',
      waiting.map((item) => {
        const pending = {
          persistentVolume: item.record.persistentVolume,
          id: item.copySnapshotId ?? `(queued copy of ${item.record.snapshotId})`,
          region: batch.region,
        };
        const progress =
          item.copySnapshotId === undefined ? undefined : statuses.get(item.copySnapshotId)?.progress;
        return progress === undefined ? pending : { ...pending, progress };
      }),
      elapsedSince(this.#now, started),
      this.#limits.copyTimeoutMs,
      createdCopies(batch),
    );
  }
}

/** True when every record has a completed copy in `region`: the volume half of a backup's "copied". */
export function allCopiedTo(records: readonly VolumeSnapshotRecord[], region: string): boolean {
  return records.every((r) => r.copies?.some((c) => c.region === region && c.state === 'completed') === true);
}

// The snapshot worth waiting for among earlier ones: a completed one, else a pending one; never one in error.
function reusableOf(candidates: readonly TaggedSnapshot[]): TaggedSnapshot | undefined {
  return candidates.find((s) => s.state === 'completed') ?? candidates.find((s) => s.state === 'pending');
}

function snapshotRecord(item: SnapshotItem, region: string, status: SnapshotStatus): VolumeSnapshotRecord {
  const record: VolumeSnapshotRecord = {
    persistentVolume: item.persistentVolume,
    volumeId: item.volumeId,
    snapshotId: item.snapshotId,
    region,
    state: 'completed',
  };
  const size = status.sizeGi > 0 ? status.sizeGi : item.sizeGiB;
  if (size !== undefined) record.sizeGiB = size;
  return record;
}

function withCopy(item: CopyItem, region: string): VolumeSnapshotRecord {
  const others = (item.record.copies ?? []).filter((c) => c.region !== region);
  return {
    ...item.record,
    copies: [...others, { region, snapshotId: item.copySnapshotId as string, state: 'completed' }],
  };
}

function createdSnapshots(batch: SnapshotBatch): CreatedResource[] {
  return batch.items.map((i) => ({
    kind: 'snapshot',
    region: batch.region,
    id: i.snapshotId,
    persistentVolume: i.persistentVolume,
  }));
}

function createdCopies(batch: CopyBatch): CreatedResource[] {
  return batch.items
    .filter((i) => i.copySnapshotId !== undefined && i.preexisting !== true && i.state !== 'queued')
    .filter((i) => i.record.copies?.some((c) => c.snapshotId === i.copySnapshotId) !== true)
    .map((i) => ({
      kind: 'snapshot',
      region: batch.region,
      id: i.copySnapshotId as string,
      persistentVolume: i.record.persistentVolume,
    }));
}

function progressOf(total: number, done: number, percents: readonly number[]): WaitProgress {
  const percent = percents.length === 0 ? 100 : Math.floor(percents.reduce((a, b) => a + b, 0) / total);
  return { done, total, percent };
}

function checkUnique(values: readonly string[], field: string): void {
  const seen = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) throw new InvalidVolumeInputError(field, value, 'appears more than once');
    seen.add(value);
  }
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
