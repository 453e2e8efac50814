import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  type ExecutionListItem,
  ListExecutionsCommand,
  type SFNClient,
  StartExecutionCommand,
  type StartExecutionCommandOutput,
} from '@aws-sdk/client-sfn';
import {
  ExecutionAlreadyRunningError,
  type ExecutionDetails,
  ExecutionInputRejectedError,
  ExecutionNotFoundError,
  type ExecutionStatus,
  type ExecutionSummary,
  InvalidExecutionNameError,
  InvalidWorkflowArnError,
  type StartedExecution,
  StateMachineNotFoundError,
  validateExecutionName,
  type WorkflowStarter,
} from '../failover/ports/workflows.ts';
import { awsErrorCode, errorMessage, unexpectedAwsError } from './errors.ts';

/** Step Functions refuses execution input larger than this many UTF-8 bytes. */
export const MAX_EXECUTION_INPUT_BYTES = 256 * 1024;

const STATE_MACHINE_ARN =
  /^(arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}):stateMachine:([A-Za-z0-9_-]{1,80})(:[A-Za-z0-9_-]+)?$/;
const EXECUTION_ARN =
  /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:(execution|express):[A-Za-z0-9_-]{1,80}:[^:\s]{1,80}(:[^:\s]+)?$/;
const STATUSES: readonly ExecutionStatus[] = [
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'ABORTED',
  'PENDING_REDRIVE',
];

/** WorkflowStarter over Step Functions (StartExecution, DescribeExecution, ListExecutions). */
export class SfnWorkflows implements WorkflowStarter {
  constructor(private readonly sfn: SFNClient) {}

  /** Starts an execution; a taken name becomes ExecutionAlreadyRunningError naming the existing execution. */
  async startExecution(stateMachineArn: string, name: string, input: unknown): Promise<StartedExecution> {
    const match = STATE_MACHINE_ARN.exec(stateMachineArn);
    if (!match) throw new InvalidWorkflowArnError(stateMachineArn, 'not a state machine ARN');
    validateExecutionName(name);
    const body = serialiseInput(name, input);
    let out: StartExecutionCommandOutput;
    try {
      out = await this.sfn.send(new StartExecutionCommand({ stateMachineArn, name, input: body }));
    } catch (error) {
      switch (awsErrorCode(error)) {
        case 'ExecutionAlreadyExists':
          throw new ExecutionAlreadyRunningError(name, `${match[1]}:execution:${match[2]}:${name}`, {
            cause: error,
          });
        case 'StateMachineDoesNotExist':
        case 'StateMachineDeleting':
          throw new StateMachineNotFoundError(stateMachineArn, { cause: error });
        case 'InvalidArn':
          throw new InvalidWorkflowArnError(stateMachineArn, errorMessage(error), { cause: error });
        case 'InvalidName':
          throw new InvalidExecutionNameError(name, errorMessage(error), { cause: error });
        case 'InvalidExecutionInput':
          throw new ExecutionInputRejectedError(name, errorMessage(error), { cause: error });
        default:
          throw unexpectedAwsError('Step Functions', 'StartExecution', stateMachineArn, error);
      }
    }
    if (!out.executionArn || !out.startDate) {
      throw new Error(
        `state machine ${stateMachineArn}: StartExecution returned no execution ARN or start date`,
      );
    }
    return { executionArn: out.executionArn, startDate: out.startDate };
  }

  /** Status, input, output and failure of one execution. */
  async describeExecution(executionArn: string): Promise<ExecutionDetails> {
    if (!EXECUTION_ARN.test(executionArn))
      throw new InvalidWorkflowArnError(executionArn, 'not an execution ARN');
    let out: DescribeExecutionCommandOutput;
    try {
      out = await this.sfn.send(new DescribeExecutionCommand({ executionArn }));
    } catch (error) {
      switch (awsErrorCode(error)) {
        case 'ExecutionDoesNotExist':
          throw new ExecutionNotFoundError(executionArn, { cause: error });
        case 'InvalidArn':
          throw new InvalidWorkflowArnError(executionArn, errorMessage(error), { cause: error });
        default:
          throw unexpectedAwsError('Step Functions', 'DescribeExecution', executionArn, error);
      }
    }
    return {
      ...summary(out, executionArn),
      ...(out.input !== undefined ? { input: out.input } : {}),
      ...(out.output !== undefined ? { output: out.output } : {}),
      ...(out.error !== undefined ? { error: out.error } : {}),
      ...(out.cause !== undefined ? { cause: out.cause } : {}),
    };
  }

  /** Every RUNNING execution of the state machine, all pages. */
  async listRunningExecutions(stateMachineArn: string): Promise<ExecutionSummary[]> {
    if (!STATE_MACHINE_ARN.test(stateMachineArn)) {
      throw new InvalidWorkflowArnError(stateMachineArn, 'not a state machine ARN');
    }
    const running: ExecutionSummary[] = [];
    let nextToken: string | undefined;
    do {
      try {
        const out = await this.sfn.send(
          new ListExecutionsCommand({
            stateMachineArn,
            statusFilter: 'RUNNING',
            maxResults: 1000,
            nextToken,
          }),
        );
        for (const item of out.executions ?? []) running.push(summary(item, stateMachineArn));
        nextToken = out.nextToken;
      } catch (error) {
        switch (awsErrorCode(error)) {
          case 'StateMachineDoesNotExist':
            throw new StateMachineNotFoundError(stateMachineArn, { cause: error });
          case 'InvalidArn':
            throw new InvalidWorkflowArnError(stateMachineArn, errorMessage(error), { cause: error });
          default:
            throw unexpectedAwsError('Step Functions', 'ListExecutions', stateMachineArn, error);
        }
      }
    } while (nextToken);
    return running;
  }
}

function serialiseInput(name: string, input: unknown): string {
  let body: string | undefined;
  try {
    if (typeof input === 'string') {
      JSON.parse(input);
      body = input;
    } else body = JSON.stringify(input ?? {});
  } catch (error) {
    throw new ExecutionInputRejectedError(name, 'is not JSON', { cause: error });
  }
  if (body === undefined) throw new ExecutionInputRejectedError(name, 'cannot be serialised to JSON');
  const bytes = Buffer.byteLength(body);
  if (bytes > MAX_EXECUTION_INPUT_BYTES) {
    throw new ExecutionInputRejectedError(
      name,
      `${bytes} bytes exceed Step Functions' ${MAX_EXECUTION_INPUT_BYTES}`,
    );
  }
  return body;
}

function summary(
  item: ExecutionListItem | DescribeExecutionCommandOutput,
  context: string,
): ExecutionSummary {
  const status = item.status as ExecutionStatus | undefined;
  if (
    !item.executionArn ||
    !item.stateMachineArn ||
    !item.startDate ||
    !status ||
    !STATUSES.includes(status)
  ) {
    throw new Error(
      `${context}: Step Functions returned an incomplete execution (${String(item.executionArn)})`,
    );
  }
  return {
    executionArn: item.executionArn,
    stateMachineArn: item.stateMachineArn,
    name: item.name ?? item.executionArn.split(':').at(-1) ?? '',
    status,
    startDate: item.startDate,
    ...(item.stopDate ? { stopDate: item.stopDate } : {}),
  };
}
