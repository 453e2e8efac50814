import { randomBytes } from 'node:crypto';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { openBackupStore } from '../../cli/open-store.ts';
import {
  ArchiveIntegrityError,
  ArchiveWriter,
  BackupAlreadyExistsError,
  BackupLockedError,
  BackupStoreError,
  InvalidBackupLocationError,
  readBackup,
  verifyBackup,
} from '../../src/archive/index.ts';
import { copyBackup, S3BackupStore } from '../../src/aws/s3-backup-store.ts';
import { parseS3Url } from '../../src/aws/s3-url.ts';
import { aManifest, configMap, drain, flipByte } from '../archive/archive-helpers.ts';
import { startS3rver } from './s3rver-harness.ts';

const MIB = 1024 * 1024;
let server: Awaited<ReturnType<typeof startS3rver>>;
let endpoint: string;
const wire: { command: string; headers: Record<string, string> }[] = [];

function realClient(region = 'eu-west-1'): S3Client {
  const client = new S3Client({
    endpoint,
    forcePathStyle: true,
    region,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  // Records what actually goes over the wire, headers included.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const request = args.request as { headers?: Record<string, string> };
      wire.push({ command: String(context.commandName), headers: { ...(request.headers ?? {}) } });
      return next(args);
    },
    { step: 'finalizeRequest', name: 'recordWire' },
  );
  return client;
}

beforeAll(async () => {
  server = await startS3rver(['primary', 'dr-bucket']);
  endpoint = server.endpoint;
});

afterEach(() => {
  vi.unstubAllEnvs();
});

afterAll(async () => {
  await server?.close();
});

/** Objects carrying random base64, so the gzip'd archive stays about 6 MiB: more than one 5 MiB part. */
function bulkyObjects(count: number, bytesEach: number) {
  return Array.from({ length: count }, (_, i) => ({
    resource: 'secrets',
    group: '',
    namespace: 'bulk',
    name: `blob-${i}`,
    object: {
      ...configMap(`blob-${i}`, 'bulk'),
      kind: 'Secret',
      data: { blob: randomBytes(bytesEach).toString('base64') },
    },
  }));
}

async function writeBackup(store: S3BackupStore, name: string, objects = bulkyObjects(3, 100)) {
  const writer = new ArchiveWriter(await store.openArchiveUpload(name));
  for (const object of objects) await writer.add(object);
  const summary = await writer.finish();
  const manifest = await store.putManifest(
    name,
    aManifest({
      name,
      counts: summary.counts,
      totalObjects: summary.totalObjects,
      parts: [{ name: `${name}.tar.gz`, sha256: summary.sha256, size: summary.size }],
    }),
  );
  return { summary, manifest };
}

