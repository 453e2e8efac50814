// Restores a backup into one side's cluster in chunks (src/restore/dr-restore.ts) the workflow loops on, each
// stopping before the Lambda's deadline; a drill's `cleanup` removes what the restore created.
import { type Timed, timed } from '../src/failover/index.ts';
import * as restore from '../src/restore/index.ts';
import * as z from '../src/util/zod.ts';
import { clusterClients } from './shared/aws/clusters.ts';
import { volumeSnapshotsOf } from './shared/aws/ec2.ts';
import { manifestSigningOf } from './shared/aws/kms.ts';
import { backupStores } from './shared/aws/s3.ts';
import type { FunctionDependencies } from './shared/dependencies.ts';
import {
  backupRefSchema,
  envelopeSchema,
  parseInput,
  runKeys,
  sideSchema,
  stepResult,
} from './shared/envelope.ts';
import { inRun, lazyHandler, type StepHandler } from './shared/handler.ts';
import { logger } from './shared/powertools.ts';
import { drRestoreOf } from './shared/volume-use-cases.ts';

const restoreInput = z.discriminatedUnion('action', [
  z.extend(envelopeSchema, {
    action: z._default(z.literal('restore'), 'restore'),
    side: sideSchema,
    backup: backupRefSchema,
    continuation: z._default(z.nullable(restore.drRestoreStateSchema), null),
  }),
  z.extend(envelopeSchema, {
    action: z.literal('cleanup'),
    side: sideSchema,
    backup: z.optional(backupRefSchema),
  }),
]);

const overrideSkipped = (workload: string, override: unknown) =>
  logger.warn('replica override not applied', { workload, override });

/** The restore function over its dependencies. */
export function createHandler(
  deps: Pick<
    FunctionDependencies,
    'plan' | 'store' | 'cluster' | 'now' | 'sleep' | 'volumeSnapshots' | 'tuning' | 'signing'
  >,
): StepHandler<Timed<restore.DrRestoreChunk | restore.DrCleanupReport>> {
  return async (event, context) => {
    const request = parseInput('Restore', restoreInput, event);
    const { side, steps } = request;
    return inRun(`restore ${request.action}`, runKeys(request, deps.plan.name), async () => {
      const margin = deps.tuning?.restoreSafetyMarginMs ?? 30_000;
      const dr = drRestoreOf(deps, side, request.executionName);
      if (request.action === 'cleanup') {
        // Measured on deps' clock, which the volume wait's sleep advances (modelled time in the sandbox).
        const budget = context ? context.getRemainingTimeInMillis() - margin : restore.CLEANUP_VOLUME_WAIT_MS;
        const restored = restore.restoredObjectsOf(stepResult(steps, 'restore'));
        const report = await timed(deps.now, () => dr.cleanup(restored, deps.now().getTime() + budget));
        for (const left of report.volumesLeft) logger.warn('DR volume left after cleanup', left);
        return report;
      }
      const guard = stepResult(steps, 'guard');
      const target = { backupName: request.backup.name, restoreId: request.executionName, guard };
      const job = restore.recoveryRestoreRequest(deps.plan, side, target, overrideSkipped);
      // The deadline is real time: it is the Lambda's own timeout that must not be hit.
      const deadline = context ? Date.now() + context.getRemainingTimeInMillis() - margin : undefined;
      return timed(deps.now, () => dr.chunk(job, request.continuation, deadline));
    });
  };
}

/** The Lambda entry point. */
export const handler = lazyHandler((base) =>
  createHandler({
    ...base,
    store: backupStores(base),
    signing: manifestSigningOf(base),
    cluster: clusterClients(base),
    volumeSnapshots: volumeSnapshotsOf(base),
  }),
);
