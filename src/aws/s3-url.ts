import { InvalidBackupLocationError } from '../archive/errors.ts';

/** A bucket and a key prefix ('' or without leading/trailing slashes). */
export interface S3Location {
  bucket: string;
  prefix: string;
}

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IP_ADDRESS = /^\d+\.\d+\.\d+\.\d+$/;

/** Parses `s3://bucket[/prefix]`; InvalidBackupLocationError names what is wrong with the URL. */
export function parseS3Url(url: string): S3Location {
  if (typeof url !== 'string' || !url.startsWith('s3://')) {
    throw new InvalidBackupLocationError(String(url), 'expected an s3://bucket[/prefix] URL');
  }
  const rest = url.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '' : rest.slice(slash + 1);
  if (bucket === '') throw new InvalidBackupLocationError(url, 'has no bucket name after s3://');
  if (!BUCKET.test(bucket) || bucket.includes('..') || IP_ADDRESS.test(bucket)) {
    throw new InvalidBackupLocationError(
      url,
      `bucket ${JSON.stringify(bucket)} is not a valid S3 bucket name (3-63 lowercase letters, digits, "." and "-")`,
    );
  }
  if (/[?#]/.test(path)) {
    throw new InvalidBackupLocationError(url, 'prefix must not contain "?" or "#"');
  }
  const segments = path.split('/').filter((segment) => segment !== '');
  if (segments.some((segment) => segment === '.' || segment === '..')) {
    throw new InvalidBackupLocationError(url, 'prefix must not contain "." or ".." segments');
  }
  return { bucket, prefix: segments.join('/') };
}

/** Renders a location as `s3://bucket[/prefix]`. */
export function formatS3Url(location: S3Location, key?: string): string {
  const path = key ?? location.prefix;
  return path === '' ? `s3://${location.bucket}` : `s3://${location.bucket}/${path}`;
}