describe('S3BackupStore against s3rver', () => {
  it('streams an archive over 5 MiB as a multipart upload that reads back verified', async () => {
    // Arrange
    const store = new S3BackupStore({
      client: realClient(),
      bucket: 'primary',
      prefix: 'team/prod',
      partSize: 5 * MIB,
      queueSize: 2,
    });
    const objects = bulkyObjects(48, 128 * 1024);
    wire.length = 0;

    // Act
    const { summary } = await writeBackup(store, 'big-1', objects);
    const { items, error } = await drain(readBackup(store, 'big-1'));

    // Assert
    expect(summary.size).toBeGreaterThan(5 * MIB);
    expect(wire.filter((r) => r.command === 'UploadPartCommand').length).toBeGreaterThanOrEqual(2);
    expect(wire.some((r) => r.command === 'CompleteMultipartUploadCommand')).toBe(true);
    expect(error).toBeUndefined();
    expect(items.map((item) => item.name)).toEqual(objects.map((object) => object.name));
    expect(store.describeBackup('big-1', 'archive')).toBe(
      's3://primary/team/prod/backups/big-1/big-1.tar.gz',
    );
  });

  it('sends SSE-KMS headers on the archive and the manifest when a key is configured', async () => {
    // Arrange
    const store = new S3BackupStore({
      client: realClient(),
      bucket: 'primary',
      prefix: 'kms',
      kmsKeyId: 'alias/eks-dr',
    });
    wire.length = 0;

    // Act
    await writeBackup(store, 'encrypted');

    // Assert
    const writes = wire.filter((r) => r.command === 'PutObjectCommand');
    expect(writes).toHaveLength(2); // a small archive goes in one PutObject, then the manifest
    for (const write of writes) {
      expect(write.headers['x-amz-server-side-encryption']).toBe('aws:kms');
      expect(write.headers['x-amz-server-side-encryption-aws-kms-key-id']).toBe('alias/eks-dr');
      expect(write.headers['if-none-match']).toBe('*');
    }
  });

  it('never overwrites a backup, and does not list one without manifest', async () => {
    // Arrange
    const client = realClient();
    const store = new S3BackupStore({ client, bucket: 'primary', prefix: 'no-overwrite' });
    const { manifest } = await writeBackup(store, 'once');
    const half = await store.openArchiveUpload('half');
    half.end(Buffer.from('partial'));
    await new Promise((resolve) => half.on('finish', resolve));
    const before = await client.send(
      new HeadObjectCommand({ Bucket: 'primary', Key: 'no-overwrite/backups/once/once.tar.gz' }),
    );
    wire.length = 0;

    // Act
    const [upload, putManifest, uploadHalf] = await Promise.allSettled([
      store.openArchiveUpload('once'),
      store.putManifest('once', manifest),
      store.openArchiveUpload('half'),
    ]);

    // Assert
    const reasons = [upload, putManifest, uploadHalf].map(
      (result) => (result as PromiseRejectedResult).reason,
    );
    expect(reasons.map((reason) => reason instanceof BackupAlreadyExistsError)).toEqual([true, true, true]);
    expect(reasons[0].message).toBe(
      'backup once at s3://primary/no-overwrite/backups/once/: already exists and backups are never overwritten',
    );
    expect(reasons[2].message).toMatch(/incomplete backup/);
    expect(wire.filter((r) => r.command !== 'HeadObjectCommand')).toEqual([]);
    const after = await client.send(
      new HeadObjectCommand({ Bucket: 'primary', Key: 'no-overwrite/backups/once/once.tar.gz' }),
    );
    expect(after.ETag).toBe(before.ETag);
    expect((await store.list()).backups.map((backup) => backup.name)).toEqual(['once']);
    expect(await store.exists('half')).toBe(false);
  });

  it('copies a backup to another bucket, verifies it and records the copied region', async () => {
    // Arrange
    const primary = new S3BackupStore({ client: realClient(), bucket: 'primary', prefix: 'copy' });
    const dr = new S3BackupStore({ client: realClient('eu-central-1'), bucket: 'dr-bucket', prefix: 'copy' });
    await writeBackup(primary, 'to-copy', bulkyObjects(5, 1000));

    // Act
    const copied = await copyBackup(primary, dr, 'to-copy');
    const again = await copyBackup(primary, dr, 'to-copy');

    // Assert
    expect(copied.copiedRegions).toEqual(['eu-central-1']);
    expect(copied.sourceRegion).toBe('eu-west-1');
    expect(again).toEqual(copied);
    const verified = await verifyBackup(dr, 'to-copy');
    expect(verified.contents.totalObjects).toBe(5);
  });

  it('refuses a copy that does not match the manifest and leaves no backup behind', async () => {
    // Arrange
    const client = realClient();
    const primary = new S3BackupStore({ client, bucket: 'primary', prefix: 'corrupt' });
    const dr = new S3BackupStore({
      client: realClient('eu-central-1'),
      bucket: 'dr-bucket',
      prefix: 'corrupt',
    });
    await writeBackup(primary, 'rotten', bulkyObjects(5, 1000));
    const key = 'corrupt/backups/rotten/rotten.tar.gz';
    const stored = await client.send(new GetObjectCommand({ Bucket: 'primary', Key: key }));
    if (!stored.Body) throw new Error(`s3://primary/${key} has no body`);
    const original = Buffer.from(await stored.Body.transformToByteArray());
    const flipped = flipByte(original, original.length >> 1); // same size, different bytes: only the checksum can tell
    await client.send(new PutObjectCommand({ Bucket: 'primary', Key: key, Body: flipped }));

    // Act
    const copy = copyBackup(primary, dr, 'rotten');

    // Assert
    await expect(copy).rejects.toThrow(ArchiveIntegrityError);
    await expect(copy).rejects.toThrow(
      /^s3:\/\/dr-bucket\/corrupt\/backups\/rotten\/rotten\.tar\.gz: sha256 mismatch/,
    );
    expect(await dr.exists('rotten')).toBe(false);
    expect(await dr.head('corrupt/backups/rotten/rotten.tar.gz')).toBeUndefined();
  });

  it('writes single objects under its prefix (ObjectSink), finds them, and never overwrites one', async () => {
    // Arrange
    const store = new S3BackupStore({ client: realClient(), bucket: 'primary', prefix: 'sink' });
    const put = async (text: string) => {
      const sink = await store.openObjectUpload('backups/v/velero-backup.json', 'application/json');
      sink.end(text);
      await new Promise<void>((resolve, reject) => sink.on('finish', resolve).on('error', reject));
    };
    await put('first');

    // Act
    const second = put('second');

    // Assert
    await expect(second).rejects.toThrow(
      's3://primary/sink/backups/v/velero-backup.json: already exists; objects are never overwritten',
    );
    expect(await store.firstKeyUnder('backups/v/')).toBe('backups/v/velero-backup.json');
    expect(await store.firstKeyUnder('backups/w/')).toBeUndefined();
    const body = await realClient().send(
      new GetObjectCommand({ Bucket: 'primary', Key: 'sink/backups/v/velero-backup.json' }),
    );
    expect(await body.Body?.transformToString()).toBe('first');
  });

  it('opens an s3:// location against the endpoint it is given', async () => {
    // Arrange
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'S3RVER'); // what s3rver accepts; the client picks it up from the environment
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'S3RVER');
    const store = openBackupStore('s3://primary/opened', { s3Endpoint: endpoint, region: 'eu-west-1' });

    // Act
    const listing = await store.list();

    // Assert
    expect(store).toBeInstanceOf(S3BackupStore);
    expect(store.describe()).toBe('s3://primary/opened');
    expect(listing.backups).toEqual([]);
  });
});

