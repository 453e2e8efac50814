// Step Functions Retry/Catch match on these `name`s, so they are part of the workflow contract: keep them stable.
// Every error raised after a side effect carries `created`, so a Catch state can clean up what exists.

/** An EC2 resource the volume use cases created before they failed; the caller decides whether to delete it. */
export interface CreatedResource {
  kind: 'snapshot' | 'volume';
  region: string;
  id: string;
  persistentVolume: string;
}

/** The step of the volume workflow an error happened in. */
export type VolumePhase = 'snapshot' | 'copy' | 'restore';

/** Options every volume error accepts, so the underlying failure travels with it. */
export interface VolumeErrorOptions {
  cause?: unknown;
}

/** Input rejected before any EC2 call: a bad backup name, PV, record, zone or KMS key. */
export class InvalidVolumeInputError extends Error {
  constructor(
    readonly field: string,
    readonly value: unknown,
    reason: string,
    options: VolumeErrorOptions = {},
  ) {
    super(`${field} ${JSON.stringify(value)}: ${reason}`, options);
    this.name = 'InvalidVolumeInputError';
  }
}

/** A snapshot or its cross-region copy that EC2 reports in state `error`, or that vanished while awaited. */
export class SnapshotFailedError extends Error {
  constructor(
    readonly phase: 'snapshot' | 'copy',
    readonly persistentVolume: string,
    readonly volumeId: string,
    readonly snapshotId: string,
    readonly region: string,
    readonly detail: string,
    readonly created: readonly CreatedResource[],
    options: VolumeErrorOptions = {},
  ) {
    super(
      `${phase === 'copy' ? 'copy' : 'snapshot'} ${snapshotId} in ${region} of volume ${volumeId} ` +
        `(PV ${persistentVolume}) failed: ${detail}${createdSuffix(created)}`,
      options,
    );
    this.name = 'SnapshotFailedError';
  }
}

/** One snapshot, copy or volume still not ready when a wait ran out of time. */
export interface PendingResource {
  persistentVolume: string;
  id: string;
  region: string;
  progress?: number;
}

/** Snapshots or copies that did not complete within the configured time. */
export class SnapshotTimeoutError extends Error {
  constructor(
    readonly phase: 'snapshot' | 'copy',
    readonly pending: readonly PendingResource[],
    readonly waitedMs: number,
    readonly limitMs: number,
    readonly created: readonly CreatedResource[],
    options: VolumeErrorOptions = {},
  ) {
    super(
      `${phase === 'copy' ? 'copies' : 'snapshots'} not completed after ${seconds(waitedMs)} ` +
        `(limit ${seconds(limitMs)}): ${pending.map(describePending).join(', ')}${createdSuffix(created)}`,
      options,
    );
    this.name = 'SnapshotTimeoutError';
  }
}

/** A DR volume that EC2 reports in state `error`, or that vanished while awaited. */
export class VolumeCreateFailedError extends Error {
  constructor(
    readonly persistentVolume: string,
    readonly snapshotId: string,
    readonly volumeId: string,
    readonly region: string,
    readonly detail: string,
    readonly created: readonly CreatedResource[],
    options: VolumeErrorOptions = {},
  ) {
    super(
      `volume ${volumeId} in ${region} from snapshot ${snapshotId} (PV ${persistentVolume}) failed: ` +
        `${detail}${createdSuffix(created)}`,
      options,
    );
    this.name = 'VolumeCreateFailedError';
  }
}

/** DR volumes that did not become available within the configured time. */
export class VolumeTimeoutError extends Error {
  constructor(
    readonly pending: readonly PendingResource[],
    readonly waitedMs: number,
    readonly limitMs: number,
    readonly created: readonly CreatedResource[],
    options: VolumeErrorOptions = {},
  ) {
    super(
      `volumes not available after ${seconds(waitedMs)} (limit ${seconds(limitMs)}): ` +
        `${pending.map(describePending).join(', ')}${createdSuffix(created)}`,
      options,
    );
    this.name = 'VolumeTimeoutError';
  }
}

/** An EC2 request of a volume use case that failed (throttled past its retries, refused, unreachable). */
export class VolumeRequestError extends Error {
  constructor(
    readonly phase: VolumePhase,
    readonly operation: string,
    readonly persistentVolume: string | undefined,
    readonly resourceId: string,
    readonly region: string,
    readonly created: readonly CreatedResource[],
    options: VolumeErrorOptions = {},
  ) {
    const pv = persistentVolume === undefined ? '' : ` (PV ${persistentVolume})`;
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`${operation} ${resourceId} in ${region}${pv} failed: ${reason}${createdSuffix(created)}`, options);
    this.name = 'VolumeRequestError';
  }
}

function describePending(item: PendingResource): string {
  const progress = item.progress === undefined ? '' : ` ${item.progress}%`;
  return `${item.id} (PV ${item.persistentVolume}, ${item.region}${progress})`;
}

function createdSuffix(created: readonly CreatedResource[]): string {
  if (created.length === 0) return '; nothing was created';
  return `; created and left for clean-up: ${created.map((c) => `${c.region}/${c.id}`).join(', ')}`;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}
