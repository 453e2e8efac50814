// The last step of every workflow: timeline, RTO, RPO and counts, as metrics, a notification and the output.

import { type RunReport, RunReporter } from '../src/failover/index.ts';
import * as z from '../src/util/zod.ts';
import { metricsPublisher } from './shared/aws/cloudwatch.ts';
import { recoveryLedger } from './shared/aws/dynamodb.ts';
import { notifierFor } from './shared/aws/sns.ts';
import type { FunctionDependencies } from './shared/dependencies.ts';
import { envelopeSchema, parseInput, runKeys } from './shared/envelope.ts';
import { inRun, lazyHandler, type StepHandler } from './shared/handler.ts';

const reportInput = z.extend(envelopeSchema, {
  workflow: z.enum(['backup', 'failover', 'failback', 'drill']),
  outcome: z.enum(['Succeeded', 'Failed', 'NotRun']),
  executionId: z.optional(z.string().check(z.minLength(1, 'must not be empty'))),
  error: z.optional(z.unknown()),
});

/** The report function over its dependencies. */
export function createHandler(
  deps: Pick<FunctionDependencies, 'plan' | 'metrics' | 'notifier' | 'now'> &
    Partial<Pick<FunctionDependencies, 'ledger'>>,
): StepHandler<RunReport> {
  return async (event) => {
    const request = parseInput('Report', reportInput, event);
    return inRun('report', runKeys(request, deps.plan.name), () =>
      new RunReporter({
        plan: deps.plan,
        metrics: deps.metrics,
        notifier: deps.notifier,
        ...(deps.ledger ? { ledger: deps.ledger } : {}),
        now: deps.now,
      }).report(request),
    );
  };
}

/** The Lambda entry point. */
export const handler = lazyHandler((base) =>
  createHandler({
    ...base,
    metrics: metricsPublisher(base),
    notifier: notifierFor(base),
    // The backup workflow's report runs in the primary stack, which has no ledger.
    ...(base.side === 'dr' ? { ledger: recoveryLedger(base) } : {}),
  }),
);
