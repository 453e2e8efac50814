import { PassThrough, Readable, Writable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  type S3Client,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import {
  type BackupListing,
  type BackupStore,
  checkedManifest,
  checkManifestName,
  newestFirst,
  type ObjectSink,
  type StoredBackup,
  type UnreadableBackup,
} from '../archive/backup-store.ts';
import {
  ArchiveIntegrityError,
  BackupAlreadyExistsError,
  BackupLockedError,
  BackupNotFoundError,
  BackupStoreError,
  InvalidManifestError,
} from '../archive/errors.ts';
import { type BackupKeys, backupKeys, backupsPrefix, checkObjectKey } from '../archive/layout.ts';
import {
  type ArchivePart,
  type BackupManifest,
  type BackupManifestInput,
  parseManifestJson,
  type VolumeSnapshotRecord,
} from '../archive/manifest.ts';
import { verifyArchiveDigest } from '../archive/reader.ts';
import {
  type BackupTrust,
  checkManifestSignature,
  type ManifestSigner,
  signManifest,
} from '../archive/signing.ts';
import { formatS3Url, parseS3Url, type S3Location } from './s3-url.ts';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
/** S3's smallest multipart part (except the last). */
export const MIN_PART_SIZE = 5 * MIB;
/** The largest object CopyObject copies in one request; above it, UploadPartCopy is the only way. */
export const MAX_SINGLE_COPY_SIZE = 5 * GIB;
const MAX_PARTS = 10_000;
const LIST_CONCURRENCY = 8;

/** Options of an S3BackupStore. */
export interface S3BackupStoreOptions {
  /** A client created once per process; its region is the store's region. */
  readonly client: S3Client;
  readonly bucket: string;
  /** @default '' */
  readonly prefix?: string;
  /** KMS key (id, ARN or alias) for SSE-KMS on every object written; none means the bucket's default encryption. */
  readonly kmsKeyId?: string | undefined;
  /**
   * Multipart part size of archive uploads, at least 5 MiB. Memory use is about partSize × (queueSize + 1).
   * @default 8 MiB
   */
  readonly partSize?: number;
  /**
   * Parts uploaded (or copied) in parallel.
   * @default 4
   */
  readonly queueSize?: number;
  /**
   * Archives larger than this are copied with UploadPartCopy instead of CopyObject; at most 5 GiB.
   * @default 5 GiB
   */
  readonly multipartCopyThreshold?: number;
  /**
   * Part size of a multipart copy, at least 5 MiB.
   * @default 512 MiB
   */
  readonly copyPartSize?: number;
  /** The region recorded in `copiedRegions`; @default the client's region */
  readonly region?: string;
}

/** A BackupStore in an S3 bucket: `<prefix>/backups/<name>/manifest.json` and `<name>.tar.gz`. */
export class S3BackupStore implements BackupStore, ObjectSink {
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;
  readonly kmsKeyId: string | undefined;
  readonly partSize: number;
  readonly queueSize: number;
  readonly multipartCopyThreshold: number;
  readonly copyPartSize: number;
  readonly #region: string | undefined;

  constructor(options: S3BackupStoreOptions) {
    const location = parseS3Url(formatS3Url({ bucket: options.bucket, prefix: options.prefix ?? '' }));
    this.client = options.client;
    this.bucket = location.bucket;
    this.prefix = location.prefix;
    this.kmsKeyId = options.kmsKeyId === '' ? undefined : options.kmsKeyId;
    this.partSize = options.partSize ?? 8 * MIB;
    this.queueSize = options.queueSize ?? 4;
    this.multipartCopyThreshold = options.multipartCopyThreshold ?? MAX_SINGLE_COPY_SIZE;
    this.copyPartSize = options.copyPartSize ?? 512 * MIB;
    this.#region = options.region;
    checkInteger('partSize', this.partSize, MIN_PART_SIZE, 5 * GIB);
    checkInteger('queueSize', this.queueSize, 1, 64);
    checkInteger('multipartCopyThreshold', this.multipartCopyThreshold, 0, MAX_SINGLE_COPY_SIZE);
    checkInteger('copyPartSize', this.copyPartSize, MIN_PART_SIZE, 5 * GIB);
  }

  /** A store for `s3://bucket[/prefix]`; InvalidBackupLocationError for a malformed URL. */
  static fromUrl(url: string, options: Omit<S3BackupStoreOptions, 'bucket' | 'prefix'>): S3BackupStore {
    const { bucket, prefix } = parseS3Url(url);
    return new S3BackupStore({ ...options, bucket, prefix });
  }

  get location(): S3Location {
    return { bucket: this.bucket, prefix: this.prefix };
  }

  describe(): string {
    return formatS3Url(this.location);
  }

  describeBackup(name: string, file?: 'manifest' | 'archive'): string {
    const keys = backupKeys(this.prefix, name);
    return this.#url(
      file === 'manifest' ? keys.manifest : file === 'archive' ? keys.archive : keys.directory,
    );
  }

  /** The region of this store's bucket, as recorded in manifests. */
  async region(): Promise<string> {
    return this.#region ?? (await this.client.config.region());
  }

  async openArchiveUpload(name: string): Promise<Writable> {
    const keys = backupKeys(this.prefix, name);
    await this.#refuseTaken(name, keys);
    const target = this.#url(keys.archive);
    return this.#openUpload(keys.archive, 'application/gzip', (error) =>
      this.#writeError(name, keys, target, 'upload failed', error),
    );
  }

  describeKey(key: string): string {
    return this.#url(this.#objectKey(key));
  }

  async firstKeyUnder(prefix: string): Promise<string | undefined> {
    const full = this.#objectKey(prefix);
    let page: ListObjectsV2CommandOutput;
    try {
      // One request either way; no MaxKeys, because s3rver fails a V2 listing that MaxKeys truncates.
      page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: full }));
    } catch (error) {
      throw storeError(this.#url(full), 'cannot list', error);
    }
    const found = page.Contents?.[0]?.Key;
    return found === undefined ? undefined : `${prefix}${found.slice(full.length)}`;
  }

  async openObjectUpload(key: string, contentType: string): Promise<Writable> {
    const full = this.#objectKey(key);
    const target = this.#url(full);
    const taken = () => new BackupStoreError(target, 'already exists; objects are never overwritten');
    if ((await this.#head(full)) !== undefined) throw taken();
    return this.#openUpload(full, contentType, (error) => {
      if (error instanceof BackupStoreError) return error;
      return isPreconditionFailed(error) ? taken() : storeError(target, 'upload failed', error);
    });
  }

  /** A streaming multipart upload to `key` that never replaces an object (IfNoneMatch). */
  #openUpload(key: string, contentType: string, mapError: (error: unknown) => Error): Writable {
    const body = new PassThrough({ highWaterMark: 1 * MIB });
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: contentType,
        // Atomic no-overwrite where S3 supports it (PutObject, CompleteMultipartUpload); the HEAD before
        // opening is the portable guard for S3-compatible servers that ignore the header.
        IfNoneMatch: '*',
        ...this.#encryption(),
      },
      partSize: this.partSize,
      queueSize: this.queueSize,
      leavePartsOnError: false,
    });
    const uploading = upload.done().then(
      () => undefined,
      (error: unknown) => {
        throw mapError(error);
      },
    );
    return new UploadStream(body, uploading);
  }

  /** A key relative to the store's prefix, as a bucket key. */
  #objectKey(key: string): string {
    checkObjectKey(key);
    return this.prefix === '' ? key : `${this.prefix}/${key}`;
  }

  async putManifest(name: string, manifest: BackupManifestInput): Promise<BackupManifest> {
    const keys = backupKeys(this.prefix, name);
    const target = this.#url(keys.manifest);
    const { text, parsed } = await checkedManifest(
      name,
      manifest,
      keys,
      (key) => this.#url(key),
      async () => (await this.#head(keys.archive))?.ContentLength,
    );
    if ((await this.#head(keys.manifest)) !== undefined) {
      throw new BackupAlreadyExistsError(name, this.#url(keys.directory));
    }
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: keys.manifest,
          Body: text,
          ContentType: 'application/json',
          IfNoneMatch: '*',
          ...this.#encryption(),
        }),
      );
    } catch (error) {
      throw this.#writeError(name, keys, target, 'cannot write manifest', error);
    }
    return parsed;
  }

  async getManifest(name: string): Promise<BackupManifest> {
    const keys = backupKeys(this.prefix, name);
    const target = this.#url(keys.manifest);
    let text: string;
    try {
      const output = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: keys.manifest }),
      );
      text = (await output.Body?.transformToString('utf8')) ?? '';
    } catch (error) {
      if (isNotFound(error)) throw new BackupNotFoundError(name, target, 'manifest', { cause: error });
      throw storeError(target, 'cannot read', error);
    }
    const manifest = parseManifestJson(text, target);
    checkManifestName(manifest, name, target);
    return manifest;
  }

  async openArchiveRead(name: string): Promise<Readable> {
    const keys = backupKeys(this.prefix, name);
    const target = this.#url(keys.archive);
    try {
      const output = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: keys.archive }));
      if (output.Body instanceof Readable) return output.Body;
      throw new BackupStoreError(target, 'GetObject returned a body that is not a Node.js stream');
    } catch (error) {
      if (isNotFound(error)) throw new BackupNotFoundError(name, target, 'archive', { cause: error });
      throw storeError(target, 'cannot read', error);
    }
  }

  async exists(name: string): Promise<boolean> {
    return (await this.#head(backupKeys(this.prefix, name).manifest)) !== undefined;
  }

  async list(): Promise<BackupListing> {
    const names = await this.#backupNames();
    const backups: StoredBackup[] = [];
    const unreadable: UnreadableBackup[] = [];
    await forEachLimited(names, LIST_CONCURRENCY, async (name) => {
      try {
        backups.push({ name, manifest: await this.getManifest(name) });
      } catch (error) {
        // No manifest: an incomplete backup, or a stray "directory" whose name is not a backup name.
        if (error instanceof BackupNotFoundError || (error as Error).name === 'InvalidBackupNameError')
          return;
        unreadable.push({ name, error: error as Error });
      }
    });
    unreadable.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { backups: newestFirst(backups), unreadable };
  }

  async delete(name: string): Promise<void> {
    const keys = backupKeys(this.prefix, name);
    const [manifest, archive] = await Promise.all([this.#head(keys.manifest), this.#head(keys.archive)]);
    if (manifest === undefined && archive === undefined) {
      throw new BackupNotFoundError(name, this.#url(keys.manifest), 'manifest');
    }
    // Both files are checked before either is deleted, so a lock on one never leaves the other half gone.
    const now = Date.now();
    for (const [key, head] of [
      [keys.manifest, manifest],
      [keys.archive, archive],
    ] as const) {
      const lock = lockOf(head, now);
      if (lock !== undefined) throw new BackupLockedError(name, this.#url(key), lock);
    }
    // The manifest goes first: from that moment the backup is incomplete, so nobody restores half of it.
    for (const key of [keys.manifest, keys.archive]) {
      try {
        await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
      } catch (error) {
        if (errorName(error) === 'AccessDenied') {
          throw new BackupLockedError(
            name,
            this.#url(key),
            'delete refused (AccessDenied): Object Lock or a bucket policy protects it',
            { cause: error },
          );
        }
        throw storeError(this.#url(key), 'cannot delete', error);
      }
    }
  }

  /** The object keys of backup `name` in this store. */
  keys(name: string): BackupKeys {
    return backupKeys(this.prefix, name);
  }

  /** HeadObject, or undefined when the object does not exist. */
  async head(key: string, checksums = false): Promise<HeadObjectCommandOutput | undefined> {
    return this.#head(key, checksums);
  }

  /** The SSE parameters of every write. */
  encryption(): { ServerSideEncryption?: 'aws:kms'; SSEKMSKeyId?: string } {
    return this.#encryption();
  }

  /** `s3://bucket/key` */
  url(key: string): string {
    return this.#url(key);
  }

  async #backupNames(): Promise<string[]> {
    const prefix = backupsPrefix(this.prefix);
    const names: string[] = [];
    let token: string | undefined;
    do {
      let page: ListObjectsV2CommandOutput;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            Delimiter: '/',
            ContinuationToken: token,
          }),
        );
      } catch (error) {
        throw storeError(this.#url(prefix), 'cannot list', error);
      }
      for (const common of page.CommonPrefixes ?? []) {
        const name = common.Prefix?.slice(prefix.length).replace(/\/$/, '');
        if (name) names.push(name);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return names;
  }

  async #refuseTaken(name: string, keys: BackupKeys): Promise<void> {
    const [manifest, archive] = await Promise.all([this.#head(keys.manifest), this.#head(keys.archive)]);
    if (manifest !== undefined) throw new BackupAlreadyExistsError(name, this.#url(keys.directory));
    if (archive !== undefined) {
      throw new BackupAlreadyExistsError(
        name,
        this.#url(keys.directory),
        'an incomplete backup (archive without manifest) already uses this name; delete it first',
      );
    }
  }

  async #head(key: string, checksums = false): Promise<HeadObjectCommandOutput | undefined> {
    try {
      return await this.client.send(
        new HeadObjectCommand({
          Bucket: this.bucket,
          Key: key,
          ...(checksums ? { ChecksumMode: 'ENABLED' as const } : {}),
        }),
      );
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw storeError(this.#url(key), 'cannot read metadata', error);
    }
  }

  #encryption(): { ServerSideEncryption?: 'aws:kms'; SSEKMSKeyId?: string } {
    return this.kmsKeyId === undefined ? {} : { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: this.kmsKeyId };
  }

  #writeError(name: string, keys: BackupKeys, target: string, what: string, error: unknown): Error {
    if (error instanceof BackupStoreError || error instanceof BackupAlreadyExistsError) return error;
    if (isPreconditionFailed(error)) {
      return new BackupAlreadyExistsError(
        name,
        this.#url(keys.directory),
        `${target} was written by someone else meanwhile; backups are never overwritten`,
        { cause: error },
      );
    }
    return storeError(target, what, error);
  }

  #url(key: string): string {
    return formatS3Url(this.location, key);
  }
}

/** Options of copyBackup. */
export interface CopyBackupOptions {
  /** Called after each copied byte range, for progress. */
  onProgress?: (copiedBytes: number, totalBytes: number) => void;
  /**
   * The volume snapshot records to write into the destination manifest instead of the source's: the backup
   * workflow copies EBS snapshots to the destination region after the source manifest was written.
   */
  volumeSnapshots?: readonly VolumeSnapshotRecord[];
  /** Checks the source manifest's signature before anything is copied. */
  trust?: BackupTrust;
  /** Re-signs the destination manifest, which differs from the source's (copiedRegions, volumeSnapshots). */
  signer?: ManifestSigner;
}

/**
 * Copies a backup to another store (typically the DR region's bucket): the archive with CopyObject, or
 * UploadPartCopy above the multipart threshold; then the copy's sha256 is checked (S3's full-object
 * SHA-256 when it has one, else by reading it back) before the destination manifest, with the destination
 * region added to `copiedRegions`, completes it. A destination that already holds the same backup is left
 * as it is; one holding a different backup of that name is refused with BackupAlreadyExistsError.
 */
export async function copyBackup(
  from: S3BackupStore,
  to: S3BackupStore,
  name: string,
  options: CopyBackupOptions = {},
): Promise<BackupManifest> {
  const manifest = await from.getManifest(name);
  if (options.trust)
    await checkManifestSignature(manifest, options.trust, from.describeBackup(name, 'manifest'));
  const source = from.keys(name);
  const target = to.keys(name);
  const part = manifest.parts.find((candidate) => candidate.name === source.archivePart);
  if (part === undefined) {
    throw new InvalidManifestError(from.url(source.manifest), [
      { path: 'parts', message: `has no entry for the archive part ${source.archivePart}` },
    ]);
  }
  const existing = await existingCopy(to, name);
  if (existing !== undefined) {
    const existingPart = existing.parts.find((candidate) => candidate.name === target.archivePart);
    if (existingPart?.sha256 === part.sha256 && existingPart.size === part.size) return existing;
    throw new BackupAlreadyExistsError(
      name,
      to.describeBackup(name),
      `already exists with a different archive (sha256 ${existingPart?.sha256 ?? 'none'}); it is never overwritten`,
    );
  }
  const sourceHead = await from.head(source.archive);
  if (sourceHead === undefined) throw new BackupNotFoundError(name, from.url(source.archive), 'archive');
  if (sourceHead.ContentLength !== part.size) {
    throw new ArchiveIntegrityError(
      from.url(source.archive),
      `stored size ${sourceHead.ContentLength} bytes, manifest says ${part.size}; not copied`,
    );
  }

  const copySource = encodeCopySource(from.bucket, source.archive);
  // Pinning the ETag means a source replaced between the HEAD and the copy fails instead of being copied.
  const ifMatch = sourceHead.ETag;
  try {
    if (part.size <= to.multipartCopyThreshold) {
      await to.client.send(
        new CopyObjectCommand({
          Bucket: to.bucket,
          Key: target.archive,
          CopySource: copySource,
          CopySourceIfMatch: ifMatch,
          ContentType: 'application/gzip',
          MetadataDirective: 'REPLACE',
          ...to.encryption(),
        }),
      );
      options.onProgress?.(part.size, part.size);
    } else {
      await multipartCopy(to, target.archive, copySource, ifMatch, part.size, options);
    }
  } catch (error) {
    if (error instanceof BackupStoreError) throw error;
    throw storeError(to.url(target.archive), `copy from ${from.url(source.archive)} failed`, error);
  }

  try {
    await verifyCopy(to, name, part);
  } catch (error) {
    // A copy that does not match is removed, so it cannot be mistaken for a good one; the manifest was never written.
    await to.client.send(new DeleteObjectCommand({ Bucket: to.bucket, Key: target.archive })).catch(() => {});
    throw error;
  }

  const region = await to.region();
  const sourceRegion = manifest.sourceRegion ?? (await from.region());
  const copiedRegions = manifest.copiedRegions.includes(region)
    ? manifest.copiedRegions
    : [...manifest.copiedRegions, region];
  const volumeSnapshots = options.volumeSnapshots ? [...options.volumeSnapshots] : manifest.volumeSnapshots;
  const copied = { ...manifest, sourceRegion, copiedRegions, volumeSnapshots, signature: undefined };
  const destination = to.url(target.manifest);
  return to.putManifest(
    name,
    options.signer ? await signManifest(copied, options.signer, destination) : copied,
  );
}

async function existingCopy(store: S3BackupStore, name: string): Promise<BackupManifest | undefined> {
  try {
    return await store.getManifest(name);
  } catch (error) {
    if (error instanceof BackupNotFoundError) return undefined;
    throw error;
  }
}

async function multipartCopy(
  to: S3BackupStore,
  key: string,
  copySource: string,
  ifMatch: string | undefined,
  size: number,
  options: CopyBackupOptions,
): Promise<void> {
  const partSize = Math.max(to.copyPartSize, Math.ceil(size / MAX_PARTS));
  const created = await to.client.send(
    new CreateMultipartUploadCommand({
      Bucket: to.bucket,
      Key: key,
      ContentType: 'application/gzip',
      ...to.encryption(),
    }),
  );
  const uploadId = created.UploadId;
  if (uploadId === undefined)
    throw new BackupStoreError(to.url(key), 'CreateMultipartUpload returned no UploadId');
  const ranges: { partNumber: number; start: number; end: number }[] = [];
  for (let start = 0, partNumber = 1; start < size; start += partSize, partNumber += 1) {
    ranges.push({ partNumber, start, end: Math.min(start + partSize, size) - 1 });
  }
  const etags = new Map<number, string>();
  let copied = 0;
  try {
    await forEachLimited(ranges, to.queueSize, async ({ partNumber, start, end }) => {
      const result = await to.client.send(
        new UploadPartCopyCommand({
          Bucket: to.bucket,
          Key: key,
          UploadId: uploadId,
          PartNumber: partNumber,
          CopySource: copySource,
          CopySourceIfMatch: ifMatch,
          CopySourceRange: `bytes=${start}-${end}`,
        }),
      );
      const etag = result.CopyPartResult?.ETag;
      if (etag === undefined) {
        throw new BackupStoreError(to.url(key), `UploadPartCopy of part ${partNumber} returned no ETag`);
      }
      etags.set(partNumber, etag);
      copied += end - start + 1;
      options.onProgress?.(copied, size);
    });
    await to.client.send(
      new CompleteMultipartUploadCommand({
        Bucket: to.bucket,
        Key: key,
        UploadId: uploadId,
        MultipartUpload: {
          Parts: ranges.map(({ partNumber }) => ({ PartNumber: partNumber, ETag: etags.get(partNumber) })),
        },
      }),
    );
  } catch (error) {
    // Parts of an abandoned multipart upload are billed until aborted; never leave one behind.
    await to.client
      .send(new AbortMultipartUploadCommand({ Bucket: to.bucket, Key: key, UploadId: uploadId }))
      .catch(() => {});
    throw error;
  }
}

async function verifyCopy(to: S3BackupStore, name: string, part: ArchivePart): Promise<void> {
  const key = to.keys(name).archive;
  const head = await to.head(key, true);
  const checksum = head?.ChecksumSHA256;
  // A full-object SHA-256 (single-part objects) is S3's own digest of the stored bytes; a composite one
  // (multipart, "…-N") is a digest of part digests and cannot be compared with the manifest.
  const fullObject = head?.ChecksumType === undefined || head.ChecksumType === 'FULL_OBJECT';
  if (checksum !== undefined && fullObject && !checksum.includes('-')) {
    const expected = Buffer.from(part.sha256, 'hex').toString('base64');
    if (checksum === expected && head?.ContentLength === part.size) return;
    throw new ArchiveIntegrityError(
      to.url(key),
      `copy does not match the manifest: S3 reports sha256 ${Buffer.from(checksum, 'base64').toString('hex')} and ${head?.ContentLength} bytes, manifest says ${part.sha256} and ${part.size}`,
    );
  }
  await verifyArchiveDigest(() => to.openArchiveRead(name), part, to.url(key));
}

/** A Writable over a streaming multipart upload: 'finish' only once S3 has the whole object. */
class UploadStream extends Writable {
  #settled = false;

  constructor(
    private readonly body: PassThrough,
    private readonly uploading: Promise<void>,
  ) {
    super({ highWaterMark: 1 * MIB });
    // An upload that fails mid-way (throttling beyond the SDK's retries, a lost connection) stops the
    // writer: otherwise it would wait forever for the body to drain.
    uploading.then(
      () => {
        this.#settled = true;
      },
      (error: Error) => {
        this.#settled = true;
        this.destroy(error);
      },
    );
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.body.write(chunk)) {
      callback();
      return;
    }
    const done = () => {
      this.body.off('drain', done);
      this.body.off('close', done);
      callback();
    };
    this.body.on('drain', done);
    this.body.on('close', done);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.body.end();
    this.uploading.then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.#settled) {
      callback(error);
      return;
    }
    // Failing the body makes the Upload stop reading, abort the multipart upload and then settle.
    this.body.destroy(error ?? new Error('archive upload abandoned'));
    this.uploading.then(
      () => callback(error),
      () => callback(error),
    );
  }
}

