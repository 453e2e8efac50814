import { randomUUID } from 'node:crypto';
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
import type { Ec2Api, Ec2QueryParams } from './ec2-query-client.ts';
import { callEc2, type Ec2RetryOptions } from './ec2-retry.ts';
import { AwsRequestError } from './errors.ts';
import type { XmlElement } from './query-xml.ts';

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
  retry?: Ec2RetryOptions;
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
 * VolumeSnapshots over one EC2 Query client (one region: the DR region gets a second client). Describe calls
 * filter by id rather than naming ids, so a missing id is absent from the answer instead of failing the whole
 * call. Request and answer names are EC2's Query names (see ec2-query-client.ts): answers are lowerCamel, and
 * a snapshot's state is `<status>`.
 */
export class Ec2VolumeSnapshots implements VolumeSnapshots {
  readonly region: string;
  readonly #client: Ec2Api;
  readonly #retry: Ec2RetryOptions;

  constructor(client: Ec2Api, options: Ec2VolumeSnapshotsOptions) {
    this.#client = client;
    this.region = options.region;
    this.#retry = options.retry ?? {};
  }

  /** CreateSnapshot of `volumeId`, tagged on creation. */
  async createSnapshot(volumeId: string, tags: Tags, description: string): Promise<string> {
    const answer = await this.#call('CreateSnapshot', {
      VolumeId: volumeId,
      Description: description,
      TagSpecification: [{ ResourceType: 'snapshot', Tag: toTags(tags) }],
    });
    return this.#required('CreateSnapshot', 'snapshotId', answer.textOf('snapshotId'));
  }

  /**
   * CopySnapshot into this client's region, always encrypted with the given key. The Query API needs a URL
   * presigned for the source region to copy an encrypted snapshot (the SDK used to add it unasked).
   */
  async copySnapshot(request: CopySnapshotRequest): Promise<string> {
    const answer = await this.#call('CopySnapshot', async () => {
      const source = {
        SourceRegion: request.sourceRegion,
        SourceSnapshotId: request.sourceSnapshotId,
        DestinationRegion: this.region,
      };
      return {
        ...source,
        Encrypted: true,
        KmsKeyId: request.kmsKeyId,
        Description: request.description,
        PresignedUrl: await this.#client.presignUrl('CopySnapshot', source, request.sourceRegion),
        TagSpecification: [{ ResourceType: 'snapshot', Tag: toTags(request.tags) }],
      };
    });
    return this.#required('CopySnapshot', 'snapshotId', answer.textOf('snapshotId'));
  }

  /**
   * CreateVolume from a snapshot in one zone, encrypted, tagged on creation. Without a client token one is made
   * here, once for every attempt, so a retry after a lost answer cannot create a second volume.
   */
  async createVolume(request: CreateVolumeRequest): Promise<string> {
    const answer = await this.#call('CreateVolume', {
      SnapshotId: request.snapshotId,
      AvailabilityZone: request.availabilityZone,
      VolumeType: request.volumeType ?? 'gp3',
      Encrypted: true,
      KmsKeyId: request.kmsKeyId,
      ClientToken: request.clientToken ?? randomUUID(),
      TagSpecification: [{ ResourceType: 'volume', Tag: toTags(request.tags) }],
    });
    return this.#required('CreateVolume', 'volumeId', answer.textOf('volumeId'));
  }

  /** The snapshots among `ids` that exist, with state, progress and size. */
  async describeSnapshots(ids: readonly string[]): Promise<SnapshotStatus[]> {
    const found: SnapshotStatus[] = [];
    for (const chunk of chunks(ids, FILTER_VALUES)) {
      await this.#pages(
        'DescribeSnapshots',
        { Owner: ['self'], Filter: [{ Name: 'snapshot-id', Value: chunk }] },
        (page) => {
          for (const snapshot of page.items('snapshotSet')) {
            const status = statusOf(snapshot);
            if (status !== undefined) found.push(status);
          }
        },
      );
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
    await this.#pages(
      'DescribeSnapshots',
      {
        Owner: ['self'],
        Filter: wanted.map(([key, value]) => ({ Name: `tag:${key}`, Value: [value] })),
      },
      (page) => {
        for (const snapshot of page.items('snapshotSet')) {
          const status = statusOf(snapshot);
          if (status === undefined) continue;
          const snapshotTags: Record<string, string> = {};
          for (const tag of snapshot.items('tagSet')) {
            const key = tag.textOf('key');
            if (key) snapshotTags[key] = tag.textOf('value') ?? '';
          }
          if (wanted.some(([key, value]) => snapshotTags[key] !== value)) continue;
          found.push({ ...status, tags: snapshotTags, volumeId: snapshot.textOf('volumeId') || undefined });
        }
      },
    );
    return found;
  }

  /** The volumes among `ids` that exist, with state, zone and size. */
  async describeVolumes(ids: readonly string[]): Promise<VolumeStatus[]> {
    const found: VolumeStatus[] = [];
    for (const chunk of chunks(ids, FILTER_VALUES)) {
      await this.#pages('DescribeVolumes', { Filter: [{ Name: 'volume-id', Value: chunk }] }, (page) => {
        for (const volume of page.items('volumeSet')) {
          const id = volume.textOf('volumeId');
          if (!id) continue;
          const status = volume.textOf('status');
          found.push({
            id,
            state: VOLUME_STATES.find((s) => s === status) ?? 'error',
            availabilityZone: volume.textOf('availabilityZone') ?? '',
            sizeGi: wholeOf(volume.textOf('size')),
          });
        }
      });
    }
    return found;
  }

  /** DeleteSnapshot; a snapshot that is already gone is reported, not an error. */
  deleteSnapshot(id: string): Promise<DeleteOutcome> {
    return this.#delete('DeleteSnapshot', { SnapshotId: id }, DELETE_SNAPSHOT_REFUSALS);
  }

  /**
   * DeleteVolume; a volume that is already gone, attached (VolumeInUse) or still being created
   * (IncorrectState) is reported, not an error.
   */
  deleteVolume(id: string): Promise<VolumeDeleteOutcome> {
    return this.#delete('DeleteVolume', { VolumeId: id }, DELETE_VOLUME_REFUSALS);
  }

  // A delete call whose listed refusals are answers rather than failures.
  async #delete<T extends string>(
    action: string,
    params: Ec2QueryParams,
    refusals: ReadonlyMap<string, T>,
  ): Promise<'deleted' | T> {
    try {
      await this.#call(action, params);
      return 'deleted';
    } catch (error) {
      const outcome = error instanceof AwsRequestError ? refusals.get(error.code ?? '') : undefined;
      if (outcome !== undefined) return outcome;
      throw error;
    }
  }

  // Follows <nextToken> until EC2 stops sending one (absent or empty).
  async #pages(action: string, params: Ec2QueryParams, onPage: (page: XmlElement) => void): Promise<void> {
    let nextToken: string | undefined;
    do {
      const token = nextToken;
      const page = await this.#call(action, { ...params, NextToken: token });
      onPage(page);
      nextToken = page.textOf('nextToken') || undefined;
    } while (nextToken !== undefined);
  }

  // `params` may be a function, so parts that expire (a presigned URL) are made afresh for each attempt.
  async #call(action: string, params: Ec2QueryParams | (() => Promise<Ec2QueryParams>)): Promise<XmlElement> {
    // The source and DR clients are two instances of one class; swapping them would snapshot in the wrong region.
    if (this.#client.region !== this.region) {
      throw new RangeError(
        `Ec2VolumeSnapshots region ${this.region}: the EC2 client is configured for ${this.#client.region}`,
      );
    }
    return callEc2(
      action,
      this.region,
      async () => this.#client.call(action, typeof params === 'function' ? await params() : params),
      this.#retry,
    );
  }

  #required(action: string, field: string, value: string | undefined): string {
    if (value === undefined || value === '') {
      throw new AwsRequestError('EC2', action, `region ${this.region}`, 'EmptyResponse', {
        cause: new Error(`the response has no ${field}`),
      });
    }
    return value;
  }
}

function toTags(tags: Tags): Ec2QueryParams[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

// One <snapshotSet><item> as a SnapshotStatus; an item without an id is skipped.
function statusOf(snapshot: XmlElement): SnapshotStatus | undefined {
  const id = snapshot.textOf('snapshotId');
  if (!id) return undefined;
  return {
    id,
    state: snapshotStateOf(snapshot.textOf('status')),
    progress: percentOf(snapshot.textOf('progress')),
    sizeGi: wholeOf(snapshot.textOf('volumeSize')),
    stateMessage: snapshot.textOf('statusMessage') || undefined,
  };
}

function snapshotStateOf(state: string | undefined): SnapshotState {
  // A state this code does not know yet is treated as still pending; the wait's deadline bounds it.
  return snapshotStates.find((s) => s === state) ?? 'pending';
}

function percentOf(progress: string | undefined): number {
  const value = Number.parseFloat(progress ?? '');
  return Number.isFinite(value) ? Math.min(100, Math.max(0, value)) : 0;
}

function wholeOf(value: string | undefined): number {
  const parsed = Number.parseInt(value ?? '', 10);
  return Number.isFinite(parsed) ? parsed : 0;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
