// Port of the workflow starter: Step Functions executions, from `src/aws/sfn-workflows.ts` or the sandbox's
// local runner. Step Functions Retry/Catch match on the error `name`s: keep them stable.
import type { FailoverErrorOptions } from '../errors.ts';

/** Status of a workflow execution. */
export type ExecutionStatus =
  | 'RUNNING'
  | 'SUCCEEDED'
  | 'FAILED'
  | 'TIMED_OUT'
  | 'ABORTED'
  | 'PENDING_REDRIVE';

/** A started execution. */
export interface StartedExecution {
  executionArn: string;
  startDate: Date;
}

/** An execution as listed. */
export interface ExecutionSummary extends StartedExecution {
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  stopDate?: Date;
}

/** An execution with its input, output and failure. */
export interface ExecutionDetails extends ExecutionSummary {
  input?: string;
  output?: string;
  error?: string;
  cause?: string;
}

/** Starts and inspects workflow executions. */
export interface WorkflowStarter {
  /**
   * Starts an execution under a deterministic name; rejects with ExecutionAlreadyRunningError when that
   * name is taken, which is how duplicate alarm events collapse into one failover.
   */
  startExecution(stateMachineArn: string, name: string, input: unknown): Promise<StartedExecution>;
  describeExecution(executionArn: string): Promise<ExecutionDetails>;
  listRunningExecutions(stateMachineArn: string): Promise<ExecutionSummary[]>;
}

// Step Functions names: 1–80 characters, none of whitespace, brackets, wildcards, these punctuation marks,
// or control characters.
const EXECUTION_NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\p{Cc}]{1,80}$/u;

/** Throws InvalidExecutionNameError unless Step Functions would accept the name. */
export function validateExecutionName(name: string): void {
  if (typeof name !== 'string' || !EXECUTION_NAME.test(name)) {
    throw new InvalidExecutionNameError(
      name,
      '1–80 characters without whitespace, brackets, wildcards, control characters or <>{}[]?*"#%\\^|~`$&,;:/',
    );
  }
}

/** An execution name Step Functions would refuse. */
export class InvalidExecutionNameError extends Error {
  constructor(
    readonly executionName: string,
    detail: string,
    options: FailoverErrorOptions = {},
  ) {
    super(`execution name ${JSON.stringify(executionName)}: ${detail}`, options);
    this.name = 'InvalidExecutionNameError';
  }
}

/**
 * An execution with this name exists already (running, or closed within the last 90 days with another
 * input): the duplicate is dropped. `executionArn` is the existing execution.
 */
export class ExecutionAlreadyRunningError extends Error {
  constructor(
    readonly executionName: string,
    readonly executionArn: string,
    options: FailoverErrorOptions = {},
  ) {
    super(`execution ${JSON.stringify(executionName)} already exists (${executionArn})`, options);
    this.name = 'ExecutionAlreadyRunningError';
  }
}

/** An execution ARN Step Functions does not know. */
export class ExecutionNotFoundError extends Error {
  constructor(
    readonly executionArn: string,
    options: FailoverErrorOptions = {},
  ) {
    super(`execution ${executionArn} not found`, options);
    this.name = 'ExecutionNotFoundError';
  }
}

/** A state machine ARN Step Functions does not know. */
export class StateMachineNotFoundError extends Error {
  constructor(
    readonly stateMachineArn: string,
    options: FailoverErrorOptions = {},
  ) {
    super(`state machine ${stateMachineArn} not found`, options);
    this.name = 'StateMachineNotFoundError';
  }
}

/** Execution input Step Functions would refuse (not JSON, or above its 256 KiB limit). */
export class ExecutionInputRejectedError extends Error {
  constructor(
    readonly executionName: string,
    detail: string,
    options: FailoverErrorOptions = {},
  ) {
    super(`input of execution ${JSON.stringify(executionName)}: ${detail}`, options);
    this.name = 'ExecutionInputRejectedError';
  }
}

/** A state machine or execution ARN that is malformed (Step Functions InvalidArn). */
export class InvalidWorkflowArnError extends Error {
  constructor(
    readonly arn: string,
    detail: string,
    options: FailoverErrorOptions = {},
  ) {
    super(`ARN ${JSON.stringify(arn)}: ${detail}`, options);
    this.name = 'InvalidWorkflowArnError';
  }
}
