// The one place that reads process.env: every function's configuration comes through here, so a missing
// variable fails at cold start with its name, never as an undefined deep inside a use case.

/** A required environment variable is missing or blank. */
export class MissingEnvironmentVariableError extends Error {
  constructor(
    readonly variable: string,
    options: { cause?: unknown } = {},
  ) {
    super(`environment variable ${variable} is not set; the stack must define it for this function`, options);
    this.name = 'MissingEnvironmentVariableError';
  }
}

/** A variable holds a value the function cannot use. */
export class InvalidEnvironmentVariableError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
    options: { cause?: unknown } = {},
  ) {
    super(`environment variable ${variable}: ${detail}`, options);
    this.name = 'InvalidEnvironmentVariableError';
  }
}

/** The environment as a plain map; tests pass their own. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** The value of `name`; MissingEnvironmentVariableError naming it when absent or blank. */
export function requireEnv(name: string, env: Environment = process.env): string {
  const value = env[name];
  if (value === undefined || value.trim() === '') throw new MissingEnvironmentVariableError(name);
  return value;
}

/** The value of `name`, or undefined when absent or blank. */
export function optionalEnv(name: string, env: Environment = process.env): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** Which half of the plan a deployment serves. */
export type DeploymentSide = 'primary' | 'dr';

/** `EKS_DR_SIDE_REGION`: `primary` or `dr`. */
export function requireSide(env: Environment = process.env): DeploymentSide {
  const value = requireEnv('EKS_DR_SIDE_REGION', env);
  if (value !== 'primary' && value !== 'dr') {
    throw new InvalidEnvironmentVariableError(
      'EKS_DR_SIDE_REGION',
      `expected primary or dr, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** The state machine ARNs a function was given; absent ones are only an error for the function needing them. */
export interface StateMachineEnvironment {
  backup?: string;
  failover?: string;
  failback?: string;
  drill?: string;
}

/** `BACKUP_STATE_MACHINE_ARN` and the recovery workflows' ARNs, whichever are set. */
export function stateMachinesFromEnv(env: Environment = process.env): StateMachineEnvironment {
  const arns: StateMachineEnvironment = {};
  const backup = optionalEnv('BACKUP_STATE_MACHINE_ARN', env);
  const failover = optionalEnv('FAILOVER_STATE_MACHINE_ARN', env);
  const failback = optionalEnv('FAILBACK_STATE_MACHINE_ARN', env);
  const drill = optionalEnv('DRILL_STATE_MACHINE_ARN', env);
  if (backup) arns.backup = backup;
  if (failover) arns.failover = failover;
  if (failback) arns.failback = failback;
  if (drill) arns.drill = drill;
  return arns;
}

/** Powertools' log level, when the stack sets one (`POWERTOOLS_LOG_LEVEL`). */
export function logLevelFromEnv(env: Environment = process.env): string | undefined {
  return optionalEnv('POWERTOOLS_LOG_LEVEL', env);
}
