// Retention in both regions: count and age, never the newest copied backup, EBS snapshots included.

import { applyRetention, type RetentionOutcome } from '../src/backup/retention.ts';
import { type Timed, timed } from '../src/failover/index.ts';
import { volumeSnapshotsOf } from './shared/aws/ec2.ts';
import { backupStores } from './shared/aws/s3.ts';
import type { FunctionDependencies } from './shared/dependencies.ts';
import { envelopeSchema, parseInput, runKeys } from './shared/envelope.ts';
import { inRun, lazyHandler, type StepHandler } from './shared/handler.ts';

/** The prune function over its dependencies. */
export function createHandler(
  deps: Pick<FunctionDependencies, 'plan' | 'store' | 'volumeSnapshots' | 'now'>,
): StepHandler<Timed<RetentionOutcome>> {
  return async (event) => {
    const request = parseInput('Prune', envelopeSchema, event);
    return inRun('prune', runKeys(request, deps.plan.name), () =>
      timed(deps.now, () =>
        applyRetention({
          stores: { primary: deps.store('primary'), dr: deps.store('dr') },
          volumeSnapshots: deps.plan.volumes.enabled
            ? [deps.volumeSnapshots('primary'), deps.volumeSnapshots('dr')]
            : [],
          policy: deps.plan.backup.retention,
          now: deps.now(),
        }),
      ),
    );
  };
}

/** The Lambda entry point. */
export const handler = lazyHandler((base) =>
  createHandler({ ...base, store: backupStores(base), volumeSnapshots: volumeSnapshotsOf(base) }),
);
