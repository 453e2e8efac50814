import { randomUUID } from 'node:crypto';
import { readBackup } from '../archive/backup-reader.ts';
import type { BackupStore } from '../archive/backup-store.ts';
import type { SignatureStatus, SignatureVerifier } from '../archive/signing.ts';
import type { ArchiveEntry } from '../archive/writer.ts';
import type { ClusterClient } from '../kube/cluster-client.ts';
import { groupResource, type KubeObject } from '../kube/kube-object.ts';
import type { Now } from '../util/clock.ts';
import { isRecord } from '../util/is-record.ts';
import { sleep as realSleep } from '../util/retry.ts';
import { type AppliedObject, type ApplyContext, applyPlannedObject } from './applier.ts';
import { RestoreContinuationMismatchError, UnservableObjectsError } from './errors.ts';
import { type RestoreOptions, resolveRestoreOptions } from './options.ts';
import { type PlannedObject, planLines, planRestore, type RestorePlan, resolvePending } from './planner.ts';
import { CRD_GROUP_RESOURCE } from './restore-order.ts';
import {
  count,
  emptyTotals,
  MAX_REPORTED_FAILURES,
  type ObjectOutcome,
  phaseOf,
  type RestoreContinuation,
  type RestoreResult,
  type RestoreTotals,
} from './result.ts';

/** Objects applied at once within a tier unless the deps say otherwise. */
export const DEFAULT_RESTORE_CONCURRENCY = 16;
/** How long a restored CRD may take to become Established (and served) before its objects fail. */
export const DEFAULT_CRD_ESTABLISH_TIMEOUT_MS = 60_000;
/** How often a CRD's condition and discovery are polled while waiting. */
export const DEFAULT_CRD_POLL_INTERVAL_MS = 250;

/** One restore: which backup, how to map and rewrite it, and where a previous chunk stopped. */
export interface RestoreRequest {
  backupName: string;
  options?: RestoreOptions;
  /** Plan only: verify the archive, resolve every object against the target, write nothing. */
  dryRun?: boolean;
  /** Identifies this restore on the objects it creates. @default a new UUID (or the continuation's) */
  restoreId?: string;
  /** Where a previous call stopped at its deadline. */
  continuation?: RestoreContinuation;
  /** Restore an unsigned backup anyway; the result says it was. @default false */
  allowUnsigned?: boolean;
}

/** Bounds of one `restore` call (a Lambda invocation). */
export interface RestoreRunLimits {
  /** No object is started at or after this time (ms since the epoch, by the deps' clock); in-flight ones finish. */
  deadline?: number;
}

/** The stages of a restore, in order. */
export type RestoreStage = 'Verifying' | 'Planning' | 'WaitingForCrds' | 'Applying' | 'Done';

/** Reported at each stage and after each object; cheap enough to render on every call. */
export interface RestoreProgress {
  stage: RestoreStage;
  /** Plan entries done, this call and earlier ones. */
  done: number;
  total: number;
  totals: RestoreTotals;
  /** The resource being applied. */
  tier?: string;
}

/** Collaborators of a Restorer. */
export interface RestorerDeps {
  client: ClusterClient;
  store: BackupStore;
  /** Judges the backup's signature before anything is read; without it, signatures are not checked. */
  verifier?: SignatureVerifier | undefined;
  /** @default () => new Date() */
  now?: Now;
  /** @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
  onProgress?: (progress: RestoreProgress) => void;
  /** @default DEFAULT_RESTORE_CONCURRENCY */
  concurrency?: number;
  /** @default DEFAULT_CRD_ESTABLISH_TIMEOUT_MS */
  crdEstablishTimeoutMs?: number;
  /** @default DEFAULT_CRD_POLL_INTERVAL_MS */
  crdPollIntervalMs?: number;
}

/**
 * Restores a backup into a cluster, Velero style: the archive is verified before the first write, CRDs
 * go first and are waited on until Established and served, then each tier of the plan is applied with
 * bounded parallelism. Every object gets an outcome; nothing is applied twice across chunks, and a
 * re-run after a crash skips (or updates) what exists and completes the rest.
 */
export class Restorer {
  private readonly client: ClusterClient;
  private readonly store: BackupStore;
  private readonly verifier: SignatureVerifier | undefined;
  private readonly now: Now;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly onProgress: (progress: RestoreProgress) => void;
  private readonly concurrency: number;
  private readonly crdTimeoutMs: number;
  private readonly crdPollMs: number;

