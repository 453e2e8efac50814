// Plan sections the parsed plan keeps as written, without filled-in defaults or copies, because the plan
// travels in every function's 4 KB environment: one health check for both sides stays one, and an absent
// `failback` section stays absent. These read them with their meaning. Types only from the schema, so a
// function's bundle need not build it.
import {
  type DrPlan,
  type ExistingResourcePolicy,
  type HealthCheckPlan,
  PLAN_DEFAULTS,
} from './plan-schema.ts';

/** The health check DNS waits for before it moves to `side`, or undefined when the plan has none. */
export function healthCheckOf(
  plan: Pick<DrPlan, 'healthCheck'>,
  side: 'primary' | 'dr',
): HealthCheckPlan | undefined {
  const checks = plan.healthCheck;
  if (checks === undefined) return undefined;
  if ('primary' in checks || 'dr' in checks) {
    return (checks as Partial<Record<typeof side, HealthCheckPlan>>)[side];
  }
  return checks as HealthCheckPlan;
}

/** How a failback restores: the plan's `failback` section with its defaults. */
export interface FailbackSettings {
  /** `update` unless the plan says otherwise: what changed in DR replaces the primary's. */
  existingResourcePolicy: ExistingResourcePolicy;
  /** Delete from the primary what was deleted in DR. @default false */
  removeDeletedInDr: boolean;
}

/** The plan's failback settings, defaults filled in. */
export function failbackSettingsOf(plan: Pick<DrPlan, 'failback'>): FailbackSettings {
  return {
    existingResourcePolicy:
      plan.failback?.existingResourcePolicy ?? PLAN_DEFAULTS.failbackExistingResourcePolicy,
    removeDeletedInDr: plan.failback?.removeDeletedInDr ?? false,
  };
}
