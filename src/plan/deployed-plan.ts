// The plan a deployed function runs with: the JSON `cdk synth` validated and wrote into the function's
// environment, with its SHA-256 beside it.
//
// Why a fingerprint instead of validating again: the plan schema is ~370 zod objects, and building them took
// 25–35 ms of every function's cold start (bench/bundles.ts, issue 7's 150 ms budget), to re-check JSON that
// the same schema, in the same build, had already accepted at synth. What re-validation still guarded
// against is an edit of the variable after deployment (the Lambda console); the fingerprint catches that,
// and any other change, before the function does anything. User input (execution inputs, step payloads)
// is still validated with zod where it arrives.
import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { InvalidPlanError, ROOT } from './errors.ts';
import { parseJsonPlan, serializePlan } from './plan-json.ts';
import type { DrPlan } from './plan-schema.ts';

/** The variable that holds the plan's JSON. */
export const PLAN_VARIABLE = 'EKS_DR_PLAN';
/** The variable that holds the SHA-256 (hex) of exactly that JSON. */
export const PLAN_FINGERPRINT_VARIABLE = 'EKS_DR_PLAN_SHA256';

/** The SHA-256 of plan JSON, lower-case hex. */
export function planFingerprint(json: string): string {
  return createHash('sha256').update(json, 'utf8').digest('hex');
}

/**
 * How the plan's JSON is written into the variable: deflated and base64'd behind this prefix. Lambda allows
 * 4 KB for all of a function's variables; a plan of two regions, DNS records, alarms and node groups is ~3 KB
 * of JSON and just over half of that deflated and base64'd, which leaves room for the variables functions add.
 */
export const COMPRESSED_PLAN_PREFIX = 'deflate+base64:';

/** The variable's value for plan JSON. */
export function planVariableValue(json: string): string {
  return COMPRESSED_PLAN_PREFIX + deflateRawSync(Buffer.from(json, 'utf8'), { level: 9 }).toString('base64');
}

/** The two variables a function needs for `plan`, which must be a plan the schema has accepted. */
export function deployedPlanEnvironment(plan: DrPlan): Record<string, string> {
  const json = serializePlan(plan);
  return { [PLAN_VARIABLE]: planVariableValue(json), [PLAN_FINGERPRINT_VARIABLE]: planFingerprint(json) };
}

/** The plan JSON in a variable's value: compressed as planVariableValue writes it, or plain JSON. */
function planJsonOf(value: string, source: string): string {
  if (!value.startsWith(COMPRESSED_PLAN_PREFIX)) return value;
  try {
    return inflateRawSync(Buffer.from(value.slice(COMPRESSED_PLAN_PREFIX.length), 'base64')).toString('utf8');
  } catch (error) {
    throw new InvalidPlanError(
      source,
      [{ path: ROOT, message: `cannot be decompressed: ${(error as Error).message}` }],
      {
        cause: error,
      },
    );
  }
}

/**
 * The deployed plan from its two variables (values passed in, never read here). Refuses, naming the
 * variable, a plan or fingerprint that is missing, JSON whose fingerprint differs (changed after
 * deployment), and JSON that is not an object.
 */
export function deployedPlan(value: string | undefined, fingerprint: string | undefined): DrPlan {
  const source = `environment variable ${PLAN_VARIABLE}`;
  const json = value === undefined ? undefined : planJsonOf(value, source);
  if (json === undefined || json.trim() === '') {
    throw new InvalidPlanError(source, [
      { path: ROOT, message: 'is not set; it must hold the plan as JSON' },
    ]);
  }
  if (fingerprint === undefined || !/^[0-9a-f]{64}$/.test(fingerprint)) {
    throw new InvalidPlanError(`environment variable ${PLAN_FINGERPRINT_VARIABLE}`, [
      {
        path: ROOT,
        message: `${fingerprint === undefined ? 'is not set' : 'is not a SHA-256 in hex'}; cdk deploy sets it beside ${PLAN_VARIABLE}`,
      },
    ]);
  }
  if (planFingerprint(json) !== fingerprint) {
    throw new InvalidPlanError(source, [
      {
        path: ROOT,
        message: `does not match ${PLAN_FINGERPRINT_VARIABLE}: it was changed after deployment; change the config file and run cdk deploy instead`,
      },
    ]);
  }
  const plan = parseJsonPlan(json, source);
  if (typeof plan !== 'object' || plan === null || Array.isArray(plan)) {
    throw new InvalidPlanError(source, [{ path: ROOT, message: 'is not a JSON object' }]);
  }
  return plan as DrPlan;
}
