import type { ExcludedObject, PlanLine } from './planner.ts';

/** What happened to one object. */
export type ObjectOutcomeKind = 'created' | 'updated' | 'skipped-exists' | 'failed';

/** The outcome of one planned object, with the API's message when it failed. */
export interface ObjectOutcome {
  /** Position in the plan. */
  index: number;
  groupResource: string;
  namespace?: string;
  name: string;
  outcome: ObjectOutcomeKind;
  message?: string;
}

/** How a restore (or one chunk of it) ended. */
export type RestorePhase = 'InProgress' | 'Completed' | 'PartiallyFailed' | 'Failed';

/** Counts over the whole restore, across chunks. */
export interface RestoreTotals {
  /** Objects in the plan (what the restore is to apply). */
  planned: number;
  created: number;
  updated: number;
  skippedExists: number;
  failed: number;
  /** Archived objects left out on purpose (never restored, filtered, owned by a controller). */
  excluded: number;
}

/** Where a restore stopped at its deadline; hand it back to `restore` to carry on. */
export interface RestoreContinuation {
  backupName: string;
  restoreId: string;
  /** The plan it belongs to; a different plan (other archive, other options) is refused. */
  fingerprint: string;
  /** Plan entries [0, nextIndex) are done. */
  nextIndex: number;
  totals: RestoreTotals;
  /** Failures so far (the first MAX_REPORTED_FAILURES), so the final report can name them. */
  failures: ObjectOutcome[];
  failuresOmitted: number;
}

/** The report of one `restore` call. */
export interface RestoreResult {
  backupName: string;
  restoreId: string;
  phase: RestorePhase;
  dryRun: boolean;
  totals: RestoreTotals;
  /** Every object this call applied, in plan order. */
  objects: ObjectOutcome[];
  /** Failures of the whole restore (across chunks), at most MAX_REPORTED_FAILURES. */
  failures: ObjectOutcome[];
  failuresOmitted: number;
  excluded: ExcludedObject[];
  /** --dry-run: the whole plan, per object. */
  plan?: PlanLine[];
  /** Present when the call stopped at its deadline with objects left. */
  continuation?: RestoreContinuation;
  /** Why the restore could not run (archive refused, cluster unreachable, ...). */
  error?: { name: string; message: string };
  warnings: string[];
  durationMs: number;
}

/** Failures carried in a continuation and a report; the rest are counted, so a Step Functions payload stays small. */
export const MAX_REPORTED_FAILURES = 100;

/** Empty totals. */
export function emptyTotals(): RestoreTotals {
  return { planned: 0, created: 0, updated: 0, skippedExists: 0, failed: 0, excluded: 0 };
}

/** Completed with no failure; Failed when nothing at all could be applied; PartiallyFailed otherwise. */
export function phaseOf(totals: RestoreTotals, error: unknown): RestorePhase {
  const applied = totals.created + totals.updated + totals.skippedExists;
  if (error !== undefined) return applied > 0 ? 'PartiallyFailed' : 'Failed';
  if (totals.failed === 0) return 'Completed';
  return applied > 0 ? 'PartiallyFailed' : 'Failed';
}

/** Adds one outcome to the totals. */
export function count(totals: RestoreTotals, outcome: ObjectOutcomeKind): void {
  if (outcome === 'created') totals.created += 1;
  else if (outcome === 'updated') totals.updated += 1;
  else if (outcome === 'skipped-exists') totals.skippedExists += 1;
  else totals.failed += 1;
}