  constructor(deps: RestorerDeps) {
    this.client = deps.client;
    this.store = deps.store;
    this.verifier = deps.verifier;
    this.now = deps.now ?? (() => new Date());
    this.sleep = deps.sleep ?? realSleep;
    this.onProgress = deps.onProgress ?? (() => {});
    this.concurrency = deps.concurrency ?? DEFAULT_RESTORE_CONCURRENCY;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) {
      throw new RangeError(`Restorer concurrency must be a positive integer, got ${this.concurrency}`);
    }
    this.crdTimeoutMs = deps.crdEstablishTimeoutMs ?? DEFAULT_CRD_ESTABLISH_TIMEOUT_MS;
    this.crdPollMs = deps.crdPollIntervalMs ?? DEFAULT_CRD_POLL_INTERVAL_MS;
  }

  /**
   * Runs the restore, or its next chunk when `limits.deadline` is given. Invalid options throw
   * InvalidRestoreOptionError before anything is read; every later problem (archive refused, cluster
   * unreachable, a continuation of another plan) ends the result in phase Failed with `error` set.
   */
  async restore(request: RestoreRequest, limits: RestoreRunLimits = {}): Promise<RestoreResult> {
    const options = resolveRestoreOptions(request.options);
    const started = this.now().getTime();
    const continuation = request.continuation;
    const restoreId = continuation?.restoreId ?? request.restoreId ?? randomUUID();
    const totals: RestoreTotals = continuation ? { ...continuation.totals } : emptyTotals();
    const failures: ObjectOutcome[] = continuation ? [...continuation.failures] : [];
    let failuresOmitted = continuation?.failuresOmitted ?? 0;
    const objects: ObjectOutcome[] = [];
    const warnings: string[] = [];
    let signature: SignatureStatus | undefined;
    const report = (extra: Partial<RestoreResult>, error?: unknown): RestoreResult => ({
      backupName: request.backupName,
      restoreId,
      phase: extra.continuation ? 'InProgress' : phaseOf(totals, error),
      dryRun: request.dryRun === true,
      totals,
      objects,
      failures,
      failuresOmitted,
      excluded: [],
      warnings,
      durationMs: this.now().getTime() - started,
      ...(signature ? { signature } : {}),
      ...extra,
      ...(error !== undefined ? { error: describeError(error) } : {}),
    });

    let plan: RestorePlan;
    try {
      this.progress('Verifying', 0, 0, totals);
      const trust = this.verifier
        ? { verifier: this.verifier, allowUnsigned: request.allowUnsigned === true }
        : undefined;
      const archived = await collect(
        readBackup(this.store, request.backupName, {
          ...(trust ? { trust } : {}),
          onSignature: (status) => {
            signature = status;
            if (!status.signed)
              warnings.push(
                `backup ${request.backupName} is unsigned; restored because unsigned backups were allowed`,
              );
          },
        }),
      );
      this.progress('Planning', 0, 0, totals);
      const discovery = await this.client.discover();
      for (const group of discovery.unavailableGroups) {
        warnings.push(`discovery: API group ${group.groupVersion} did not answer: ${group.error}`);
      }
      plan = planRestore(archived, {
        backupName: request.backupName,
        restoreId,
        options,
        targetResources: discovery.resources,
      });
      checkContinuation(continuation, request.backupName, plan);
      refuseUnservable(request.backupName, plan);
    } catch (error) {
      if (error instanceof RestoreContinuationMismatchError) {
        // Its counts describe another plan: this call reports only what it did, which is nothing.
        Object.assign(totals, emptyTotals());
        failures.length = 0;
        failuresOmitted = 0;
      }
      return report({}, error);
    }
    totals.planned = plan.entries.length;
    totals.excluded = plan.excluded.length;
    if (request.dryRun) {
      this.progress('Done', 0, plan.entries.length, totals);
      return report({ excluded: plan.excluded, plan: planLines(plan) });
    }

    let next = continuation?.nextIndex ?? 0;
    let fatal: unknown;
    const record = (outcome: ObjectOutcome) => {
      objects.push(outcome);
      count(totals, outcome.outcome);
      if (outcome.outcome !== 'failed') return;
      if (failures.length < MAX_REPORTED_FAILURES) failures.push(outcome);
      else failuresOmitted += 1;
    };
    const mayStart = () =>
      fatal === undefined && (limits.deadline === undefined || this.now().getTime() < limits.deadline);
    const context: ApplyContext = {
      client: this.client,
      policy: options.existingResourcePolicy,
      restoreId,
      volumeReplace: { now: this.now, sleep: this.sleep },
    };

    let crdsSettled = plan.crdCount === 0;
    try {
      for (const tier of plan.tiers) {
        if (tier.end <= next) continue;
        // Entries after the CRD tier may need what it created: wait once until it is served (again, when resuming).
        if (tier.groupResource !== CRD_GROUP_RESOURCE && !crdsSettled && mayStart()) {
          await this.waitForCrds(plan, next, totals);
          crdsSettled = true;
        }
        next = await this.applyTier(
          plan,
          Math.max(next, tier.start),
          tier.end,
          mayStart,
          context,
          (applied) => {
            record(applied.outcome);
            if (applied.fatal !== undefined) fatal ??= applied.fatal;
            this.progress(
              'Applying',
              objects.length + (continuation?.nextIndex ?? 0),
              plan.entries.length,
              totals,
              tier.groupResource,
            );
          },
        );
        if (next < tier.end) break;
      }
    } catch (error) {
      fatal ??= error;
    }
    objects.sort((a, b) => a.index - b.index);
    failures.sort((a, b) => a.index - b.index);
    if (fatal !== undefined) return report({ excluded: plan.excluded }, fatal);
    this.progress('Done', next, plan.entries.length, totals);
    if (next < plan.entries.length) {
      const resume: RestoreContinuation = {
        backupName: request.backupName,
        restoreId,
        fingerprint: plan.fingerprint,
        nextIndex: next,
        totals: { ...totals },
        failures: [...failures],
        failuresOmitted,
      };
      return report({ excluded: plan.excluded, continuation: resume });
    }
    return report({ excluded: plan.excluded });
  }

  /**
   * Applies entries [start, end) of one tier with bounded parallelism, starting them in order; returns
   * the index of the first entry not started. Every started entry has finished by then, so the entries
   * before it are exactly the ones done: that index is a safe continuation.
   */
  private async applyTier(
    plan: RestorePlan,
    start: number,
    end: number,
    mayStart: () => boolean,
    context: ApplyContext,
    onApplied: (applied: AppliedObject) => void,
  ): Promise<number> {
    let next = start;
    const worker = async () => {
      while (next < end && mayStart()) {
        const entry = plan.entries[next++] as PlannedObject;
        onApplied(await applyPlannedObject(entry, context));
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, end - start) }, worker));
    return next;
  }

  /**
   * Waits until every CRD of the plan that exists in the target is Established, then until discovery
   * serves the resources later entries wait for. Entries still unserved at the timeout fail when reached,
   * naming their CRD; the wait never fails the restore as a whole.
   */
  private async waitForCrds(plan: RestorePlan, from: number, totals: RestoreTotals): Promise<void> {
    const awaiting = plan.entries.slice(from).some((e) => e.resolution.state === 'awaiting-crd');
    if (!awaiting) return;
    this.progress('WaitingForCrds', from, plan.entries.length, totals);
    const waitUntil = this.now().getTime() + this.crdTimeoutMs;
    const discovery = await this.client.discover();
    if (resolvePending(plan, discovery.resources, from) === 0) return;
    const crdResource = discovery.resources.find((r) => groupResource(r) === CRD_GROUP_RESOURCE);
    if (crdResource === undefined) return;
    const pendingCrds = new Set(plan.entries.slice(0, plan.crdCount).map((e) => e.name));
    while (pendingCrds.size > 0 && this.now().getTime() < waitUntil) {
      for (const name of [...pendingCrds]) {
        const live = await this.client.get(crdResource, undefined, name);
        // A CRD that is not there failed to be created; its objects will say so.
        if (live === undefined || isEstablished(live)) pendingCrds.delete(name);
      }
      if (pendingCrds.size > 0) await this.sleep(this.crdPollMs);
    }
    // Established and served are two steps on a real API server: discovery may lag the condition.
    for (;;) {
      const refreshed = await this.client.discover();
      if (resolvePending(plan, refreshed.resources, from) === 0 || this.now().getTime() >= waitUntil) return;
      await this.sleep(this.crdPollMs);
    }
  }

  private progress(
    stage: RestoreStage,
    done: number,
    total: number,
    totals: RestoreTotals,
    tier?: string,
  ): void {
    this.onProgress({ stage, done, total, totals: { ...totals }, ...(tier !== undefined ? { tier } : {}) });
  }
}

