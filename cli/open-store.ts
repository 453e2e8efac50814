import { S3Client } from '@aws-sdk/client-s3';
import type { BackupStore, ObjectSink } from '../src/archive/backup-store.ts';
import { InvalidBackupLocationError } from '../src/archive/errors.ts';
import { validateBackupName } from '../src/archive/layout.ts';
import { LocalDirectoryStore } from '../src/archive/stores/local-directory-store.ts';
import { S3BackupStore } from '../src/aws/s3-backup-store.ts';

/** How to reach a backup location; the CLI fills these from flags and AWS_ENDPOINT_URL_S3. */
export interface OpenBackupStoreOptions {
  /** An S3-compatible endpoint (e.g. s3rver); path-style addressing is used with it. */
  s3Endpoint?: string | undefined;
  region?: string | undefined;
  kmsKeyId?: string | undefined;
  /** A client to use instead of creating one (tests, or a process that already has one). */
  s3Client?: S3Client | undefined;
}

/**
 * A LocalDirectoryStore for a path, an S3BackupStore for `s3://bucket[/prefix]`; both also write single
 * objects (ObjectSink), which exports into another tool's layout use.
 */
export function openBackupStore(
  location: string,
  options: OpenBackupStoreOptions = {},
): BackupStore & ObjectSink {
  if (typeof location !== 'string' || location.trim() === '') {
    throw new InvalidBackupLocationError(
      String(location),
      'expected a directory path or s3://bucket[/prefix]',
    );
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location) && !location.startsWith('s3://')) {
    throw new InvalidBackupLocationError(location, 'only local paths and s3:// URLs are supported');
  }
  if (!location.startsWith('s3://')) return new LocalDirectoryStore(location);
  if (options.s3Endpoint !== undefined) checkEndpoint(options.s3Endpoint);
  const client =
    options.s3Client ??
    new S3Client({
      ...(options.region !== undefined ? { region: options.region } : {}),
      ...(options.s3Endpoint !== undefined ? { endpoint: options.s3Endpoint, forcePathStyle: true } : {}),
    });
  return S3BackupStore.fromUrl(location, { client, kmsKeyId: options.kmsKeyId });
}

/** Splits `<location>/backups/<name>` (what `inspect`/`verify --from` take) into the store location and the name. */
export function splitBackupPath(path: string): { location: string; name: string } {
  const trimmed = path.replace(/(.)\/+$/, '$1');
  const match = /^(?:(.*)\/)?backups\/([^/]+)$/.exec(trimmed);
  if (match === null) {
    throw new InvalidBackupLocationError(path, 'expected <directory or s3://bucket/prefix>/backups/<name>');
  }
  const [, parent, name = ''] = match;
  validateBackupName(name);
  const location = parent === undefined ? '.' : parent === '' ? '/' : parent;
  if (location === 's3:/') throw new InvalidBackupLocationError(path, 'has no bucket name after s3://');
  return { location, name };
}

function checkEndpoint(endpoint: string): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch (error) {
    throw new InvalidBackupLocationError(endpoint, 'S3 endpoint is not a URL', { cause: error });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidBackupLocationError(endpoint, 'S3 endpoint must be an http:// or https:// URL');
  }
}
