// The last step of every workflow: timeline, RTO, RPO and counts, as metrics, a notification and the output.

import { type RunReport, RunReporter } from '../src/failover/index.ts';
import * as z from '../src/util/zod.ts';
import { metricsPublisher } from './shared/aws/cloudwatch.ts';
import { notifierFor } from './shared/aws/sns.ts';
import type { FunctionDependencies } from './shared/dependencies.ts';
import { envelopeSchema, parseInput, runKeys } from './shared/envelope.ts';
import { inRun, lazyHandler, type StepHandler } from './shared/handler.ts';

const reportInput = z.extend(envelopeSchema, {
  workflow: z.enum(['backup', 'failover', 'failback', 'drill']),
  outcome: z.enum(['Succeeded', 'Failed']),
  error: z.optional(z.unknown()),
});

/** The report function over its dependencies. */
export function createHandler(
  deps: Pick<FunctionDependencies, 'plan' | 'metrics' | 'notifier' | 'now'>,
): StepHandler<RunReport> {
  return async (event) => {
    const request = parseInput('Report', reportInput, event);
    return inRun('report', runKeys(request, deps.plan.name), () =>
      new RunReporter({
        plan: deps.plan,
        metrics: deps.metrics,
        notifier: deps.notifier,
        now: deps.now,
      }).report(request),
    );
  };
}

/** The Lambda entry point. */
export const handler = lazyHandler((base) =>
  createHandler({ ...base, metrics: metricsPublisher(base), notifier: notifierFor(base) }),
);
