// First step of every recovery workflow: the input against the plan, and one recovery at a time.

import { type GuardResult, type Timed, timed, WorkflowGuard } from '../src/failover/index.ts';
import * as z from '../src/util/zod.ts';
import { recoveryLedger } from './shared/aws/dynamodb.ts';
import { workflowStarter } from './shared/aws/sfn.ts';
import type { FunctionDependencies } from './shared/dependencies.ts';
import { envelopeSchema, parseInput, runKeys } from './shared/envelope.ts';
import { inRun, lazyHandler, type StepHandler } from './shared/handler.ts';

const guardInput = z.extend(envelopeSchema, {
  workflow: z.enum(['failover', 'failback', 'drill']),
  executionId: z.string().check(z.minLength(1, 'must not be empty')),
});

/** The guard function over its dependencies. */
export function createHandler(
  deps: Pick<FunctionDependencies, 'plan' | 'workflows' | 'ledger' | 'now'>,
): StepHandler<Timed<GuardResult>> {
  return async (event) => {
    const request = parseInput('Guard', guardInput, event);
    return inRun('guard', runKeys(request, deps.plan.name), () => {
      const guard = new WorkflowGuard({
        plan: deps.plan,
        workflows: deps.workflows,
        ledger: deps.ledger,
        now: deps.now,
      });
      return timed(deps.now, () => guard.check(request));
    });
  };
}

/** The Lambda entry point. */
export const handler = lazyHandler((base) =>
  createHandler({ ...base, workflows: workflowStarter(base), ledger: recoveryLedger(base) }),
);
