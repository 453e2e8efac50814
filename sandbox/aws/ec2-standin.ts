// An in-memory EC2 per region for the sandbox: EBS volumes, snapshots, cross-region copies and volumes from
// snapshots, each taking a modelled time on an injectable clock, with fault hooks. A volume's content is
// modelled as a string (`data`): a snapshot takes the volume's as it is then, a copy and a volume made from a
// snapshot carry it on, so a test can tell which write a restored volume holds. Throttled calls are tried
// again as the EC2 client's standard retry does, and every failure is an SDK-shaped error (`name` is EC2's
// code) turned into a domain error by the adapter's own mapping, so the sandbox takes production's path.

import { standardRetry } from '../../functions/shared/aws/sdk-config.ts';
import type { SnapshotState } from '../../src/archive/index.ts';
import { ec2Failure } from '../../src/aws/ec2-errors.ts';
import { retry, validateRetryOptions } from '../../src/util/retry.ts';
import type {
  CopySnapshotRequest,
  CreateVolumeRequest,
  DeleteOutcome,
  SnapshotStatus,
  TaggedSnapshot,
  Tags,
  VolumeDeleteOutcome,
  VolumeSnapshots,
  VolumeState,
  VolumeStatus,
} from '../../src/volumes/ports.ts';

/** Modelled durations in milliseconds of model time (scaled onto the clock by `scale`). */
export interface Ec2LatencyModel {
  /** A snapshot's fixed part. @default 3 min */
  snapshotBaseMs: number;
  /** @default 2 s per GiB */
  snapshotPerGiBMs: number;
  /** A cross-region copy's fixed part. @default 6 min */
  copyBaseMs: number;
  /** @default 4 s per GiB */
  copyPerGiBMs: number;
  /** A volume from a snapshot, creating → available. @default 10 s */
  volumeMs: number;
  /** EC2's default quota of copies in flight per destination region. @default 20 */
  maxConcurrentCopies: number;
}

/** Defaults of Ec2LatencyModel. */
export const DEFAULT_EC2_LATENCY: Ec2LatencyModel = {
  snapshotBaseMs: 3 * 60_000,
  snapshotPerGiBMs: 2_000,
  copyBaseMs: 6 * 60_000,
  copyPerGiBMs: 4_000,
  volumeMs: 10_000,
  maxConcurrentCopies: 20,
};

/** How the stand-in models the EC2 client's own retry of throttled calls (the SDK's standard mode). */
export interface Ec2SdkRetryModel {
  /** Attempts in all, the first included, as the client's `maxAttempts`. @default standardRetry's */
  attempts?: number;
  /** Waits between attempts. @default setTimeout, scaled like the latency model */
  sleep?: (ms: number) => Promise<void>;
  /** A number in [0, 1) drawing the SDK's full-jitter wait. @default Math.random */
  random?: () => number;
}

/** The SDK's bound on the first wait after a throttling answer, doubled on each retry, capped at 20 s. */
const SDK_THROTTLING_DELAY_MS = 500;
const SDK_MAX_DELAY_MS = 20_000;

/** Options of an Ec2Registry, shared by every region's stand-in. */
export interface Ec2StandInOptions {
  /** The clock, in milliseconds. @default Date.now */
  now?: () => number;
  /** Clock milliseconds per modelled millisecond: 0.001 turns a 3-minute snapshot into 180 ms. @default 1 */
  scale?: number;
  latency?: Partial<Ec2LatencyModel>;
  /** The client's retry of throttled calls. @default the SDK's 3 attempts, sleeps scaled like the latency model */
  retry?: Ec2SdkRetryModel;
}

/** The operations fault hooks can target. */
export type Ec2Operation =
  | 'CreateSnapshot'
  | 'DescribeSnapshots'
  | 'CopySnapshot'
  | 'CreateVolume'
  | 'DescribeVolumes'
  | 'DeleteSnapshot'
  | 'DeleteVolume';

