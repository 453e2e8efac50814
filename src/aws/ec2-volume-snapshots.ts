import { randomUUID } from 'node:crypto';
import {
  CopySnapshotCommand,
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DeleteSnapshotCommand,
  DeleteVolumeCommand,
  type EC2Client,
  type Filter,
  paginateDescribeSnapshots,
  paginateDescribeVolumes,
  type ResourceType,
  type Snapshot,
  type TagSpecification,
  type VolumeType,
} from '@aws-sdk/client-ec2';
import { type SnapshotState, snapshotStates } from '../archive/manifest.ts';
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
} from '../volumes/ports.ts';
import { ec2Failure } from './ec2-errors.ts';
import { AwsRequestError, awsErrorCode } from './errors.ts';

// EC2 accepts at most 200 values in one filter.
const FILTER_VALUES = 200;
const VOLUME_STATES: readonly VolumeState[] = [
  'creating',
  'available',
  'in-use',
  'deleting',
  'deleted',
  'error',
];

/** Options of Ec2VolumeSnapshots. */
export interface Ec2VolumeSnapshotsOptions {
  /** The region the client talks to; checked against the client's own before the first call. */
  region: string;
}

// Delete refusals that are answers: already gone; for a volume also attached (never detached here) or
// still being created.
const DELETE_SNAPSHOT_REFUSALS: ReadonlyMap<string, DeleteOutcome> = new Map([
  ['InvalidSnapshot.NotFound', 'not-found'],
]);
const DELETE_VOLUME_REFUSALS: ReadonlyMap<string, VolumeDeleteOutcome> = new Map([
  ['InvalidVolume.NotFound', 'not-found'],
  ['VolumeInUse', 'in-use'],
  ['IncorrectState', 'not-ready'],
]);

/**
 * VolumeSnapshots over one EC2Client (one region: the DR region gets a second client). Throttling and server
 * faults are retried by the client's own retry strategy; what it gives up on becomes a domain error
 * (ec2-errors.ts). Describe calls filter by id rather than naming ids, so a missing id is absent from the
 * answer instead of failing the whole call.
 */
export class Ec2VolumeSnapshots implements VolumeSnapshots {
  readonly region: string;
  readonly #client: EC2Client;
  #regionChecked: Promise<void> | undefined;

  constructor(client: EC2Client, options: Ec2VolumeSnapshotsOptions) {
    this.#client = client;
    this.region = options.region;
  }

