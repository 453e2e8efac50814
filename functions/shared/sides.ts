// Which region and cluster each side of the plan names: one place, so adapters and handlers agree.
import type { DrPlan } from '../../src/plan/index.ts';
import type { Side } from './envelope.ts';

/** The region of one side of the plan. */
export function regionOf(plan: DrPlan, side: Side): string {
  return side === 'primary' ? plan.primary.region : plan.dr.region;
}

/** The cluster name of one side of the plan. */
export function clusterNameOf(plan: DrPlan, side: Side): string {
  return side === 'primary' ? plan.primary.clusterName : plan.dr.clusterName;
}

/** The side a run copies to from `side`. */
export function otherSide(side: Side): Side {
  return side === 'primary' ? 'dr' : 'primary';
}