/** A snapshot as the stand-in holds it (source snapshots and copies alike). */
export interface StandInSnapshot {
  id: string;
  region: string;
  volumeId: string;
  sizeGi: number;
  tags: Record<string, string>;
  description: string;
  encrypted: boolean;
  kmsKeyId: string | undefined;
  sourceRegion: string | undefined;
  sourceSnapshotId: string | undefined;
  startedAt: number;
  /** Clock milliseconds from start to completed. */
  durationMs: number;
  /** Set by a fault hook: the snapshot turns to error half-way. */
  failure: string | undefined;
  /** The content of the volume when the snapshot was started (carried by copies). */
  data: string | undefined;
}

/** A volume as the stand-in holds it. */
export interface StandInVolume {
  id: string;
  region: string;
  availabilityZone: string;
  sizeGi: number;
  volumeType: string;
  snapshotId: string | undefined;
  encrypted: boolean;
  kmsKeyId: string | undefined;
  tags: Record<string, string>;
  createdAt: number;
  readyAt: number;
  failed: boolean;
  /** The instance it is attached to (set by attachVolume): EC2 reports it in-use and refuses to delete it. */
  attachedTo: string | undefined;
  /** What is written on it: set by addVolume or writeVolume, or the snapshot's it was made from. */
  data: string | undefined;
}

interface Fault {
  match: (subject: string) => boolean;
  remaining: number;
  message: string;
}

/** The stand-ins of every region, linked so a copy can read its source snapshot in another region. */
export class Ec2Registry {
  readonly now: () => number;
  readonly scale: number;
  readonly latency: Ec2LatencyModel;
  readonly retry: Required<Ec2SdkRetryModel>;
  readonly #regions = new Map<string, Ec2StandIn>();
  #sequence = 0;

  constructor(options: Ec2StandInOptions = {}) {
    this.now = options.now ?? Date.now;
    this.scale = options.scale ?? 1;
    if (!Number.isFinite(this.scale) || this.scale <= 0) {
      throw new RangeError(`Ec2Registry option scale ${this.scale}: expected a positive number`);
    }
    this.latency = { ...DEFAULT_EC2_LATENCY, ...options.latency };
    const attempts = options.retry?.attempts ?? standardRetry.maxAttempts;
    validateRetryOptions({ attempts, baseDelayMs: SDK_THROTTLING_DELAY_MS, maxDelayMs: SDK_MAX_DELAY_MS });
    this.retry = {
      attempts,
      random: options.retry?.random ?? Math.random,
      sleep: options.retry?.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms * this.scale))),
    };
  }

  /** The stand-in of `region`, created on first use. */
  region(name: string): Ec2StandIn {
    let standIn = this.#regions.get(name);
    if (standIn === undefined) {
      standIn = new Ec2StandIn(this, name);
      this.#regions.set(name, standIn);
    }
    return standIn;
  }

  /** The stand-in of `region` if one exists; copies read their source through this. */
  existing(name: string): Ec2StandIn | undefined {
    return this.#regions.get(name);
  }

  /** A fresh id like EC2's: prefix and 17 hex digits, unique across regions. */
  nextId(prefix: 'vol' | 'snap'): string {
    this.#sequence++;
    return `${prefix}-0${this.#sequence.toString(16).padStart(16, '0')}`;
  }

  /** Modelled milliseconds as clock milliseconds. */
  scaled(modelMs: number): number {
    return modelMs * this.scale;
  }
}

