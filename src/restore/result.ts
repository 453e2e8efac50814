import type { SignatureStatus } from '../archive/signing.ts';
import * as z from '../util/zod.ts';
import { volumeRestoreBatchSchema } from '../volumes/step-payloads.ts';
import type { RestoredVolume, VolumeRestoreBatch } from '../volumes/volume-restore.ts';
import type { ExcludedObject, PlanLine } from './planner.ts';
import type { ReplacedVolume } from './volume-replacement.ts';

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
  /** A PersistentVolume deleted and created again on its restored volume, the old volume retained. */
  replacedVolume?: ReplacedVolume;
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

/** What a DR restore (DrRestore) carries from one chunk to the next: the volume stage, then the objects'. */
export interface DrRestoreState {
  stage: 'volumes' | 'objects';
  /** DR volumes being made, while the volume stage waits for them. */
  volumeBatch?: VolumeRestoreBatch;
  /** PV name → its DR volume, once every one is available. */
  volumeMapping: Record<string, RestoredVolume>;
  /** Where the objects' restore stopped. */
  restore?: RestoreContinuation;
  /** Namespaces written into, and those of them and the PVs this restore created (a drill's cleanup). */
  namespaces: string[];
  createdNamespaces: string[];
  createdPersistentVolumes: string[];
  /** PVs replaced onto their restored volume, each old volume retained (a failback's report names them). */
  replacedVolumes: ReplacedVolume[];
  /** Chunks in a row that applied nothing. */
  stalls: number;
}

const whole = () => z.number().check(z.int(), z.nonnegative());
const totalsSchema = z.object({
  planned: whole(),
  created: whole(),
  updated: whole(),
  skippedExists: whole(),
  failed: whole(),
  excluded: whole(),
});
const outcomeSchema = z.object({
  index: whole(),
  groupResource: z.string(),
  namespace: z.optional(z.string()),
  name: z.string(),
  outcome: z.enum(['created', 'updated', 'skipped-exists', 'failed']),
  message: z.optional(z.string()),
});

/** A RestoreContinuation handed back through Step Functions. */
export const restoreContinuationSchema: z.ZodMiniType<RestoreContinuation> = z.object({
  backupName: z.string(),
  restoreId: z.string(),
  fingerprint: z.string(),
  nextIndex: whole(),
  totals: totalsSchema,
  failures: z.array(outcomeSchema),
  failuresOmitted: whole(),
});

/** A DrRestoreState handed back through Step Functions; `{ stage: 'volumes' }` is a new restore's. */
export const drRestoreStateSchema: z.ZodMiniType<DrRestoreState, unknown> = z.object({
  stage: z.enum(['volumes', 'objects']),
  volumeBatch: z.optional(volumeRestoreBatchSchema),
  volumeMapping: z._default(
    z.record(z.string(), z.object({ volumeId: z.string(), availabilityZone: z.string() })),
    {},
  ),
  restore: z.optional(restoreContinuationSchema),
  namespaces: z._default(z.array(z.string()), []),
  createdNamespaces: z._default(z.array(z.string()), []),
  createdPersistentVolumes: z._default(z.array(z.string()), []),
  replacedVolumes: z._default(
    z.array(
      z.object({
        persistentVolume: z.string(),
        retainedVolumeId: z.optional(z.string()),
        volumeId: z.optional(z.string()),
        claim: z.optional(z.string()),
      }),
    ),
    [],
  ),
  stalls: z._default(whole(), 0),
});

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
  /** The backup's signature as judged before the first write; absent when the restorer checks none. */
  signature?: SignatureStatus;
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
