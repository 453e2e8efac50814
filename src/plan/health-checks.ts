// A side's health check out of the plan, which keeps one check for both sides as one (the plan travels in
// every function's 4 KB environment). Types only from the schema, so a function's bundle need not build it.
import type { DrPlan, HealthCheckPlan } from './plan-schema.ts';

/** The health check DNS waits for before it moves to `side`, or undefined when the plan has none. */
export function healthCheckOf(
  plan: Pick<DrPlan, 'healthCheck'>,
  side: 'primary' | 'dr',
): HealthCheckPlan | undefined {
  const checks = plan.healthCheck;
  if (checks === undefined) return undefined;
  if ('primary' in checks || 'dr' in checks)
    return (checks as Partial<Record<typeof side, HealthCheckPlan>>)[side];
  return checks as HealthCheckPlan;
}