/** The in-memory EC2 of one region, implementing VolumeSnapshots, plus sandbox set-up and fault hooks. */
export class Ec2StandIn implements VolumeSnapshots {
  readonly region: string;
  /** Calls per operation, throttled attempts included. */
  readonly calls: Record<Ec2Operation, number> = {
    CreateSnapshot: 0,
    DescribeSnapshots: 0,
    CopySnapshot: 0,
    CreateVolume: 0,
    DescribeVolumes: 0,
    DeleteSnapshot: 0,
    DeleteVolume: 0,
  };
  readonly #registry: Ec2Registry;
  readonly #snapshots = new Map<string, StandInSnapshot>();
  readonly #volumes = new Map<string, StandInVolume>();
  readonly #clientTokens = new Map<string, { volumeId: string; fingerprint: string }>();
  readonly #throttles: { operation: Ec2Operation | undefined; remaining: number; skip: number }[] = [];
  readonly #snapshotFaults: Fault[] = [];
  readonly #copyFaults: Fault[] = [];
  readonly #stalledCopies: Fault[] = [];
  readonly #volumeFaults: Fault[] = [];

  constructor(registry: Ec2Registry, region: string) {
    this.#registry = registry;
    this.region = region;
  }

  // ---- sandbox set-up and inspection ----

