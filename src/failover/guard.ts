// The first step of every recovery workflow: the execution input is checked against the deployed plan, then
// the plan's recovery ledger decides whether this run proceeds, all before anything changes. Of overlapping
// recoveries exactly one holds the claim; the others end as not run, which is an outcome, not a failure.
import {
  type DrPlan,
  type ExistingResourcePolicy,
  failbackSettingsOf,
  InvalidExecutionInputError,
  parseExecutionInput,
} from '../plan/index.ts';
import type { Now } from '../util/clock.ts';
import type {
  ClaimRequest,
  ClaimResult,
  LedgerExecution,
  RecoveryClaim,
  RecoveryLedger,
} from './ports/recovery-ledger.ts';
import { ExecutionNotFoundError, type WorkflowStarter } from './ports/workflows.ts';
import { activeSideConflict, heldBy, RECOVERY_LEASE_SECONDS } from './recovery-rules.ts';
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
  /** This execution's ARN: the holder of the claim when it proceeds. */
  executionId: string;
}

/** The settings the rest of the workflow runs with. */
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
  /** Failback only: delete from the primary what DR deleted (else it is only reported). */
  removeDeletedInDr?: boolean;
  /** Restore an unsigned backup (execution input `allowUnsigned`); absent: unsigned backups are refused. */
  allowUnsigned?: boolean;
  drill: boolean;
  /** DNS moves in this run (a failover or failback with records in the plan). */
  dnsCutover: boolean;
  reason: string | null;
  /** What started the run, when the trigger did. */
  trigger?: TriggerInfo;
}

/** Why a run does not proceed; `holder` is the execution holding the plan, when that is why. */
export interface NotRun {
  reason: string;
  holder?: RecoveryClaim;
}

/** The Guard's answer, written to `steps.guard.result`: the settings, and whether the run proceeds. */
export interface GuardResult extends GuardSettings {
  proceed: boolean;
  notRun?: NotRun;
}

/** Collaborators of WorkflowGuard. */
export interface WorkflowGuardDependencies {
  plan: DrPlan;
  /** Tells whether the execution holding the claim still runs. */
  workflows: Pick<WorkflowStarter, 'describeExecution'>;
  ledger: RecoveryLedger;
  now: Now;
}

/** Validates a recovery execution's input, then lets it proceed only while it alone holds the plan. */
export class WorkflowGuard {
  readonly #deps: WorkflowGuardDependencies;

  constructor(deps: WorkflowGuardDependencies) {
    this.#deps = deps;
  }

  /** The effective settings and whether the run proceeds; InvalidExecutionInputError on bad input. */
  async check(request: GuardRequest): Promise<GuardResult> {
    const { plan, ledger } = this.#deps;
    const settings = effectiveSettings(request.workflow, request.input, plan);
    const execution: LedgerExecution = {
      name: request.executionName,
      arn: request.executionId,
      workflow: request.workflow,
      startedAt: request.executionStartTime,
    };
    // Before claiming, so a run the side rules out never holds the plan and blocks one that should run.
    const before = await this.#sideConflict(request.workflow);
    if (before !== undefined) return { ...settings, proceed: false, notRun: { reason: before } };
    const claim = await this.#claim(execution);
    if (!claim.claimed) {
      const reason = heldBy(claim.holder, plan.name);
      return { ...settings, proceed: false, notRun: { reason, holder: claim.holder } };
    }
    // Again under the claim: the side only changes while a claim is held, and a holder records it before it
    // releases, so a recovery that finished between the first read and the claim is seen here.
    const after = await this.#sideConflict(request.workflow);
    if (after !== undefined) {
      await ledger.release(plan.name, execution.arn);
      return { ...settings, proceed: false, notRun: { reason: after } };
    }
    return { ...settings, proceed: true };
  }

  async #sideConflict(workflow: RecoveryWorkflow): Promise<string | undefined> {
    const { plan, ledger } = this.#deps;
    return activeSideConflict(workflow, await ledger.activeSide(plan.name), plan.name);
  }

  /** Claims the plan, taking it over from a holder that stopped without releasing. */
  async #claim(execution: LedgerExecution): Promise<ClaimResult> {
    const { plan, ledger, now } = this.#deps;
    const request: ClaimRequest = {
      plan: plan.name,
      execution,
      leaseSeconds: RECOVERY_LEASE_SECONDS,
      now: now(),
    };
    const first = await ledger.claim(request);
    if (first.claimed || (await this.#stillRuns(first.holder.arn))) return first;
    return ledger.takeOver({ ...request, staleHolderArn: first.holder.arn });
  }

  async #stillRuns(executionArn: string): Promise<boolean> {
    try {
      const { status } = await this.#deps.workflows.describeExecution(executionArn);
      // A redrive is about to run the execution again, from the state that failed, past its guard.
      return status === 'RUNNING' || status === 'PENDING_REDRIVE';
    } catch (error) {
      if (error instanceof ExecutionNotFoundError) return false;
      throw error;
    }
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
  if (workflow !== 'failback' && 'removeDeletedInDr' in rest) {
    throw new InvalidExecutionInputError([
      { path: 'removeDeletedInDr', message: 'only applies to failback, which brings DR back to the primary' },
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
    // Failback's own default (`update`): what changed in DR replaces the primary's.
    existingResourcePolicy:
      workflow === 'failback' && rest.existingResourcePolicy === undefined
        ? failbackSettingsOf(plan).existingResourcePolicy
        : parsed.existingResourcePolicy,
    ...(workflow === 'failback'
      ? {
          removeDeletedInDr:
            typeof rest.removeDeletedInDr === 'boolean'
              ? rest.removeDeletedInDr
              : failbackSettingsOf(plan).removeDeletedInDr,
        }
      : {}),
    ...(rest.allowUnsigned === true ? { allowUnsigned: true } : {}),
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
