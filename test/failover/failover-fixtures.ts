// Shared by the failover tests: a plan built from the plan fixtures, and Step Functions in memory.
import {
  ExecutionAlreadyRunningError,
  type ExecutionDetails,
  ExecutionNotFoundError,
  type ExecutionStatus,
  type ExecutionSummary,
  type StartedExecution,
  type WorkflowStarter,
} from '../../src/failover/ports/workflows.ts';
import { type DrPlan, parsePlan } from '../../src/plan/index.ts';
import { minimalPlan, type RawPlan } from '../plan/plan-fixtures.ts';

export const FAILOVER_ARN = 'arn:aws:states:eu-central-1:111122223333:stateMachine:shop-failover';
export const FAILBACK_ARN = 'arn:aws:states:eu-central-1:111122223333:stateMachine:shop-failback';
export const DRILL_ARN = 'arn:aws:states:eu-central-1:111122223333:stateMachine:shop-drill';
export const BACKUP_ARN = 'arn:aws:states:eu-west-1:111122223333:stateMachine:shop-backup';

/** The minimal plan with `change` applied, validated by the real schema. */
export function aPlan(change: (plan: RawPlan) => void = () => {}): DrPlan {
  const raw = minimalPlan();
  change(raw);
  return parsePlan(raw, 'test-plan.json');
}

interface StoredExecution extends ExecutionSummary {
  input: string;
}

/** WorkflowStarter with Step Functions' name rules: a name is taken for good; same name and input while running returns the running one. */
export class InMemoryWorkflows implements WorkflowStarter {
  readonly executions: StoredExecution[] = [];
  startCalls = 0;

  async startExecution(stateMachineArn: string, name: string, input: unknown): Promise<StartedExecution> {
    this.startCalls += 1;
    const body = JSON.stringify(input ?? {});
    const existing = this.executions.find((e) => e.stateMachineArn === stateMachineArn && e.name === name);
    if (existing) {
      if (existing.status === 'RUNNING' && existing.input === body) {
        return { executionArn: existing.executionArn, startDate: existing.startDate };
      }
      throw new ExecutionAlreadyRunningError(name, existing.executionArn);
    }
    const execution: StoredExecution = {
      executionArn: `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`,
      stateMachineArn,
      name,
      status: 'RUNNING',
      startDate: new Date(),
      input: body,
    };
    this.executions.push(execution);
    return { executionArn: execution.executionArn, startDate: execution.startDate };
  }

  async describeExecution(executionArn: string): Promise<ExecutionDetails> {
    const found = this.executions.find((e) => e.executionArn === executionArn);
    if (!found) throw new ExecutionNotFoundError(executionArn);
    return { ...found };
  }

  async listRunningExecutions(stateMachineArn: string): Promise<ExecutionSummary[]> {
    return this.executions
      .filter((e) => e.stateMachineArn === stateMachineArn && e.status === 'RUNNING')
      .map(({ input: _input, ...summary }) => summary);
  }

  /** Marks an execution finished (or aborted, timed out...), as the state machine would. */
  finish(executionArn: string, status: Exclude<ExecutionStatus, 'RUNNING'> = 'SUCCEEDED'): void {
    const found = this.executions.find((e) => e.executionArn === executionArn);
    if (found) found.status = status;
  }
}
