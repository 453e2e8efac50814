// The rules every recovery and the trigger apply to the plan's recovery ledger: how long a claim holds, and
// which runs the active side rules out. In one place, so the guard and the trigger say the same thing.
import type { ActiveSide, LedgerWorkflow, RecoveryClaim } from './ports/recovery-ledger.ts';

/**
 * How long a claim holds without a release. Longer than any recovery state machine may run (TimeoutSeconds,
 * 6 h; test/statemachines checks it), so a lease never expires under a running holder; a holder that ended
 * without releasing (aborted, timed out) is taken over at once, after Step Functions says it stopped.
 */
export const RECOVERY_LEASE_SECONDS = 7 * 60 * 60;

/** Why the active side rules this run out, or undefined when it may proceed. */
export function activeSideConflict(
  workflow: LedgerWorkflow,
  active: ActiveSide,
  planName: string,
): string | undefined {
  const since =
    active.since !== null ? ` since ${active.since}, by ${active.executionName ?? 'an unnamed run'}` : '';
  if (active.side === 'dr' && workflow === 'failover') {
    return `DR already active: DR has served plan ${planName}${since}; fail back before failing over again`;
  }
  if (active.side === 'dr' && workflow === 'drill') {
    return `DR already active: DR has served plan ${planName}${since}; a drill would restore into the cluster serving traffic`;
  }
  if (active.side === 'primary' && workflow === 'failback') {
    const when = active.since !== null ? since : ' (no failover was ever recorded)';
    return `primary already active: the primary has served plan ${planName}${when}; there is nothing to fail back`;
  }
  return undefined;
}

/** Why a run does not proceed while another execution holds the plan. */
export function heldBy(holder: RecoveryClaim, planName: string): string {
  return `${holder.workflow} ${holder.name} is recovering plan ${planName} (claimed ${holder.claimedAt}); one recovery runs at a time`;
}