  /** An EBS volume that already exists (what a CSI provisioner made), available at once. */
  addVolume(volume: {
    availabilityZone: string;
    sizeGi: number;
    volumeId?: string;
    tags?: Tags;
    data?: string;
  }): string {
    this.#checkZone(volume.availabilityZone);
    const id = volume.volumeId ?? this.#registry.nextId('vol');
    const now = this.#registry.now();
    this.#volumes.set(id, {
      id,
      region: this.region,
      availabilityZone: volume.availabilityZone,
      sizeGi: volume.sizeGi,
      volumeType: 'gp3',
      snapshotId: undefined,
      encrypted: false,
      kmsKeyId: undefined,
      tags: { ...volume.tags },
      createdAt: now,
      readyAt: now,
      failed: false,
      attachedTo: undefined,
      data: volume.data,
    });
    return id;
  }

  /** Writes `data` on a volume, as a pod using its PV would: later snapshots take it. */
  writeVolume(id: string, data: string): void {
    const volume = this.#volumes.get(id);
    if (volume === undefined) throw new RangeError(`writeVolume ${id}: no such volume in ${this.region}`);
    volume.data = data;
  }

  /** What is written on a volume (undefined: nothing, or no such volume). */
  volumeData(id: string): string | undefined {
    return this.#volumes.get(id)?.data;
  }

  /** A copy of one snapshot's record, or undefined. */
  snapshot(id: string): StandInSnapshot | undefined {
    const snapshot = this.#snapshots.get(id);
    return snapshot === undefined ? undefined : structuredClone(snapshot);
  }

  /** Copies of every snapshot's record. */
  listSnapshots(): StandInSnapshot[] {
    return [...this.#snapshots.values()].map((s) => structuredClone(s));
  }

  /** A copy of one volume's record, or undefined. */
  volume(id: string): StandInVolume | undefined {
    const volume = this.#volumes.get(id);
    return volume === undefined ? undefined : structuredClone(volume);
  }

  /** Copies of every volume's record. */
  listVolumes(): StandInVolume[] {
    return [...this.#volumes.values()].map((v) => structuredClone(v));
  }

  /** A snapshot's state at the current clock. */
  snapshotState(id: string): SnapshotState | undefined {
    const snapshot = this.#snapshots.get(id);
    return snapshot === undefined ? undefined : this.#statusOf(snapshot).state;
  }

  /** Attaches a volume to an instance, as a node mounting a pod's PV would: it turns in-use. */
  attachVolume(id: string, instanceId = 'i-0sandbox'): void {
    const volume = this.#volumes.get(id);
    if (volume === undefined) throw new RangeError(`attachVolume ${id}: no such volume in ${this.region}`);
    volume.attachedTo = instanceId;
  }

  /** Detaches a volume (its pod went away): it turns available again. */
  detachVolume(id: string): void {
    const volume = this.#volumes.get(id);
    if (volume === undefined) throw new RangeError(`detachVolume ${id}: no such volume in ${this.region}`);
    volume.attachedTo = undefined;
  }

  // ---- fault hooks ----

  /** After letting `after` calls through, the next `times` calls (of `operation`, or of any) answer RequestLimitExceeded. */
  throttle(times: number, operation?: Ec2Operation, after = 0): void {
    this.#throttles.push({ operation, remaining: times, skip: after });
  }

  /** The next `times` snapshots (of `volumeId`, or of any volume) go to state error half-way. */
  failSnapshots(options: { volumeId?: string; times?: number; message?: string } = {}): void {
    this.#snapshotFaults.push(fault(options.volumeId, options.times, options.message ?? 'Internal error'));
  }

  /** The next `times` copies (of `sourceSnapshotId`, or of any) go to state error half-way. */
  failCopies(options: { sourceSnapshotId?: string; times?: number; message?: string } = {}): void {
    this.#copyFaults.push(fault(options.sourceSnapshotId, options.times, options.message ?? 'Copy failed'));
  }

  /** The next `times` copies (of `sourceSnapshotId`, or of any) stay pending, at 0%, for ever. */
  stallCopies(options: { sourceSnapshotId?: string; times?: number } = {}): void {
    this.#stalledCopies.push(fault(options.sourceSnapshotId, options.times, 'stalled'));
  }

  /** The next `times` volumes made from `snapshotId` (or from any) go to state error. */
  failVolumes(options: { snapshotId?: string; times?: number } = {}): void {
    this.#volumeFaults.push(fault(options.snapshotId, options.times, 'error'));
  }

  // ---- VolumeSnapshots ----

  /** CreateSnapshot: the volume must exist in this region. */
  createSnapshot(volumeId: string, tags: Tags, description: string): Promise<string> {
    return this.#call('CreateSnapshot', () => {
      const volume = this.#volumes.get(volumeId);
      if (volume === undefined)
        throw ec2Error('InvalidVolume.NotFound', `The volume '${volumeId}' does not exist.`);
      const { snapshotBaseMs, snapshotPerGiBMs } = this.#registry.latency;
      const snapshot = this.#newSnapshot(
        volume.id,
        volume.sizeGi,
        snapshotBaseMs + snapshotPerGiBMs * volume.sizeGi,
      );
      Object.assign(snapshot, {
        tags: { ...tags },
        description,
        encrypted: volume.encrypted,
        kmsKeyId: volume.kmsKeyId,
        failure: take(this.#snapshotFaults, volumeId),
        data: volume.data,
      });
      return snapshot.id;
    });
  }

  /** DescribeSnapshots by id filter: only the ids that exist come back. */
  describeSnapshots(ids: readonly string[]): Promise<SnapshotStatus[]> {
    return this.#call('DescribeSnapshots', () =>
      ids.flatMap((id) => {
        const snapshot = this.#snapshots.get(id);
        return snapshot === undefined ? [] : [this.#statusOf(snapshot)];
      }),
    );
  }

  /** DescribeSnapshots by tag filters: every snapshot of this region carrying all of `tags`, in any state. */
  findSnapshots(tags: Tags): Promise<TaggedSnapshot[]> {
    const wanted = Object.entries(tags);
    // As the real adapter: refused before any call, so a missing tag never lists every snapshot.
    if (wanted.length === 0) {
      return Promise.reject(
        new RangeError('findSnapshots: at least one tag is required, or it would list every snapshot'),
      );
    }
    return this.#call('DescribeSnapshots', () =>
      [...this.#snapshots.values()]
        .filter((s) => wanted.every(([key, value]) => s.tags[key] === value))
        .map((s) => ({ ...this.#statusOf(s), tags: { ...s.tags }, volumeId: s.volumeId })),
    );
  }

  /** CopySnapshot into this region: the source must exist, completed, in its region's stand-in. */
  copySnapshot(request: CopySnapshotRequest): Promise<string> {
    return this.#call('CopySnapshot', () => {
      const sourceRegion = this.#registry.existing(request.sourceRegion);
      const source =
        sourceRegion === undefined ? undefined : sourceRegion.#snapshots.get(request.sourceSnapshotId);
      if (sourceRegion === undefined || source === undefined) {
        throw ec2Error(
          'InvalidSnapshot.NotFound',
          `The snapshot '${request.sourceSnapshotId}' does not exist in ${request.sourceRegion}.`,
        );
      }
      const state = sourceRegion.#statusOf(source).state;
      if (state !== 'completed') {
        throw ec2Error('IncorrectState', `Snapshot is in invalid state - ${state}`);
      }
      checkKmsKey(request.kmsKeyId, this.region);
      const inFlight = [...this.#snapshots.values()].filter(
        (s) => s.sourceSnapshotId !== undefined && this.#statusOf(s).state === 'pending',
      ).length;
      if (inFlight >= this.#registry.latency.maxConcurrentCopies) {
        throw ec2Error(
          'ResourceLimitExceeded',
          `Too many snapshot copies in progress. The limit is ${inFlight}.`,
        );
      }
      const { copyBaseMs, copyPerGiBMs } = this.#registry.latency;
      // EC2 gives copies this placeholder volume id: the source volume is in another region.
      const copy = this.#newSnapshot(
        'vol-ffffffff',
        source.sizeGi,
        copyBaseMs + copyPerGiBMs * source.sizeGi,
      );
      Object.assign(copy, {
        tags: { ...request.tags },
        description: request.description,
        encrypted: true,
        kmsKeyId: request.kmsKeyId,
        sourceRegion: request.sourceRegion,
        sourceSnapshotId: request.sourceSnapshotId,
        failure: take(this.#copyFaults, request.sourceSnapshotId),
        data: source.data,
      });
      if (take(this.#stalledCopies, request.sourceSnapshotId) !== undefined) copy.durationMs = Infinity;
      return copy.id;
    });
  }

  /** CreateVolume from a completed snapshot of this region; a repeated client token returns the same volume. */
  createVolume(request: CreateVolumeRequest): Promise<string> {
    return this.#call('CreateVolume', () => {
      const fingerprint = JSON.stringify([request.snapshotId, request.availabilityZone, request.volumeType]);
      if (request.clientToken !== undefined) {
        const earlier = this.#clientTokens.get(request.clientToken);
        if (earlier !== undefined) {
          if (earlier.fingerprint !== fingerprint) {
            throw ec2Error('IdempotentParameterMismatch', 'The client token was used with other parameters.');
          }
          return earlier.volumeId;
        }
      }
      this.#checkZone(request.availabilityZone);
      const snapshot = this.#snapshots.get(request.snapshotId);
      if (snapshot === undefined) {
        throw ec2Error('InvalidSnapshot.NotFound', `The snapshot '${request.snapshotId}' does not exist.`);
      }
      const state = this.#statusOf(snapshot).state;
      if (state !== 'completed') throw ec2Error('IncorrectState', `Snapshot is in invalid state - ${state}`);
      if (request.kmsKeyId !== undefined) checkKmsKey(request.kmsKeyId, this.region);
      const id = this.#registry.nextId('vol');
      const now = this.#registry.now();
      this.#volumes.set(id, {
        id,
        region: this.region,
        availabilityZone: request.availabilityZone,
        sizeGi: snapshot.sizeGi,
        volumeType: request.volumeType ?? 'gp3',
        snapshotId: snapshot.id,
        encrypted: true,
        kmsKeyId: request.kmsKeyId ?? snapshot.kmsKeyId,
        tags: { ...request.tags },
        createdAt: now,
        readyAt: now + this.#registry.scaled(this.#registry.latency.volumeMs),
        failed: take(this.#volumeFaults, snapshot.id) !== undefined,
        attachedTo: undefined,
        data: snapshot.data,
      });
      if (request.clientToken !== undefined)
        this.#clientTokens.set(request.clientToken, { volumeId: id, fingerprint });
      return id;
    });
  }

  /** DescribeVolumes by id filter: only the ids that exist come back. */
  describeVolumes(ids: readonly string[]): Promise<VolumeStatus[]> {
    return this.#call('DescribeVolumes', () =>
      ids.flatMap((id) => {
        const volume = this.#volumes.get(id);
        if (volume === undefined) return [];
        return [
          {
            id,
            state: this.#stateOf(volume),
            availabilityZone: volume.availabilityZone,
            sizeGi: volume.sizeGi,
          },
        ];
      }),
    );
  }

  /**
   * DeleteVolume: the volume is gone at once (EC2's brief `deleting` is not modelled); an unknown id is
   * not-found. Where EC2 refuses an attached volume (VolumeInUse) or one still creating (IncorrectState),
   * the answer is 'in-use' or 'not-ready', as the adapter reports those refusals.
   */
  deleteVolume(id: string): Promise<VolumeDeleteOutcome> {
    return this.#call('DeleteVolume', () => {
      const volume = this.#volumes.get(id);
      if (volume === undefined) return 'not-found';
      const state = this.#stateOf(volume);
      if (state === 'in-use') return 'in-use';
      if (state === 'creating') return 'not-ready';
      this.#volumes.delete(id);
      return 'deleted';
    });
  }

  /** DeleteSnapshot; an unknown id is not-found, as the adapter reports EC2's InvalidSnapshot.NotFound. */
  async deleteSnapshot(id: string): Promise<DeleteOutcome> {
    return this.#call('DeleteSnapshot', () => (this.#snapshots.delete(id) ? 'deleted' : 'not-found'));
  }

  // ---- internals ----

  // One call as the adapter makes it: the client retries throttling (RequestLimitExceeded is all the fault
  // hooks throttle with) up to its attempts, with the SDK's throttling backoff bound as the wait; whatever it
  // gives up on, and every refusal, goes through the adapter's error mapping.
  async #call<T>(operation: Ec2Operation, body: () => T): Promise<T> {
    const { attempts, sleep, random } = this.#registry.retry;
    try {
      return await retry(
        async (attempt) => {
          this.calls[operation]++;
          if (this.#throttled(operation)) {
            throw ec2Error('RequestLimitExceeded', 'Request limit exceeded.', {
              status: 503,
              attempts: attempt,
            });
          }
          return body();
        },
        {
          attempts,
          baseDelayMs: SDK_THROTTLING_DELAY_MS,
          maxDelayMs: SDK_MAX_DELAY_MS,
          isRetryable: (error) => error instanceof Error && error.name === 'RequestLimitExceeded',
          sleep,
          random,
        },
      );
    } catch (error) {
      throw ec2Failure(operation, this.region, error);
    }
  }

  // True when a throttle fault hook takes this call.
  #throttled(operation: Ec2Operation): boolean {
    const throttle = this.#throttles.find((t) => t.remaining > 0 && (t.operation ?? operation) === operation);
    if (throttle === undefined) return false;
    if (throttle.skip > 0) {
      throttle.skip--;
      return false;
    }
    throttle.remaining--;
    return true;
  }

  #stateOf(volume: StandInVolume): VolumeState {
    if (volume.failed) return 'error';
    if (this.#registry.now() < volume.readyAt) return 'creating';
    return volume.attachedTo === undefined ? 'available' : 'in-use';
  }

  #newSnapshot(volumeId: string, sizeGi: number, modelMs: number): StandInSnapshot {
    const snapshot: StandInSnapshot = {
      id: this.#registry.nextId('snap'),
      region: this.region,
      volumeId,
      sizeGi,
      tags: {},
      description: '',
      encrypted: false,
      kmsKeyId: undefined,
      sourceRegion: undefined,
      sourceSnapshotId: undefined,
      startedAt: this.#registry.now(),
      durationMs: this.#registry.scaled(modelMs),
      failure: undefined,
      data: undefined,
    };
    this.#snapshots.set(snapshot.id, snapshot);
    return snapshot;
  }

  #statusOf(snapshot: StandInSnapshot): SnapshotStatus {
    const elapsed = this.#registry.now() - snapshot.startedAt;
    const fraction = Math.min(1, Math.max(0, elapsed / snapshot.durationMs));
    if (snapshot.failure !== undefined && fraction >= 0.5) {
      return {
        id: snapshot.id,
        state: 'error',
        progress: 50,
        sizeGi: snapshot.sizeGi,
        stateMessage: snapshot.failure,
      };
    }
    return {
      id: snapshot.id,
      state: fraction >= 1 ? 'completed' : 'pending',
      progress: Math.floor(fraction * 100),
      sizeGi: snapshot.sizeGi,
      stateMessage: undefined,
    };
  }

  #checkZone(zone: string): void {
    if (!zone.startsWith(this.region) || zone.length === this.region.length) {
      throw ec2Error(
        'InvalidParameterValue',
        `Invalid availability zone: [${zone}] is not in ${this.region}`,
      );
    }
  }
}

