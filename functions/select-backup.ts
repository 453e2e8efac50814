// Picks the newest verified backup in the region we recover into, or the one the guard settled on.
import { BackupSelector, type SelectedBackup, type Timed, timed } from '../src/failover/index.ts';
import * as z from '../src/util/zod.ts';
import { backupStores } from './shared/aws/s3.ts';
import type { FunctionDependencies } from './shared/dependencies.ts';
import { envelopeSchema, parseInput, runKeys, sideSchema, stepResult } from './shared/envelope.ts';
import { inRun, lazyHandler, type StepHandler } from './shared/handler.ts';
import { regionOf } from './shared/sides.ts';

const selectInput = z.extend(envelopeSchema, { side: sideSchema });

/** The select-backup function over its dependencies. */
export function createHandler(
  deps: Pick<FunctionDependencies, 'plan' | 'store' | 'now'>,
): StepHandler<Timed<SelectedBackup>> {
  return async (event) => {
    const request = parseInput('SelectBackup', selectInput, event);
    return inRun('select-backup', runKeys(request, deps.plan.name), () => {
      const selector = new BackupSelector({
        store: deps.store(request.side),
        region: regionOf(deps.plan, request.side),
        now: deps.now,
      });
      const named = stepResult(request.steps, 'guard')?.backupName;
      return timed(deps.now, () => selector.select(typeof named === 'string' ? { backupName: named } : {}));
    });
  };
}

/** The Lambda entry point. */
export const handler = lazyHandler((base) => createHandler({ ...base, store: backupStores(base) }));
