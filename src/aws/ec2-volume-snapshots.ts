import {
  CopySnapshotCommand,
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DeleteSnapshotCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  type EC2Client,
  type Tag,
  type VolumeType,
} from '@aws-sdk/client-ec2';
import { type SnapshotState, snapshotStates } from '../archive/index.ts';
import type {
  CopySnapshotRequest,
  CreateVolumeRequest,
  DeleteOutcome,
  SnapshotStatus,
  Tags,
  VolumeSnapshots,
  VolumeState,
  VolumeStatus,
} from '../volumes/ports.ts';
import { callEc2, type Ec2RetryOptions } from './ec2-retry.ts';
import { AwsRequestError } from './errors.ts';

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
  /** The region the client talks to; checked against the client's own on first use. */
  region: string;
  retry?: Ec2RetryOptions;
}

/**
 * VolumeSnapshots over one EC2Client (one region: the DR region gets a second client). Describe calls filter
 * by id rather than naming ids, so a missing id is absent from the answer instead of failing the whole call.
 */
export class Ec2VolumeSnapshots implements VolumeSnapshots {
  readonly region: string;
  readonly #client: EC2Client;
  readonly #retry: Ec2RetryOptions;
  #regionChecked: Promise<void> | undefined;

  constructor(client: EC2Client, options: Ec2VolumeSnapshotsOptions) {
    this.#client = client;
    this.region = options.region;
    this.#retry = options.retry ?? {};
  }

  /** CreateSnapshot of `volumeId`, tagged on creation. */
  async createSnapshot(volumeId: string, tags: Tags, description: string): Promise<string> {
    const output = await this.#call('CreateSnapshot', () =>
      this.#client.send(
        new CreateSnapshotCommand({
          VolumeId: volumeId,
          Description: description,
          TagSpecifications: [{ ResourceType: 'snapshot', Tags: toTags(tags) }],
        }),
      ),
    );
    return this.#required('CreateSnapshot', 'SnapshotId', output.SnapshotId);
  }

  /** CopySnapshot into this client's region, always encrypted with the given key. */
  async copySnapshot(request: CopySnapshotRequest): Promise<string> {
    const output = await this.#call('CopySnapshot', () =>
      this.#client.send(
        new CopySnapshotCommand({
          SourceRegion: request.sourceRegion,
          SourceSnapshotId: request.sourceSnapshotId,
          Encrypted: true,
          KmsKeyId: request.kmsKeyId,
          Description: request.description,
          TagSpecifications: [{ ResourceType: 'snapshot', Tags: toTags(request.tags) }],
        }),
      ),
    );
    return this.#required('CopySnapshot', 'SnapshotId', output.SnapshotId);
  }

  /** CreateVolume from a snapshot in one zone, encrypted, tagged on creation. */
  async createVolume(request: CreateVolumeRequest): Promise<string> {
    const output = await this.#call('CreateVolume', () =>
      this.#client.send(
        new CreateVolumeCommand({
          SnapshotId: request.snapshotId,
          AvailabilityZone: request.availabilityZone,
          VolumeType: (request.volumeType ?? 'gp3') as VolumeType,
          Encrypted: true,
          ...(request.kmsKeyId === undefined ? {} : { KmsKeyId: request.kmsKeyId }),
          ...(request.clientToken === undefined ? {} : { ClientToken: request.clientToken }),
          TagSpecifications: [{ ResourceType: 'volume', Tags: toTags(request.tags) }],
        }),
      ),
    );
    return this.#required('CreateVolume', 'VolumeId', output.VolumeId);
  }

  /** The snapshots among `ids` that exist, with state, progress and size. */
  async describeSnapshots(ids: readonly string[]): Promise<SnapshotStatus[]> {
    const found: SnapshotStatus[] = [];
    for (const chunk of chunks(ids, FILTER_VALUES)) {
      let nextToken: string | undefined;
      do {
        const token = nextToken;
        const output = await this.#call('DescribeSnapshots', () =>
          this.#client.send(
            new DescribeSnapshotsCommand({
              OwnerIds: ['self'],
              Filters: [{ Name: 'snapshot-id', Values: chunk }],
              ...(token === undefined ? {} : { NextToken: token }),
            }),
          ),
        );
        for (const snapshot of output.Snapshots ?? []) {
          if (snapshot.SnapshotId === undefined) continue;
          found.push({
            id: snapshot.SnapshotId,
            state: snapshotStateOf(snapshot.State),
            progress: percentOf(snapshot.Progress),
            sizeGi: snapshot.VolumeSize ?? 0,
            stateMessage: snapshot.StateMessage || undefined,
          });
        }
        nextToken = output.NextToken || undefined;
      } while (nextToken !== undefined);
    }
    return found;
  }

  /** The volumes among `ids` that exist, with state, zone and size. */
  async describeVolumes(ids: readonly string[]): Promise<VolumeStatus[]> {
    const found: VolumeStatus[] = [];
    for (const chunk of chunks(ids, FILTER_VALUES)) {
      let nextToken: string | undefined;
      do {
        const token = nextToken;
        const output = await this.#call('DescribeVolumes', () =>
          this.#client.send(
            new DescribeVolumesCommand({
              Filters: [{ Name: 'volume-id', Values: chunk }],
              ...(token === undefined ? {} : { NextToken: token }),
            }),
          ),
        );
        for (const volume of output.Volumes ?? []) {
          if (volume.VolumeId === undefined) continue;
          const state = VOLUME_STATES.find((s) => s === volume.State) ?? 'error';
          found.push({
            id: volume.VolumeId,
            state,
            availabilityZone: volume.AvailabilityZone ?? '',
            sizeGi: volume.Size ?? 0,
          });
        }
        nextToken = output.NextToken || undefined;
      } while (nextToken !== undefined);
    }
    return found;
  }

  /** DeleteSnapshot; a snapshot that is already gone is reported, not an error. */
  async deleteSnapshot(id: string): Promise<DeleteOutcome> {
    try {
      await this.#call('DeleteSnapshot', () =>
        this.#client.send(new DeleteSnapshotCommand({ SnapshotId: id })),
      );
      return 'deleted';
    } catch (error) {
      if (error instanceof AwsRequestError && error.code === 'InvalidSnapshot.NotFound') return 'not-found';
      throw error;
    }
  }

  async #call<T>(operation: string, send: () => Promise<T>): Promise<T> {
    this.#regionChecked ??= this.#checkRegion();
    await this.#regionChecked;
    return callEc2(operation, this.region, send, this.#retry);
  }

  // The source and DR clients are two instances of one class; swapping them would snapshot in the wrong region.
  async #checkRegion(): Promise<void> {
    const configured = this.#client.config.region;
    const actual = typeof configured === 'function' ? await configured() : configured;
    if (actual !== undefined && actual !== this.region) {
      this.#regionChecked = undefined;
      throw new RangeError(
        `Ec2VolumeSnapshots region ${this.region}: the EC2 client is configured for ${String(actual)}`,
      );
    }
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

function toTags(tags: Tags): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

function snapshotStateOf(state: string | undefined): SnapshotState {
  // A state this code does not know yet is treated as still pending; the wait's deadline bounds it.
  return snapshotStates.find((s) => s === state) ?? 'pending';
}

function percentOf(progress: string | undefined): number {
  const value = Number.parseFloat(progress ?? '');
  return Number.isFinite(value) ? Math.min(100, Math.max(0, value)) : 0;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
