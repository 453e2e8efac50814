// Retention in both regions: count and age, never the newest copied backup, EBS snapshots included.
import { type Timed, timed } from '../src/failover/index.ts';
import { applyRetention, type RetentionOutcome } from './shared/backup-retention.ts';
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
export const handler = lazyHandler(createHandler);
