// DR node groups from pilot light to target (ScaleUp), back (ScaleDown), and the status the wait loop polls.

import {
  CapacityManager,
  type CapacityStatus,
  type ScalingOperation,
  type Timed,
  timed,
} from '../src/failover/index.ts';
import * as z from '../src/util/zod.ts';
import { clusterClients } from './shared/aws/clusters.ts';
import { nodeCapacity } from './shared/aws/eks.ts';
import type { FunctionDependencies } from './shared/dependencies.ts';
import { envelopeSchema, parseInput, runKeys, sideSchema } from './shared/envelope.ts';
import { inRun, lazyHandler, type StepHandler } from './shared/handler.ts';

const nonEmpty = () => z.string().check(z.minLength(1));

const operationSchema = z.looseObject({
  action: z.enum(['scaleUp', 'scaleDown']),
  cluster: nonEmpty(),
  startedAt: nonEmpty(),
  deadline: z.iso.datetime({ offset: true }),
  updates: z.array(
    z.object({
      cluster: nonEmpty(),
      nodegroup: nonEmpty(),
      updateId: nonEmpty(),
      desired: z.number().check(z.int(), z.nonnegative()),
    }),
  ),
});

const capacityInput = z.discriminatedUnion('action', [
  z.extend(envelopeSchema, { side: sideSchema, action: z.literal('scaleUp') }),
  z.extend(envelopeSchema, { side: sideSchema, action: z.literal('scaleDown') }),
  z.extend(envelopeSchema, { side: sideSchema, action: z.literal('status'), updates: operationSchema }),
]);

/** The capacity function over its dependencies. */
export function createHandler(
  deps: Pick<FunctionDependencies, 'plan' | 'capacity' | 'cluster' | 'now'>,
): StepHandler<Timed<ScalingOperation | CapacityStatus>> {
  return async (event) => {
    const request = parseInput('Capacity', capacityInput, event);
    if (request.side !== 'dr') {
      // Only the DR side has node groups in the plan; the primary's capacity is not eks-dr's to change.
      parseInput('Capacity', z.object({ side: z.literal('dr') }), { side: request.side });
    }
    return inRun(`capacity ${request.action}`, runKeys(request, deps.plan.name), async () => {
      const manager = new CapacityManager({
        clusterName: deps.plan.dr.clusterName,
        nodeGroups: deps.plan.dr.nodeGroups,
        capacity: deps.capacity,
        cluster: await deps.cluster('dr'),
        now: deps.now,
      });
      if (request.action === 'status') {
        const operation = request.updates as z.output<typeof operationSchema> & ScalingOperation;
        return timed(deps.now, () => manager.status(operation));
      }
      return timed(deps.now, () => (request.action === 'scaleUp' ? manager.scaleUp() : manager.scaleDown()));
    });
  };
}

/** The Lambda entry point. */
export const handler = lazyHandler((base) =>
  createHandler({ ...base, capacity: nodeCapacity(base), cluster: clusterClients(base) }),
);
