// After a restore: are the restored Deployments and StatefulSets at their replicas and Ready?

import { type Timed, timed, WorkloadReadiness, type WorkloadsStatus } from '../src/failover/index.ts';
import * as z from '../src/util/zod.ts';
import { clusterClients } from './shared/aws/clusters.ts';
import type { FunctionDependencies } from './shared/dependencies.ts';
import { envelopeSchema, parseInput, runKeys, sideSchema } from './shared/envelope.ts';
import { inRun, lazyHandler, type StepHandler } from './shared/handler.ts';

/** How long after the restore finished workloads may take to become Ready before the run fails. */
export const WORKLOADS_DEADLINE_MINUTES = 15;

const workloadsInput = z.extend(envelopeSchema, {
  side: sideSchema,
  steps: z.looseObject({
    restore: z.object({
      result: z.looseObject({ namespaces: z.array(z.string()), finishedAt: z.optional(z.string()) }),
    }),
  }),
});

/** The workloads-ready function over its dependencies. */
export function createHandler(
  deps: Pick<FunctionDependencies, 'plan' | 'cluster' | 'now'>,
): StepHandler<Timed<WorkloadsStatus>> {
  return async (event) => {
    const request = parseInput('WorkloadsReady', workloadsInput, event);
    return inRun('workloads-ready', runKeys(request, deps.plan.name), async () => {
      const readiness = new WorkloadReadiness({ cluster: await deps.cluster(request.side), now: deps.now });
      const restored = request.steps.restore.result;
      const from = Date.parse(restored.finishedAt ?? '') || deps.now().getTime();
      const deadline = new Date(from + WORKLOADS_DEADLINE_MINUTES * 60_000);
      return timed(deps.now, () => readiness.check({ namespaces: restored.namespaces, deadline }));
    });
  };
}

/** The Lambda entry point. */
export const handler = lazyHandler((base) => createHandler({ ...base, cluster: clusterClients(base) }));
