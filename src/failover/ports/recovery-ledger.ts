// The plan's recovery ledger: which execution may run a recovery of the plan now (one claim per plan, with a
// lease), and which side serves the plan's traffic (the active side). Every recovery workflow claims before
// it changes anything and releases when it reports; the DNS step records the side it moved traffic to. The
// DynamoDB table is the ledger on AWS (src/aws/dynamodb-recovery-ledger.ts), an in-memory map in the sandbox.

/** The recovery workflows a claim may be held by. */
export type LedgerWorkflow = 'failover' | 'failback' | 'drill';

/** A side of the plan. */
export type LedgerSide = 'primary' | 'dr';

/** The execution that claims (or holds) the plan. */
export interface LedgerExecution {
  name: string;
  arn: string;
  workflow: LedgerWorkflow;
  /** ISO start time of the execution. */
  startedAt: string;
}

/** The claim as the ledger holds it. */
export interface RecoveryClaim extends LedgerExecution {
  /** ISO time the claim was made (or taken over). */
  claimedAt: string;
  /** ISO time after which another execution may claim without asking whether this one still runs. */
  leaseExpiresAt: string;
}

/** A claim request. */
export interface ClaimRequest {
  plan: string;
  execution: LedgerExecution;
  /** How long the claim holds without a release; longer than any recovery may run. */
  leaseSeconds: number;
  now: Date;
}

/** Either this execution holds the plan's claim now, or another one does. */
export type ClaimResult = { claimed: true } | { claimed: false; holder: RecoveryClaim };

/** Which side serves the plan; `since` and `executionName` are null when no recovery ever recorded one. */
export interface ActiveSide {
  side: LedgerSide;
  since: string | null;
  executionName: string | null;
}

/** What a recovery records once traffic moved. */
export interface ActiveSideRecord {
  side: LedgerSide;
  /** ISO time the DNS change was accepted. */
  since: string;
  executionName: string;
}

/** One claim per plan, and the plan's active side. Every write is conditional where two executions may race. */
export interface RecoveryLedger {
  /**
   * Claims the plan for the execution: succeeds when no claim exists, when the claim's lease expired, or when
   * the execution itself holds it (a retried guard); otherwise answers the holder.
   */
  claim(request: ClaimRequest): Promise<ClaimResult>;
  /** Removes the execution's claim; another execution's claim stays, and a missing one is fine. */
  release(plan: string, executionArn: string): Promise<void>;
  /**
   * Replaces the claim of `staleHolderArn` (an execution no longer running, which will never release), or
   * claims when there is none; answers the holder when a third execution got there first.
   */
  takeOver(request: ClaimRequest & { staleHolderArn: string }): Promise<ClaimResult>;
  /** The side serving the plan; the primary when nothing was ever recorded. */
  activeSide(plan: string): Promise<ActiveSide>;
  recordActiveSide(plan: string, record: ActiveSideRecord): Promise<void>;
}

/** The active side before any recovery recorded one. */
export const NEVER_RECORDED: ActiveSide = { side: 'primary', since: null, executionName: null };

/** A claim request the ledger cannot store: an empty plan or execution, a lease that is not positive. */
export class InvalidClaimError extends Error {
  constructor(
    readonly field: string,
    detail: string,
    options: { cause?: unknown } = {},
  ) {
    super(`recovery claim ${field}: ${detail}`, options);
    this.name = 'InvalidClaimError';
  }
}

/** A ledger item that is not what the ledger writes (edited by hand, or by another version). */
export class InvalidLedgerRecordError extends Error {
  constructor(
    readonly key: string,
    readonly field: string,
    detail: string,
    options: { cause?: unknown } = {},
  ) {
    super(`recovery ledger item ${JSON.stringify(key)}: ${field} ${detail}`, options);
    this.name = 'InvalidLedgerRecordError';
  }
}

/** Throws InvalidClaimError unless the request names a plan and an execution and holds a positive lease. */
export function validateClaim(request: ClaimRequest): void {
  if (!request.plan) throw new InvalidClaimError('plan', 'must not be empty');
  for (const field of ['name', 'arn', 'workflow', 'startedAt'] as const) {
    if (!request.execution[field]) throw new InvalidClaimError(`execution.${field}`, 'must not be empty');
  }
  if (!Number.isFinite(request.leaseSeconds) || request.leaseSeconds <= 0) {
    throw new InvalidClaimError('leaseSeconds', `${String(request.leaseSeconds)} must be a positive number`);
  }
  if (Number.isNaN(request.now.getTime())) throw new InvalidClaimError('now', 'is not a valid date');
}

/** The claim a request stores. */
export function claimOf(request: ClaimRequest): RecoveryClaim {
  return {
    ...request.execution,
    claimedAt: request.now.toISOString(),
    leaseExpiresAt: new Date(request.now.getTime() + request.leaseSeconds * 1000).toISOString(),
  };
}