describe('S3BackupStore with a mocked client', () => {
  /** A GetObject body as the SDK returns it on Node: a Readable with the transform helpers. */
  function bodyOf(bytes: Buffer) {
    return Object.assign(Readable.from([bytes]), {
      transformToString: async () => bytes.toString('utf8'),
      transformToByteArray: async () => new Uint8Array(bytes),
      transformToWebStream: () => {
        throw new Error('not used');
      },
    });
  }

  function notFound() {
    return new S3ServiceException({ name: 'NotFound', $fault: 'client', $metadata: { httpStatusCode: 404 } });
  }

  it('puts SSE-KMS on CreateMultipartUpload and aborts the upload cleanly when S3 keeps throttling', async () => {
    // Arrange
    const client = new S3Client({ region: 'eu-west-1', maxAttempts: 1 });
    const s3 = mockClient(client);
    s3.on(HeadObjectCommand).rejects(notFound());
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'upload-1' });
    s3.on(UploadPartCommand)
      .resolvesOnce({ ETag: '"part-1"' })
      .rejects(
        new S3ServiceException({
          name: 'SlowDown',
          $fault: 'server',
          $metadata: { httpStatusCode: 503 },
          message: 'Please reduce your request rate.',
        }),
      );
    s3.on(AbortMultipartUploadCommand).resolves({});
    const store = new S3BackupStore({
      client,
      bucket: 'primary',
      kmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/k',
      partSize: 5 * MIB,
    });
    const writer = new ArchiveWriter(await store.openArchiveUpload('throttled'), { gzipLevel: 0 });

    // Act
    let error: unknown;
    try {
      for (const object of bulkyObjects(200, 64 * 1024)) await writer.add(object);
      await writer.finish();
    } catch (caught) {
      error = caught;
    }

    // Assert
    expect(error).toBeInstanceOf(BackupStoreError);
    expect((error as Error).message).toBe(
      's3://primary/backups/throttled/throttled.tar.gz: upload failed: SlowDown: Please reduce your request rate.',
    );
    expect(s3).toReceiveCommandWith(CreateMultipartUploadCommand, {
      Bucket: 'primary',
      Key: 'backups/throttled/throttled.tar.gz',
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/k',
    });
    expect(s3).toReceiveCommandWith(AbortMultipartUploadCommand, {
      UploadId: 'upload-1',
      Key: 'backups/throttled/throttled.tar.gz',
    });
    expect(s3).not.toReceiveCommand(CompleteMultipartUploadCommand);
  });

  it('turns a lost IfNoneMatch race into BackupAlreadyExistsError', async () => {
    // Arrange
    const client = new S3Client({ region: 'eu-west-1' });
    const s3 = mockClient(client);
    s3.on(HeadObjectCommand, { Key: 'backups/raced/raced.tar.gz' }).resolves({ ContentLength: 10 });
    s3.on(HeadObjectCommand, { Key: 'backups/raced/manifest.json' }).rejects(notFound());
    s3.on(PutObjectCommand).rejects(
      new S3ServiceException({
        name: 'PreconditionFailed',
        $fault: 'client',
        $metadata: { httpStatusCode: 412 },
      }),
    );
    const store = new S3BackupStore({ client, bucket: 'primary' });

    // Act
    const put = store.putManifest(
      'raced',
      aManifest({ name: 'raced', parts: [{ name: 'raced.tar.gz', sha256: 'c'.repeat(64), size: 10 }] }),
    );

    // Assert
    await expect(put).rejects.toThrow(BackupAlreadyExistsError);
    await expect(put).rejects.toThrow(
      's3://primary/backups/raced/manifest.json was written by someone else meanwhile',
    );
  });

  it('copies a part above the threshold with UploadPartCopy ranges, then verifies it before the manifest', async () => {
    // Arrange
    const archive = Buffer.from('0123456789'.repeat(1_200_000)); // 12 MB
    const { createHash } = await import('node:crypto');
    const sha256 = createHash('sha256').update(archive).digest('hex');
    const manifest = aManifest({
      name: 'huge',
      counts: {},
      totalObjects: 0,
      parts: [{ name: 'huge.tar.gz', sha256, size: archive.length }],
    });
    const client = new S3Client({ region: 'eu-central-1' });
    const s3 = mockClient(client);
    s3.on(GetObjectCommand, { Bucket: 'primary', Key: 'backups/huge/manifest.json' }).resolves({
      Body: bodyOf(Buffer.from(JSON.stringify(manifest))),
    });
    s3.on(GetObjectCommand, { Bucket: 'dr-bucket', Key: 'backups/huge/manifest.json' }).rejects(notFound());
    s3.on(HeadObjectCommand, { Bucket: 'primary', Key: 'backups/huge/huge.tar.gz' }).resolves({
      ContentLength: archive.length,
      ETag: '"src"',
    });
    s3.on(HeadObjectCommand, { Bucket: 'dr-bucket', Key: 'backups/huge/huge.tar.gz' }).resolves({
      ContentLength: archive.length,
    });
    s3.on(HeadObjectCommand, { Bucket: 'dr-bucket', Key: 'backups/huge/manifest.json' }).rejects(notFound());
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'copy-1' });
    s3.on(UploadPartCopyCommand).callsFake((input: { PartNumber: number }) => ({
      CopyPartResult: { ETag: `"p${input.PartNumber}"` },
    }));
    s3.on(CompleteMultipartUploadCommand).resolves({});
    s3.on(GetObjectCommand, { Bucket: 'dr-bucket', Key: 'backups/huge/huge.tar.gz' }).callsFake(() => ({
      Body: bodyOf(archive),
    }));
    s3.on(PutObjectCommand).resolves({});
    const from = new S3BackupStore({ client, bucket: 'primary', region: 'eu-west-1' });
    const to = new S3BackupStore({
      client,
      bucket: 'dr-bucket',
      kmsKeyId: 'alias/dr',
      multipartCopyThreshold: 5 * MIB,
      copyPartSize: 5 * MIB,
    });

    // Act
    const copied = await copyBackup(from, to, 'huge');

    // Assert
    expect(s3).not.toReceiveCommand(CopyObjectCommand);
    expect(s3).toReceiveCommandWith(CreateMultipartUploadCommand, {
      Bucket: 'dr-bucket',
      ServerSideEncryption: 'aws:kms',
      SSEKMSKeyId: 'alias/dr',
    });
    const ranges = s3.commandCalls(UploadPartCopyCommand).map((call) => call.args[0].input.CopySourceRange);
    expect(ranges).toEqual(['bytes=0-5242879', 'bytes=5242880-10485759', 'bytes=10485760-11999999']);
    expect(s3).toReceiveCommandWith(UploadPartCopyCommand, {
      CopySource: 'primary/backups/huge/huge.tar.gz',
      CopySourceIfMatch: '"src"',
    });
    expect(s3).toReceiveCommandWith(CompleteMultipartUploadCommand, {
      UploadId: 'copy-1',
      MultipartUpload: {
        Parts: [
          { PartNumber: 1, ETag: '"p1"' },
          { PartNumber: 2, ETag: '"p2"' },
          { PartNumber: 3, ETag: '"p3"' },
        ],
      },
    });
    expect(s3).toReceiveCommandWith(PutObjectCommand, {
      Bucket: 'dr-bucket',
      Key: 'backups/huge/manifest.json',
      ServerSideEncryption: 'aws:kms',
    });
    expect(copied.copiedRegions).toEqual(['eu-central-1']);
  });

  it('aborts a multipart copy that fails mid-way', async () => {
    // Arrange
    const manifest = aManifest({
      name: 'huge',
      counts: {},
      totalObjects: 0,
      parts: [{ name: 'huge.tar.gz', sha256: 'd'.repeat(64), size: 12 * MIB }],
    });
    const client = new S3Client({ region: 'eu-central-1', maxAttempts: 1 });
    const s3 = mockClient(client);
    s3.on(GetObjectCommand, { Bucket: 'primary' }).resolves({
      Body: bodyOf(Buffer.from(JSON.stringify(manifest))),
    });
    s3.on(GetObjectCommand, { Bucket: 'dr-bucket' }).rejects(notFound());
    s3.on(HeadObjectCommand, { Bucket: 'primary' }).resolves({ ContentLength: 12 * MIB, ETag: '"src"' });
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'copy-2' });
    s3.on(UploadPartCopyCommand).rejects(
      new S3ServiceException({ name: 'InternalError', $fault: 'server', $metadata: { httpStatusCode: 500 } }),
    );
    s3.on(AbortMultipartUploadCommand).resolves({});
    const from = new S3BackupStore({ client, bucket: 'primary' });
    const to = new S3BackupStore({
      client,
      bucket: 'dr-bucket',
      multipartCopyThreshold: 5 * MIB,
      copyPartSize: 5 * MIB,
    });

    // Act
    const copy = copyBackup(from, to, 'huge');

    // Assert
    await expect(copy).rejects.toThrow(BackupStoreError);
    await expect(copy).rejects.toThrow(
      /^s3:\/\/dr-bucket\/backups\/huge\/huge\.tar\.gz: copy from s3:\/\/primary\/backups\/huge\/huge\.tar\.gz failed: InternalError/,
    );
    expect(s3).toReceiveCommandWith(AbortMultipartUploadCommand, { UploadId: 'copy-2' });
    expect(s3).not.toReceiveCommand(PutObjectCommand);
  });

  it('refuses to delete a backup under Object Lock retention, before deleting anything', async () => {
    // Arrange
    const client = new S3Client({ region: 'eu-west-1' });
    const s3 = mockClient(client);
    s3.on(HeadObjectCommand, { Key: 'backups/kept/manifest.json' }).resolves({});
    s3.on(HeadObjectCommand, { Key: 'backups/kept/kept.tar.gz' }).resolves({
      ObjectLockMode: 'COMPLIANCE',
      ObjectLockRetainUntilDate: new Date(Date.now() + 86_400_000),
    });
    const store = new S3BackupStore({ client, bucket: 'primary' });

    // Act
    const deletion = store.delete('kept');

    // Assert
    await expect(deletion).rejects.toThrow(BackupLockedError);
    await expect(deletion).rejects.toThrow(
      /^backup kept: s3:\/\/primary\/backups\/kept\/kept\.tar\.gz: under Object Lock COMPLIANCE until /,
    );
    expect(s3).not.toReceiveCommand(DeleteObjectCommand);
  });
});

describe('parseS3Url', () => {
  it.each([
    ['s3://bucket', { bucket: 'bucket', prefix: '' }],
    ['s3://bucket/', { bucket: 'bucket', prefix: '' }],
    ['s3://my.bucket-1/a//b/', { bucket: 'my.bucket-1', prefix: 'a/b' }],
  ])('parses %s', (url, expected) => {
    // Arrange
    const input = url;

    // Act
    const location = parseS3Url(input);

    // Assert
    expect(location).toEqual(expected);
  });

  it.each([
    ['bucket/prefix', 'expected an s3://bucket[/prefix] URL'],
    ['s3://', 'has no bucket name after s3://'],
    ['s3://Bucket_Name/x', 'bucket "Bucket_Name" is not a valid S3 bucket name'],
    ['s3://bucket/a/../b', 'prefix must not contain "." or ".." segments'],
  ])('refuses %s', (url, message) => {
    // Arrange
    const input = url;

    // Act
    const act = () => parseS3Url(input);

    // Assert
    expect(act).toThrow(InvalidBackupLocationError);
    expect(act).toThrow(message);
  });
});
