// The volume use cases' JSON states as they come back from Step Functions, checked before use. Each schema
// is typed as the state it parses, so what it accepts is exactly what the use cases take, with no cast.
import { volumeSnapshotSchema } from '../archive/manifest.ts';
import * as z from '../util/zod.ts';
import type { CopyBatch, SnapshotBatch } from './volume-backup.ts';
import type { VolumeRestoreBatch } from './volume-restore.ts';

const nonEmpty = () => z.string().check(z.minLength(1));

/** A SnapshotBatch: between startSnapshots and checkSnapshots. */
export const snapshotBatchSchema: z.ZodMiniType<SnapshotBatch> = z.object({
  backupName: nonEmpty(),
  region: nonEmpty(),
  startedAt: z.number(),
  items: z.array(
    z.object({
      persistentVolume: z.string(),
      volumeId: z.string(),
      snapshotId: z.string(),
      sizeGiB: z.optional(z.number()),
    }),
  ),
});

/** Completed snapshot records: what startCopies takes. */
export const snapshotRecordsSchema = z.array(volumeSnapshotSchema).check(z.minLength(1));

/** A CopyBatch: between startCopies and checkCopies. */
export const copyBatchSchema: z.ZodMiniType<CopyBatch> = z.object({
  backupName: nonEmpty(),
  sourceRegion: nonEmpty(),
  region: nonEmpty(),
  kmsKeyId: nonEmpty(),
  items: z.array(
    z.object({
      record: volumeSnapshotSchema,
      copySnapshotId: z.optional(z.string()),
      startedAt: z.optional(z.number()),
      preexisting: z.optional(z.boolean()),
      state: z.enum(['queued', 'copying', 'completed']),
    }),
  ),
});

/** A VolumeRestoreBatch: between startVolumes and checkVolumes, carried in a DR restore's loop state. */
export const volumeRestoreBatchSchema: z.ZodMiniType<VolumeRestoreBatch> = z.object({
  restoreName: nonEmpty(),
  region: nonEmpty(),
  startedAt: z.number(),
  items: z.array(
    z.object({
      persistentVolume: z.string(),
      snapshotId: z.string(),
      volumeId: z.string(),
      availabilityZone: z.string(),
    }),
  ),
});
