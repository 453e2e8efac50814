// The part of the dependencies every function has, read from the environment and nothing else: no SDK
// client and no Kubernetes code, so a function's bundle grows only by the adapters it adds (./aws/*).
import { planFromEnvironment } from '../../src/plan/index.ts';
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
 * The base dependencies, wired from the environment (functions/README.md). A missing plan or side fails
 * here, at cold start; a state machine the stack did not set fails only when a handler asks for it.
 */
export function baseDependencies(env: Environment = process.env): BaseDependencies {
  const plan = planFromEnvironment(optionalEnv('EKS_DR_PLAN', env), 'EKS_DR_PLAN');
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
