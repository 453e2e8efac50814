import type { SnapshotState } from '../archive/index.ts';

/** EC2 tags as key → value. */
export type Tags = Readonly<Record<string, string>>;

/** What DescribeSnapshots says about one snapshot. */
export interface SnapshotStatus {
  id: string;
  state: SnapshotState;
  /** 0–100. */
  progress: number;
  sizeGi: number;
  stateMessage: string | undefined;
}

/**
 * A snapshot found by its tags (findSnapshots): its status, every tag it carries, and the volume it was taken
 * of. A cross-region copy's volumeId is EC2's placeholder `vol-ffffffff`; its source is in its tags.
 */
export interface TaggedSnapshot extends SnapshotStatus {
  tags: Tags;
  volumeId: string | undefined;
}

/** EC2 volume states, as DescribeVolumes reports them. */
export type VolumeState = 'creating' | 'available' | 'in-use' | 'deleting' | 'deleted' | 'error';

/** What DescribeVolumes says about one volume. */
export interface VolumeStatus {
  id: string;
  state: VolumeState;
  availabilityZone: string;
  sizeGi: number;
}

/** A CopySnapshot request, sent to the destination region's VolumeSnapshots. */
export interface CopySnapshotRequest {
  sourceRegion: string;
  sourceSnapshotId: string;
  /** Copies are always encrypted; this key (id, ARN or alias in the destination region) encrypts them. */
  kmsKeyId: string;
  tags: Tags;
  description: string;
}

/** A CreateVolume request: a volume from a snapshot in one zone of this region. */
export interface CreateVolumeRequest {
  snapshotId: string;
  availabilityZone: string;
  /** @default 'gp3' */
  volumeType?: string;
  /** When omitted, EC2 uses the snapshot's key (copies are always encrypted). */
  kmsKeyId?: string;
  tags: Tags;
  /** Idempotency token (at most 64 ASCII characters): a retried request returns the same volume. */
  clientToken?: string;
}

/** What DeleteSnapshot or DeleteVolume did: deleted it, or found it already gone. */
export type DeleteOutcome = 'deleted' | 'not-found';

/**
 * What DeleteVolume did. Besides DeleteOutcome, EC2 refuses a volume that is attached ('in-use', its
 * VolumeInUse) or not yet available ('not-ready', IncorrectState while it is still being created); both
 * mean "not yet", so they are answers rather than failures.
 */
export type VolumeDeleteOutcome = DeleteOutcome | 'in-use' | 'not-ready';

/**
 * The EC2 operations the volume use cases need, in one region. Describe calls return only the ids that
 * exist, so a caller can tell which snapshot or volume vanished.
 */
export interface VolumeSnapshots {
  readonly region: string;
  createSnapshot(volumeId: string, tags: Tags, description: string): Promise<string>;
  describeSnapshots(ids: readonly string[]): Promise<SnapshotStatus[]>;
  /**
   * The snapshots this account owns in this region that carry every one of `tags` (key and value exactly), in
   * any state; at least one tag is required, so a call never lists the whole account. Lets a retried start find
   * what an earlier attempt already created instead of creating it twice.
   */
  findSnapshots(tags: Tags): Promise<TaggedSnapshot[]>;
  copySnapshot(request: CopySnapshotRequest): Promise<string>;
  createVolume(request: CreateVolumeRequest): Promise<string>;
  describeVolumes(ids: readonly string[]): Promise<VolumeStatus[]>;
  deleteSnapshot(id: string): Promise<DeleteOutcome>;
  /**
   * DeleteVolume; 'not-found' when EC2 says InvalidVolume.NotFound, 'in-use' for an attached volume (never
   * detached here) and 'not-ready' for one still being created.
   */
  deleteVolume(id: string): Promise<VolumeDeleteOutcome>;
}

/** Waits `ms` milliseconds; injected so tests and the sandbox control time. */
export type Sleep = (ms: number) => Promise<void>;