function isEstablished(crd: KubeObject): boolean {
  const conditions = crd.status?.conditions;
  return (
    Array.isArray(conditions) &&
    conditions.some((c) => isRecord(c) && c.type === 'Established' && c.status === 'True')
  );
}

function checkContinuation(
  continuation: RestoreContinuation | undefined,
  backupName: string,
  plan: RestorePlan,
): void {
  if (continuation === undefined) return;
  if (continuation.backupName !== backupName) {
    throw new RestoreContinuationMismatchError(
      `belongs to backup ${continuation.backupName}, not ${backupName}`,
    );
  }
  if (continuation.fingerprint !== plan.fingerprint) {
    throw new RestoreContinuationMismatchError(
      'the plan differs from the one it was made for (other options, or the target cluster changed its resources)',
    );
  }
  if (
    !Number.isInteger(continuation.nextIndex) ||
    continuation.nextIndex < 0 ||
    continuation.nextIndex > plan.entries.length
  ) {
    throw new RestoreContinuationMismatchError(
      `nextIndex ${continuation.nextIndex} is outside the plan of ${plan.entries.length} objects`,
    );
  }
}

async function collect(entries: AsyncIterable<ArchiveEntry>): Promise<ArchiveEntry[]> {
  const all: ArchiveEntry[] = [];
  for await (const entry of entries) all.push(entry);
  return all;
}

function describeError(error: unknown): { name: string; message: string } {
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: 'Error', message: String(error) };
}

/** Throws UnservableObjectsError when an entry cannot be resolved against the target (refusals by an action are per object). */
function refuseUnservable(backupName: string, plan: RestorePlan): void {
  const problems = plan.entries.flatMap((entry) =>
    entry.resolution.state === 'unresolved' && entry.error === undefined
      ? [
          `${entry.groupResource} ${entry.source.namespace ? `${entry.source.namespace}/` : ''}${entry.source.name}: ${entry.resolution.message}`,
        ]
      : [],
  );
  if (problems.length > 0) throw new UnservableObjectsError(backupName, problems);
}
