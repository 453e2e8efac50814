// The EBS steps of the backup and failback workflows: are the snapshots done, start their copies to the other
// side, are the copies done. `from`/`to` name the direction: primary → DR unless the step says otherwise.

import type { VolumeSnapshotRecord } from '../src/archive/index.ts';
import { type Timed, timed } from '../src/failover/index.ts';
import * as z from '../src/util/zod.ts';
import {
  type CopyBatch,
  copyBatchSchema,
  type SnapshotBatch,
  snapshotBatchSchema,
  snapshotRecordsSchema,
  type WaitProgress,
} from '../src/volumes/index.ts';
import { volumeSnapshotsOf } from './shared/aws/ec2.ts';
import { backupNameFor } from './shared/backup-name.ts';
import type { FunctionDependencies } from './shared/dependencies.ts';
import { envelopeSchema, parseInput, runKeys, sideSchema, stepResult } from './shared/envelope.ts';
import { inRun, lazyHandler, type StepHandler } from './shared/handler.ts';
import { copyKeyOf, volumeBackupper } from './shared/volume-use-cases.ts';

const step = z.extend(envelopeSchema, {
  from: z._default(sideSchema, 'primary'),
  to: z._default(sideSchema, 'dr'),
});
const volumesInput = z
  .discriminatedUnion('action', [
    z.extend(step, { action: z.literal('checkSnapshots'), volumes: snapshotBatchSchema }),
    z.extend(step, { action: z.literal('startCopies'), volumes: snapshotRecordsSchema }),
    z.extend(step, { action: z.literal('checkCopies'), volumes: copyBatchSchema }),
  ])
  .check(z.refine((r) => r.from !== r.to, { path: ['to'], message: 'must differ from from' }));

/** One volume step's answer: `volumes` is what the next step of the loop takes. */
export interface VolumesAnswer {
  done: boolean;
  volumes: SnapshotBatch | CopyBatch | VolumeSnapshotRecord[];
  progress?: WaitProgress;
  /** checkCopies, once done: every record with its completed copy, for the destination's manifest. */
  records?: VolumeSnapshotRecord[];
}

/** The volumes function over its dependencies. */
export function createHandler(
  deps: Pick<FunctionDependencies, 'plan' | 'volumeSnapshots' | 'now' | 'sleep' | 'tuning'>,
): StepHandler<Timed<VolumesAnswer>> {
  return async (event) => {
    const request = parseInput('Volumes', volumesInput, event);
    return inRun(`volumes ${request.action}`, runKeys(request, deps.plan.name), () => {
      const backupper = volumeBackupper(deps, request);
      return timed(deps.now, async (): Promise<VolumesAnswer> => {
        if (request.action === 'checkSnapshots') {
          const check = await backupper.checkSnapshots(request.volumes);
          return check.status === 'Completed'
            ? { done: true, volumes: check.records, progress: check.progress }
            : { done: false, volumes: request.volumes, progress: check.progress };
        }
        if (request.action === 'startCopies') {
          const batch = await backupper.startCopies(request.volumes, {
            // Records do not carry the backup name; the snapshot step named the backup.
            backupName: String(
              stepResult(request.steps, 'snapshot')?.name ?? backupNameFor(request.executionName),
            ),
            kmsKeyId: copyKeyOf(deps, request.to),
          });
          return { done: false, volumes: batch };
        }
        const check = await backupper.checkCopies(request.volumes);
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
