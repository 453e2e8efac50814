// The backup buckets of both sides (S3, with the plan's KMS keys).
import { S3Client } from '@aws-sdk/client-s3';
import { copyBackup, S3BackupStore } from '../../../src/aws/s3-backup-store.ts';
import type { BaseDependencies } from '../base.ts';
import type { FunctionDependencies } from '../dependencies.ts';
import { traced } from '../powertools.ts';
import { regionOf } from '../sides.ts';
import { manifestSigningOf } from './kms.ts';
import { perSide } from './memo.ts';
import { sdkConfig } from './sdk-config.ts';

const client = perSide((base, side) => traced(new S3Client(sdkConfig(regionOf(base.plan, side)))));

const store = perSide(
  (base, side) =>
    new S3BackupStore({
      client: client(base, side),
      bucket: side === 'primary' ? base.plan.primary.backupBucket : base.plan.dr.backupBucket,
      prefix: base.plan.backup.prefix,
      kmsKeyId: side === 'primary' ? base.plan.primary.kmsKeyArn : base.plan.dr.kmsKeyArn,
      region: regionOf(base.plan, side),
    }),
);

/** The backup bucket of each side. */
export function backupStores(base: BaseDependencies): FunctionDependencies['store'] {
  return (side) => store(base, side);
}

/** Copies a backup between the sides' buckets, verified by sha256. */
export function backupCopier(base: BaseDependencies): FunctionDependencies['copyBackup'] {
  const signing = manifestSigningOf(base);
  return (from, to, name, options = {}) =>
    copyBackup(store(base, from), store(base, to), name, {
      ...(options.volumeSnapshots ? { volumeSnapshots: options.volumeSnapshots } : {}),
      // The source is verified before anything is copied; the changed destination manifest is signed anew.
      ...(signing ? { trust: { verifier: signing.verifier }, signer: signing.signer } : {}),
    });
}