  /** CreateSnapshot of `volumeId`, tagged on creation. */
  async createSnapshot(volumeId: string, tags: Tags, description: string): Promise<string> {
    const { SnapshotId } = await this.#send('CreateSnapshot', () =>
      this.#client.send(
        new CreateSnapshotCommand({
          VolumeId: volumeId,
          Description: description,
          TagSpecifications: tagSpecifications('snapshot', tags),
        }),
      ),
    );
    return this.#required('CreateSnapshot', 'SnapshotId', SnapshotId);
  }

  /**
   * CopySnapshot into this client's region, always encrypted with the given key. The SDK's EC2 middleware adds
   * DestinationRegion and the URL presigned for the source region that an encrypted copy needs.
   */
  async copySnapshot(request: CopySnapshotRequest): Promise<string> {
    const { SnapshotId } = await this.#send('CopySnapshot', () =>
      this.#client.send(
        new CopySnapshotCommand({
          SourceRegion: request.sourceRegion,
          SourceSnapshotId: request.sourceSnapshotId,
          Encrypted: true,
          KmsKeyId: request.kmsKeyId,
          Description: request.description,
          TagSpecifications: tagSpecifications('snapshot', request.tags),
        }),
      ),
    );
    return this.#required('CopySnapshot', 'SnapshotId', SnapshotId);
  }

  /**
   * CreateVolume from a snapshot in one zone, encrypted, tagged on creation. Without a client token one is made
   * here, once for every attempt the SDK makes, so a retry after a lost answer cannot create a second volume.
   */
  async createVolume(request: CreateVolumeRequest): Promise<string> {
    const { VolumeId } = await this.#send('CreateVolume', () =>
      this.#client.send(
        new CreateVolumeCommand({
          SnapshotId: request.snapshotId,
          AvailabilityZone: request.availabilityZone,
          VolumeType: (request.volumeType ?? 'gp3') as VolumeType,
          Encrypted: true,
          KmsKeyId: request.kmsKeyId,
          ClientToken: request.clientToken ?? randomUUID(),
          TagSpecifications: tagSpecifications('volume', request.tags),
        }),
      ),
    );
    return this.#required('CreateVolume', 'VolumeId', VolumeId);
  }

  /** The snapshots among `ids` that exist, with state, progress and size. */
  async describeSnapshots(ids: readonly string[]): Promise<SnapshotStatus[]> {
    const found: SnapshotStatus[] = [];
    for (const chunk of chunks(ids, FILTER_VALUES)) {
      for (const snapshot of await this.#snapshots([{ Name: 'snapshot-id', Values: chunk }])) {
        const status = statusOf(snapshot);
        if (status !== undefined) found.push(status);
      }
    }
    return found;
  }

  /**
   * The snapshots this account owns here carrying every one of `tags`: one `tag:<key>` filter per tag. EC2
   * reads `*` and `?` in filter values as wildcards, so the answer is narrowed again to exact values.
   */
  async findSnapshots(tags: Tags): Promise<TaggedSnapshot[]> {
    const wanted = Object.entries(tags);
    if (wanted.length === 0) {
      throw new RangeError('findSnapshots: at least one tag is required, or it would list every snapshot');
    }
    const found: TaggedSnapshot[] = [];
    const filters = wanted.map(([key, value]): Filter => ({ Name: `tag:${key}`, Values: [value] }));
    for (const snapshot of await this.#snapshots(filters)) {
      const status = statusOf(snapshot);
      if (status === undefined) continue;
      const snapshotTags: Record<string, string> = {};
      for (const tag of snapshot.Tags ?? []) if (tag.Key) snapshotTags[tag.Key] = tag.Value ?? '';
      if (wanted.some(([key, value]) => snapshotTags[key] !== value)) continue;
      found.push({ ...status, tags: snapshotTags, volumeId: snapshot.VolumeId || undefined });
    }
    return found;
  }

  /** The volumes among `ids` that exist, with state, zone and size. */
  async describeVolumes(ids: readonly string[]): Promise<VolumeStatus[]> {
    const found: VolumeStatus[] = [];
    for (const chunk of chunks(ids, FILTER_VALUES)) {
      await this.#send('DescribeVolumes', async () => {
        const pages = paginateDescribeVolumes(
          { client: this.#client },
          { Filters: [{ Name: 'volume-id', Values: chunk }] },
        );
        for await (const page of pages) {
          for (const volume of page.Volumes ?? []) {
            if (!volume.VolumeId) continue;
            found.push({
              id: volume.VolumeId,
              state: VOLUME_STATES.find((s) => s === volume.State) ?? 'error',
              availabilityZone: volume.AvailabilityZone ?? '',
              sizeGi: volume.Size ?? 0,
            });
          }
        }
      });
    }
    return found;
  }

  /** DeleteSnapshot; a snapshot that is already gone is reported, not an error. */
  deleteSnapshot(id: string): Promise<DeleteOutcome> {
    return this.#delete(
      'DeleteSnapshot',
      () => this.#client.send(new DeleteSnapshotCommand({ SnapshotId: id })),
      DELETE_SNAPSHOT_REFUSALS,
    );
  }

  /**
   * DeleteVolume; a volume that is already gone, attached (VolumeInUse) or still being created
   * (IncorrectState) is reported, not an error.
   */
  deleteVolume(id: string): Promise<VolumeDeleteOutcome> {
    return this.#delete(
      'DeleteVolume',
      () => this.#client.send(new DeleteVolumeCommand({ VolumeId: id })),
      DELETE_VOLUME_REFUSALS,
    );
  }

  // Every page of one DescribeSnapshots of this account's snapshots (the paginator follows NextToken).
  #snapshots(filters: Filter[]): Promise<Snapshot[]> {
    return this.#send('DescribeSnapshots', async () => {
      const snapshots: Snapshot[] = [];
      const pages = paginateDescribeSnapshots(
        { client: this.#client },
        { OwnerIds: ['self'], Filters: filters },
      );
      for await (const page of pages) snapshots.push(...(page.Snapshots ?? []));
      return snapshots;
    });
  }

  // A delete call whose listed refusals (by EC2 error code, the SDK error's `name`) are answers.
  async #delete<T extends string>(
    operation: string,
    call: () => Promise<unknown>,
    refusals: ReadonlyMap<string, T>,
  ): Promise<'deleted' | T> {
    await this.#checkRegion();
    try {
      await call();
      return 'deleted';
    } catch (error) {
      const outcome = refusals.get(awsErrorCode(error) ?? '');
      if (outcome !== undefined) return outcome;
      throw ec2Failure(operation, this.region, error);
    }
  }

  async #send<T>(operation: string, call: () => Promise<T>): Promise<T> {
    await this.#checkRegion();
    try {
      return await call();
    } catch (error) {
      throw ec2Failure(operation, this.region, error);
    }
  }

  // The source and DR clients are two instances of one class; swapping them would snapshot in the wrong region.
  #checkRegion(): Promise<void> {
    this.#regionChecked ??= this.#client.config.region().then((configured) => {
      if (configured !== this.region) {
        throw new RangeError(
          `Ec2VolumeSnapshots region ${this.region}: the EC2 client is configured for ${configured}`,
        );
      }
    });
    return this.#regionChecked;
  }

  #required(operation: string, field: string, value: string | undefined): string {
    if (value === undefined || value === '') {
      throw new AwsRequestError('EC2', operation, `region ${this.region}`, 'EmptyResponse', {
        cause: new Error(`the response has no ${field}`),
      });
    }
    return value;
  }
}

// Tags set on creation; none at all sends no TagSpecifications (EC2 refuses a specification without tags).
function tagSpecifications(type: ResourceType, tags: Tags): TagSpecification[] | undefined {
  const list = Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
  return list.length === 0 ? undefined : [{ ResourceType: type, Tags: list }];
}

// One snapshot of a DescribeSnapshots answer as a SnapshotStatus; one without an id is skipped.
function statusOf(snapshot: Snapshot): SnapshotStatus | undefined {
  if (!snapshot.SnapshotId) return undefined;
  return {
    id: snapshot.SnapshotId,
    state: snapshotStateOf(snapshot.State),
    progress: percentOf(snapshot.Progress),
    sizeGi: snapshot.VolumeSize ?? 0,
    stateMessage: snapshot.StateMessage || undefined,
  };
}

function snapshotStateOf(state: string | undefined): SnapshotState {
  // A state this code does not know yet is treated as still pending; the wait's deadline bounds it.
  return snapshotStates.find((s) => s === state) ?? 'pending';
}

// EC2 reports progress as a percentage string ("42%").
function percentOf(progress: string | undefined): number {
  const value = Number.parseFloat(progress ?? '');
  return Number.isFinite(value) ? Math.min(100, Math.max(0, value)) : 0;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
