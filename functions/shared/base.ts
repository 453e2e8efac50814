// The part of the dependencies every function has, read from the environment and nothing else: no SDK
// client and no Kubernetes code, so a function's bundle grows only by the adapters it adds (./aws/*).
import { deployedPlan, PLAN_FINGERPRINT_VARIABLE, PLAN_VARIABLE } from '../../src/plan/index.ts';
import type { FunctionDependencies, WorkflowKind } from './dependencies.ts';
import { type Environment, optionalEnv, requireEnv, requireSide, stateMachinesFromEnv } from './env.ts';

/** The part of the dependencies every function has: no SDK client, nothing but the environment. */
export interface BaseDependencies
  extends Pick<FunctionDependencies, 'plan' | 'side' | 'now' | 'sleep' | 'stateMachineArn'> {
  /** The environment the base was read from; adapters read their own variables (a topic ARN) from it. */
  readonly env: Environment;
}

const STATE_MACHINE_VARIABLES: Record<WorkflowKind, string> = {
  backup: 'BACKUP_STATE_MACHINE_ARN',
  failover: 'FAILOVER_STATE_MACHINE_ARN',
  failback: 'FAILBACK_STATE_MACHINE_ARN',
  drill: 'DRILL_STATE_MACHINE_ARN',
};

/**
 * The base dependencies, wired from the environment (functions/README.md). A missing or altered plan, or a
 * missing side, fails here, at cold start; a state machine the stack did not set fails only when a handler
 * asks for it. The plan is the one `cdk synth` validated, checked against its fingerprint
 * (src/plan/deployed-plan.ts says why it is not validated again).
 */
export function baseDependencies(env: Environment = process.env): BaseDependencies {
  const plan = deployedPlan(optionalEnv(PLAN_VARIABLE, env), optionalEnv(PLAN_FINGERPRINT_VARIABLE, env));
  const side = requireSide(env);
  const arns = stateMachinesFromEnv(env);
  return {
    plan,
    side,
    env,
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    stateMachineArn: (workflow) => arns[workflow] ?? requireEnv(STATE_MACHINE_VARIABLES[workflow], env),
  };
}

let shared: BaseDependencies | undefined;

/** The base dependencies of this container, built on the first invocation and reused by every later one. */
export function containerDependencies(): BaseDependencies {
  shared ??= baseDependencies();
  return shared;
}
