// The recovery ledger in memory, with the conditions of the DynamoDB adapter: each call reads and writes in
// one synchronous step, as a conditional PutItem or DeleteItem is atomic, so concurrent guards race here as
// they would against the table.
import {
  type ActiveSide,
  type ActiveSideRecord,
  type ClaimRequest,
  type ClaimResult,
  claimOf,
  NEVER_RECORDED,
  type RecoveryClaim,
  type RecoveryLedger,
  validateClaim,
} from '../../src/failover/ports/recovery-ledger.ts';

/** RecoveryLedger over two maps: the claim and the active side of each plan. */
export class SandboxRecoveryLedger implements RecoveryLedger {
  readonly #claims = new Map<string, RecoveryClaim>();
  readonly #sides = new Map<string, ActiveSideRecord>();

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    validateClaim(request);
    const current = this.#claims.get(request.plan);
    const free =
      current === undefined ||
      Date.parse(current.leaseExpiresAt) < request.now.getTime() ||
      current.arn === request.execution.arn;
    return this.#write(request, free, current);
  }

  async takeOver(request: ClaimRequest & { staleHolderArn: string }): Promise<ClaimResult> {
    validateClaim(request);
    const current = this.#claims.get(request.plan);
    const free =
      current === undefined ||
      current.arn === request.staleHolderArn ||
      current.arn === request.execution.arn;
    return this.#write(request, free, current);
  }

  async release(plan: string, executionArn: string): Promise<void> {
    if (this.#claims.get(plan)?.arn === executionArn) this.#claims.delete(plan);
  }

  async activeSide(plan: string): Promise<ActiveSide> {
    const record = this.#sides.get(plan);
    return record ? { ...record } : { ...NEVER_RECORDED };
  }

  async recordActiveSide(plan: string, record: ActiveSideRecord): Promise<void> {
    this.#sides.set(plan, { ...record });
  }

  /** The plan's claim as stored, for tests and the demo. */
  claimOf(plan: string): RecoveryClaim | undefined {
    const claim = this.#claims.get(plan);
    return claim ? { ...claim } : undefined;
  }

  #write(request: ClaimRequest, free: boolean, current: RecoveryClaim | undefined): ClaimResult {
    if (!free && current) return { claimed: false, holder: { ...current } };
    this.#claims.set(request.plan, claimOf(request));
    return { claimed: true };
  }
}