/** A CSI PersistentVolume for a stand-in volume, as the EBS CSI driver provisions it (for sandbox clusters). */
export function ebsCsiPersistentVolume(options: {
  name: string;
  volumeId: string;
  availabilityZone: string;
  sizeGi: number;
  claim?: { namespace: string; name: string };
  storageClassName?: string;
}): {
  apiVersion: 'v1';
  kind: 'PersistentVolume';
  metadata: { name: string; annotations: Record<string, string> };
  spec: Record<string, unknown>;
} {
  const spec: Record<string, unknown> = {
    accessModes: ['ReadWriteOnce'],
    capacity: { storage: `${options.sizeGi}Gi` },
    csi: { driver: 'ebs.csi.aws.com', volumeHandle: options.volumeId, fsType: 'ext4' },
    nodeAffinity: {
      required: {
        nodeSelectorTerms: [
          {
            matchExpressions: [
              { key: 'topology.kubernetes.io/zone', operator: 'In', values: [options.availabilityZone] },
            ],
          },
        ],
      },
    },
    persistentVolumeReclaimPolicy: 'Delete',
    storageClassName: options.storageClassName ?? 'gp3',
    volumeMode: 'Filesystem',
  };
  if (options.claim !== undefined)
    spec.claimRef = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', ...options.claim };
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolume',
    metadata: { name: options.name, annotations: { 'pv.kubernetes.io/provisioned-by': 'ebs.csi.aws.com' } },
    spec,
  };
}

