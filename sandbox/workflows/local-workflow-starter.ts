// Step Functions' StartExecution, DescribeExecution and ListExecutions over the local runner, so the trigger
// starts real workflow runs on a laptop, with Step Functions' rule that an execution name is used once.
import {
  ExecutionAlreadyRunningError,
  type ExecutionDetails,
  ExecutionNotFoundError,
  type ExecutionStatus,
  type ExecutionSummary,
  type StartedExecution,
  validateExecutionName,
  type WorkflowStarter,
} from '../../src/failover/ports/workflows.ts';
import { type WorkflowFunction, type WorkflowName, workflowNames } from '../../src/workflows/definitions.ts';
import {
  type LocalFunction,
  type LocalWorkflowResult,
  runLocalWorkflow,
  type WorkflowEvent,
} from './local-workflow-runner.ts';

const PREFIX = 'arn:aws:states:eu-west-1:123456789012';

/** The state machine ARN the local runner stands for (its executions get `...:execution:eks-dr-<w>:<name>`). */
export function localStateMachineArn(workflow: WorkflowName): string {
  return `${PREFIX}:stateMachine:eks-dr-${workflow}`;
}

/** Options of a LocalWorkflowStarter. */
export interface LocalWorkflowStarterOptions {
  /** The functions every run uses, asked for at each start. */
  functions: () => Partial<Record<WorkflowFunction, LocalFunction>>;
  waitMs?: (seconds: number, state: string) => number;
  retryIntervalMs?: number;
  onEvent?: (execution: string, event: WorkflowEvent) => void;
  now?: () => Date;
}

interface LocalExecution {
  summary: ExecutionSummary;
  input: unknown;
  done: Promise<LocalWorkflowResult>;
  result?: LocalWorkflowResult;
}

/** WorkflowStarter that runs the ASL files locally; every execution name of a state machine is used once. */
export class LocalWorkflowStarter implements WorkflowStarter {
  readonly #options: LocalWorkflowStarterOptions;
  readonly #executions = new Map<string, LocalExecution>();

  constructor(options: LocalWorkflowStarterOptions) {
    this.#options = options;
  }

  /** Starts the run in the background; a name already used rejects with ExecutionAlreadyRunningError. */
  async startExecution(stateMachineArn: string, name: string, input: unknown): Promise<StartedExecution> {
    const workflow = workflowOf(stateMachineArn);
    validateExecutionName(name);
    const executionArn = `${PREFIX}:execution:eks-dr-${workflow}:${name}`;
    if (this.#executions.has(executionArn)) throw new ExecutionAlreadyRunningError(name, executionArn);
    const startDate = (this.#options.now ?? (() => new Date()))();
    const summary: ExecutionSummary = { executionArn, stateMachineArn, name, status: 'RUNNING', startDate };
    const done = runLocalWorkflow({
      workflow,
      input,
      functions: this.#options.functions(),
      executionName: name,
      startTime: startDate,
      ...(this.#options.waitMs ? { waitMs: this.#options.waitMs } : {}),
      retryIntervalMs: this.#options.retryIntervalMs ?? 0,
      onEvent: (event) => this.#options.onEvent?.(name, event),
    });
    const execution: LocalExecution = { summary, input, done };
    this.#executions.set(executionArn, execution);
    void done.then((result) => {
      execution.result = result;
      summary.status = result.status satisfies ExecutionStatus;
      summary.stopDate = (this.#options.now ?? (() => new Date()))();
    });
    return { executionArn, startDate };
  }

  async describeExecution(executionArn: string): Promise<ExecutionDetails> {
    const execution = this.#executions.get(executionArn);
    if (!execution) throw new ExecutionNotFoundError(executionArn);
    const result = execution.result;
    return {
      ...execution.summary,
      input: JSON.stringify(execution.input),
      ...(result?.output !== undefined ? { output: JSON.stringify(result.output) } : {}),
      ...(result?.error !== undefined ? { error: result.error } : {}),
      ...(result?.cause !== undefined ? { cause: String(result.cause) } : {}),
    };
  }

  async listRunningExecutions(stateMachineArn: string): Promise<ExecutionSummary[]> {
    return [...this.#executions.values()]
      .map((execution) => execution.summary)
      .filter((summary) => summary.stateMachineArn === stateMachineArn && summary.status === 'RUNNING')
      .map((summary) => ({ ...summary }));
  }

  /** Every execution started so far. */
  get executions(): ExecutionSummary[] {
    return [...this.#executions.values()].map((execution) => ({ ...execution.summary }));
  }

  /** The run's result, once it ended. */
  wait(executionArn: string): Promise<LocalWorkflowResult> {
    const execution = this.#executions.get(executionArn);
    if (!execution) return Promise.reject(new ExecutionNotFoundError(executionArn));
    return execution.done;
  }

  /** Resolves once every started run has ended. */
  async idle(): Promise<void> {
    await Promise.all([...this.#executions.values()].map((execution) => execution.done));
  }
}

function workflowOf(stateMachineArn: string): WorkflowName {
  const workflow = workflowNames.find((name) => stateMachineArn === localStateMachineArn(name));
  if (!workflow) throw new Error(`no local workflow for state machine ${stateMachineArn}`);
  return workflow;
}