function lockOf(head: HeadObjectCommandOutput | undefined, now: number): string | undefined {
  if (head === undefined) return undefined;
  if (head.ObjectLockLegalHoldStatus === 'ON') return 'under an Object Lock legal hold';
  const until = head.ObjectLockRetainUntilDate;
  if (until !== undefined && until.getTime() > now) {
    return `under Object Lock ${head.ObjectLockMode ?? 'retention'} until ${until.toISOString()}`;
  }
  return undefined;
}

function encodeCopySource(bucket: string, key: string): string {
  return `${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
}

async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>) {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next++] as T;
      try {
        await work(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const rejected = results.find((result) => result.status === 'rejected');
  if (rejected !== undefined) throw (rejected as PromiseRejectedResult).reason;
}

function checkInteger(option: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `S3BackupStore option ${option} ${value}: expected an integer from ${min} to ${max}`,
    );
  }
}

function errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null ? (error as { name?: string }).name : undefined;
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

function isNotFound(error: unknown): boolean {
  const name = errorName(error);
  return name === 'NotFound' || name === 'NoSuchKey' || statusOf(error) === 404;
}

function isPreconditionFailed(error: unknown): boolean {
  const name = errorName(error);
  return name === 'PreconditionFailed' || name === 'ConditionalRequestConflict' || statusOf(error) === 412;
}

function storeError(location: string, what: string, error: unknown): BackupStoreError {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new BackupStoreError(location, `${what}: ${detail}`, { cause: error });
}
