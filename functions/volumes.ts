// The backup workflow's EBS steps: are the snapshots done, start their copies to DR, are the copies done.

import type { VolumeSnapshotRecord } from '../src/archive/index.ts';
import { type Timed, timed } from '../src/failover/index.ts';
import * as z from '../src/util/zod.ts';
import {
  type CopyBatch,
  type SnapshotBatch,
  VolumeBackupper,
  type WaitProgress,
} from '../src/volumes/index.ts';
import { volumeSnapshotsOf } from './shared/aws/ec2.ts';
import { backupNameFor } from './shared/backup-name.ts';
import type { FunctionDependencies } from './shared/dependencies.ts';
import { envelopeSchema, parseInput, runKeys, stepResult } from './shared/envelope.ts';
import { inRun, lazyHandler, type StepHandler } from './shared/handler.ts';

const nonEmpty = () => z.string().check(z.minLength(1));

const record = z.looseObject({
  persistentVolume: nonEmpty(),
  volumeId: nonEmpty(),
  snapshotId: nonEmpty(),
  region: nonEmpty(),
  state: z.enum(['pending', 'completed', 'error', 'recoverable', 'recovering']),
});
const snapshotBatch = z.looseObject({
  backupName: nonEmpty(),
  region: nonEmpty(),
  startedAt: z.number(),
  items: z.array(
    z.looseObject({ persistentVolume: z.string(), volumeId: z.string(), snapshotId: z.string() }),
  ),
});
const copyBatch = z.looseObject({
  backupName: nonEmpty(),
  sourceRegion: nonEmpty(),
  region: nonEmpty(),
  kmsKeyId: nonEmpty(),
  items: z.array(z.looseObject({ record, state: z.enum(['queued', 'copying', 'completed']) })),
});

const volumesInput = z.discriminatedUnion('action', [
  z.extend(envelopeSchema, { action: z.literal('checkSnapshots'), volumes: snapshotBatch }),
  z.extend(envelopeSchema, {
    action: z.literal('startCopies'),
    volumes: z.array(record).check(z.minLength(1)),
  }),
  z.extend(envelopeSchema, { action: z.literal('checkCopies'), volumes: copyBatch }),
]);

/** One volume step's answer: `volumes` is what the next step of the loop takes. */
export interface VolumesAnswer {
  done: boolean;
  volumes: SnapshotBatch | CopyBatch | VolumeSnapshotRecord[];
  progress?: WaitProgress;
  /** checkCopies, once done: every record with its completed DR copy, for the DR manifest. */
  records?: VolumeSnapshotRecord[];
}

/** The volumes function over its dependencies. */
export function createHandler(
  deps: Pick<FunctionDependencies, 'plan' | 'volumeSnapshots' | 'now' | 'sleep'>,
): StepHandler<Timed<VolumesAnswer>> {
  return async (event) => {
    const request = parseInput('Volumes', volumesInput, event);
    return inRun(`volumes ${request.action}`, runKeys(request, deps.plan.name), () => {
      const backupper = new VolumeBackupper({
        source: deps.volumeSnapshots('primary'),
        dr: deps.volumeSnapshots('dr'),
        sleep: deps.sleep,
        now: () => deps.now().getTime(),
      });
      return timed(deps.now, async (): Promise<VolumesAnswer> => {
        if (request.action === 'checkSnapshots') {
          const batch = request.volumes as SnapshotBatch;
          const check = await backupper.checkSnapshots(batch);
          return check.status === 'Completed'
            ? { done: true, volumes: check.records, progress: check.progress }
            : { done: false, volumes: batch, progress: check.progress };
        }
        if (request.action === 'startCopies') {
          const records = request.volumes as VolumeSnapshotRecord[];
          const batch = await backupper.startCopies(records, {
            // Records do not carry the backup name; the snapshot step named the backup.
            backupName: String(
              stepResult(request.steps, 'snapshot')?.name ?? backupNameFor(request.executionName),
            ),
            drKmsKeyId: deps.plan.volumes.drKmsKeyArn ?? deps.plan.dr.kmsKeyArn ?? 'alias/aws/ebs',
          });
          return { done: false, volumes: batch };
        }
        const check = await backupper.checkCopies(request.volumes as CopyBatch);
        return check.status === 'Completed'
          ? { done: true, volumes: check.batch, progress: check.progress, records: check.records }
          : { done: false, volumes: check.batch, progress: check.progress };
      });
    });
  };
}

/** The Lambda entry point. */
export const handler = lazyHandler((base) =>
  createHandler({ ...base, volumeSnapshots: volumeSnapshotsOf(base) }),
);
