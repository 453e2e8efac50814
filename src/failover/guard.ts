// The first step of every recovery workflow: the execution input is checked against the deployed plan and
// a second concurrent run of a conflicting workflow is refused, all before anything changes.
import {
  type DrPlan,
  type ExistingResourcePolicy,
  InvalidExecutionInputError,
  parseExecutionInput,
} from '../plan/index.ts';
import { WorkflowAlreadyRunningError } from './errors.ts';
import type { WorkflowStarter } from './ports/workflows.ts';
import { type TriggerInfo, triggerInfoSchema } from './trigger.ts';

/** The recovery workflows; any two of the same plan must not run at once. */
export type RecoveryWorkflow = 'failover' | 'failback' | 'drill';

/** What every Task receives from the state machine (statemachines/README.md). */
export interface WorkflowEnvelope {
  executionName: string;
  executionStartTime: string;
  input: unknown;
  steps?: Record<string, unknown>;
}

/** The Guard Task's envelope. */
export interface GuardRequest extends WorkflowEnvelope {
  workflow: RecoveryWorkflow;
  /** This execution's ARN, left out of the running-execution check. */
  executionId: string;
}

/** The settings the rest of the workflow runs with; written to `steps.guard.result`. */
export interface GuardSettings {
  workflow: RecoveryWorkflow;
  planName: string;
  approvalRequired: boolean;
  /** Drill only: remove what was restored and scale back to pilot light at the end. */
  cleanup: boolean;
  /** The backup to restore; absent means the newest verified one. */
  backupName?: string;
  /** Source → target namespaces; absent means none. */
  namespaceMapping?: Record<string, string>;
  existingResourcePolicy: ExistingResourcePolicy;
  drill: boolean;
  /** DNS moves in this run (a failover or failback with records in the plan). */
  dnsCutover: boolean;
  reason: string | null;
  /** What started the run, when the trigger did. */
  trigger?: TriggerInfo;
}

/** Collaborators of WorkflowGuard. */
export interface WorkflowGuardDependencies {
  plan: DrPlan;
  workflows: WorkflowStarter;
  /** Every state machine of the plan that conflicts with this one: failover, failback and drill. */
  conflictingStateMachineArns: readonly string[];
}

/** Validates a recovery execution's input and refuses to run beside another recovery of the same plan. */
export class WorkflowGuard {
  readonly #deps: WorkflowGuardDependencies;

  constructor(deps: WorkflowGuardDependencies) {
    this.#deps = deps;
  }

  /** The effective settings; InvalidExecutionInputError or WorkflowAlreadyRunningError otherwise. */
  async check(request: GuardRequest): Promise<GuardSettings> {
    const settings = effectiveSettings(request.workflow, request.input, this.#deps.plan);
    for (const arn of this.#deps.conflictingStateMachineArns) {
      const running = await this.#deps.workflows.listRunningExecutions(arn);
      const other = running.find(
        (execution) => execution.status === 'RUNNING' && execution.executionArn !== request.executionId,
      );
      if (other) throw new WorkflowAlreadyRunningError(request.workflow, other.executionArn);
    }
    return settings;
  }
}

/**
 * Merges the execution input with the plan for one workflow. The input's `trigger` (set by the trigger
 * function) is read here; the rest goes through the plan's execution-input schema. An operator may skip
 * approval from the console (starting the run is the approval, a reason is required); a run started by an
 * alarm always honours the plan's approval setting.
 */
export function effectiveSettings(workflow: RecoveryWorkflow, input: unknown, plan: DrPlan): GuardSettings {
  const { trigger, rest } = splitTrigger(input);
  if (trigger !== undefined && 'skipApproval' in rest) {
    throw new InvalidExecutionInputError([
      {
        path: 'skipApproval',
        message: 'is not allowed in a triggered run: it honours failover.approvalRequired',
      },
    ]);
  }
  if (workflow === 'failover' && rest.drill === true) {
    throw new InvalidExecutionInputError([
      { path: 'drill', message: 'start the drill workflow for a drill; the failover workflow moves DNS' },
    ]);
  }
  if (workflow === 'drill' && rest.drill === false) {
    throw new InvalidExecutionInputError([
      { path: 'drill', message: 'must be true or absent in the drill workflow' },
    ]);
  }
  if (workflow === 'failback') {
    for (const field of ['backupName', 'namespaceMapping', 'drill', 'cleanup'] as const) {
      if (field in rest) {
        throw new InvalidExecutionInputError([
          {
            path: field,
            message: 'does not apply to failback, which restores a fresh snapshot of the DR cluster',
          },
        ]);
      }
    }
  }
  const parsed = parseExecutionInput(workflow === 'drill' ? { ...rest, drill: true } : rest, plan);
  const drill = parsed.kind === 'drill';
  const mapping =
    Object.keys(parsed.namespaceMapping).length > 0 ? { ...parsed.namespaceMapping } : undefined;
  const approvalRequired =
    workflow === 'failback'
      ? plan.failover.approvalRequired && rest.skipApproval !== true
      : parsed.approvalRequired;
  return {
    workflow,
    planName: plan.name,
    approvalRequired,
    cleanup: parsed.cleanup,
    ...(parsed.backupName !== null ? { backupName: parsed.backupName } : {}),
    ...(mapping ? { namespaceMapping: mapping } : {}),
    existingResourcePolicy: parsed.existingResourcePolicy,
    drill,
    dnsCutover: workflow === 'failback' ? plan.dns !== undefined : parsed.dnsCutover,
    reason: parsed.reason,
    ...(trigger ? { trigger } : {}),
  };
}

function splitTrigger(input: unknown): { trigger?: TriggerInfo; rest: Record<string, unknown> } {
  if (input === undefined || input === null) return { rest: {} };
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new InvalidExecutionInputError([{ path: '(root)', message: 'expected an object such as {}' }]);
  }
  const { trigger, ...rest } = input as Record<string, unknown>;
  if (trigger === undefined) return { rest };
  const result = triggerInfoSchema.safeParse(trigger);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = ['trigger', ...(issue?.path ?? []).map(String)].join('.');
    throw new InvalidExecutionInputError([{ path, message: issue?.message ?? 'invalid' }], {
      cause: result.error,
    });
  }
  return { trigger: result.data, rest };
}
