// Loading a DR plan from JSON: an environment variable (Lambda functions) or an already-parsed object.
// Every path ends in drPlanSchema, and every error names its source. Files, and YAML, are load-plan-file.ts.
import { InvalidPlanError, ROOT, toPlanIssues } from './errors.ts';
import { parseJsonPlan } from './plan-json.ts';
import { type DrPlan, drPlanSchema } from './plan-schema.ts';

export { parseJsonPlan, serializePlan } from './plan-json.ts';

/** Validates a parsed plan; `source` (file name, env var) starts every line of the error. */
export function parsePlan(json: unknown, source: string): DrPlan {
  const result = drPlanSchema.safeParse(json, { reportInput: true });
  if (!result.success)
    throw new InvalidPlanError(source, toPlanIssues(result.error), { cause: result.error });
  return result.data;
}

/** Validates the plan JSON a function receives in environment variable `name` (passed in, never read here). */
export function planFromEnvironment(value: string | undefined, name: string): DrPlan {
  const source = `environment variable ${name}`;
  if (value === undefined || value.trim() === '') {
    throw new InvalidPlanError(source, [
      { path: ROOT, message: 'is not set; it must hold the plan as JSON' },
    ]);
  }
  return parsePlan(parseJsonPlan(value, source), source);
}