// The error shape the SDK gives: `name` is EC2's error code, `$fault` says whose fault, `$metadata` carries the
// HTTP status and the attempts the client made.
function ec2Error(
  code: string,
  message: string,
  { status = 400, attempts = 1 }: { status?: number; attempts?: number } = {},
): Error {
  return Object.assign(new Error(message), {
    name: code,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status, attempts },
  });
}

// A KMS key ARN names its region; EC2 refuses a key from another region for a copy or a volume.
function checkKmsKey(kmsKeyId: string, region: string): void {
  if (kmsKeyId.trim() === '') throw ec2Error('InvalidParameterValue', 'KmsKeyId must not be empty');
  const arnRegion = /^arn:aws[a-z-]*:kms:([^:]+):/.exec(kmsKeyId)?.[1];
  if (arnRegion !== undefined && arnRegion !== region) {
    throw ec2Error('InvalidParameterValue', `KMS key ${kmsKeyId} is in ${arnRegion}, not ${region}`);
  }
}

function fault(subject: string | undefined, times: number | undefined, message: string): Fault {
  return { match: (s) => subject === undefined || s === subject, remaining: times ?? 1, message };
}

function take(faults: Fault[], subject: string): string | undefined {
  const hit = faults.find((f) => f.remaining > 0 && f.match(subject));
  if (hit === undefined) return undefined;
  hit.remaining--;
  return hit.message;
}
