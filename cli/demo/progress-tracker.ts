// Folds the local runner's state events into logical steps. Kept apart from the drawing so the rules (a
// loop is one step, a caught failure fails its step, a retried one does not) are tested without a terminal.

import type { WorkflowEvent } from '../../sandbox/workflows/local-workflow-runner.ts';
import type { ReportedWorkflow } from '../../src/failover/report.ts';
import { stepLabel, stepOfState } from './step-catalog.ts';

/** Where a step is. */
export type StepStatus = 'running' | 'succeeded' | 'failed';

/** One logical step as it ran here. */
export interface StepProgress {
  /** RunReporter timeline step id (`capacity`, `restore`, ...) or `report`. */
  id: string;
  label: string;
  status: StepStatus;
  /** Real epoch milliseconds when its first state was entered. */
  startedAtMs: number;
  /** Real epoch milliseconds when its last state exited (or the next step began). */
  finishedAtMs?: number;
  /** Real milliseconds it took (finished steps). */
  realMs?: number;
  /** Modelled epoch milliseconds at its start, when the tracker has a modelled clock. */
  modelledStartMs?: number;
  /** Modelled milliseconds it took (finished steps, modelled clock given). */
  modelledMs?: number;
  /** Rounds of its loop (checks, chunks); 0 for a step that is not a loop. */
  rounds: number;
  /** Retries of its states after a transient error. */
  retries: number;
  /** The error that failed it. */
  error?: { name: string; message: string };
}

/** What one event changed, for a renderer. */
export type ProgressChange =
  | { kind: 'started'; step: StepProgress }
  | { kind: 'updated'; step: StepProgress }
  | { kind: 'finished'; step: StepProgress };

/** Options of a ProgressTracker. */
export interface ProgressTrackerOptions {
  /** Picks the labels (failback names some steps differently). */
  workflow?: ReportedWorkflow;
  /**
   * Modelled epoch milliseconds at a real epoch time (see `modelledTimeOf`), to give each step its modelled
   * duration. Events arrive a little after they happened, so their timestamps are mapped, not the clock read.
   */
  modelledAt?: (realEpochMs: number) => number;
}

/** Logical steps of one workflow run, built from its state events in order. */
export class ProgressTracker {
  readonly #options: ProgressTrackerOptions;
  readonly #steps: StepProgress[] = [];
  #current: StepProgress | undefined;
  #lastExitMs: number | undefined;
  #lastExitModelledMs: number | undefined;
  #pendingError: { name: string; message: string } | undefined;
  #outcome: 'running' | 'succeeded' | 'failed' = 'running';

  constructor(options: ProgressTrackerOptions = {}) {
    this.#options = options;
  }

  /** Every step so far, in the order they started. */
  get steps(): readonly StepProgress[] {
    return this.#steps;
  }

  /** The step running now. */
  get current(): StepProgress | undefined {
    return this.#current;
  }

  /** How the execution ended, or `running`. */
  get outcome(): 'running' | 'succeeded' | 'failed' {
    return this.#outcome;
  }

  /** The first step that failed, if any. */
  get failedStep(): StepProgress | undefined {
    return this.#steps.find((step) => step.status === 'failed');
  }

  /** Applies one event; returns what changed. */
  apply(event: WorkflowEvent): ProgressChange[] {
    const changes: ProgressChange[] = [];
    const spec = event.state ? stepOfState(event.state) : undefined;
    const current = this.#current;
    const inCurrent = spec !== undefined && current !== undefined && spec.id === current.id;
    switch (event.type) {
      case 'StateEntered': {
        if (!spec) break;
        if (!inCurrent) {
          if (current) changes.push(this.#finish(current, event.timestamp, false));
          const step: StepProgress = {
            id: spec.id,
            label: stepLabel(spec.id, this.#options.workflow),
            status: 'running',
            startedAtMs: event.timestamp,
            ...(this.#options.modelledAt
              ? { modelledStartMs: this.#options.modelledAt(event.timestamp) }
              : {}),
            rounds: 0,
            retries: 0,
          };
          this.#steps.push(step);
          this.#current = step;
          this.#lastExitMs = undefined;
          this.#lastExitModelledMs = undefined;
          this.#pendingError = undefined;
          changes.push({ kind: 'started', step });
        }
        const step = this.#current;
        if (step && spec.counter?.state === event.state) {
          step.rounds += 1;
          if (inCurrent) changes.push({ kind: 'updated', step });
        }
        break;
      }
      case 'StateExited':
        if (inCurrent) {
          this.#lastExitMs = event.timestamp;
          this.#lastExitModelledMs = this.#options.modelledAt?.(event.timestamp);
        }
        break;
      case 'StateFailed':
        if (inCurrent) this.#pendingError = { name: event.error ?? 'Error', message: causeText(event.cause) };
        break;
      case 'StateRetried':
        if (inCurrent && current) {
          current.retries += 1;
          this.#pendingError = undefined;
          changes.push({ kind: 'updated', step: current });
        }
        break;
      case 'StateCaught':
        // The Catch routes to ReportFailure: the step is over and failed, whatever comes next.
        if (inCurrent && current) current.status = 'failed';
        break;
      case 'ExecutionSucceeded':
        this.#outcome = 'succeeded';
        if (current) changes.push(this.#finish(current, event.timestamp, false));
        break;
      case 'ExecutionFailed':
        this.#outcome = 'failed';
        if (current) changes.push(this.#finish(current, event.timestamp, this.#pendingError !== undefined));
        break;
    }
    return changes;
  }

  /** Ends the running step as it stands (the run was abandoned); returns it, if there was one. */
  close(nowMs: number): StepProgress | undefined {
    const current = this.#current;
    if (!current) return undefined;
    this.#finish(current, nowMs, false);
    return current;
  }

  #finish(step: StepProgress, timestamp: number, failed: boolean): ProgressChange {
    const finishedAtMs = this.#lastExitMs ?? timestamp;
    step.finishedAtMs = finishedAtMs;
    step.realMs = Math.max(0, finishedAtMs - step.startedAtMs);
    if (step.modelledStartMs !== undefined) {
      const end =
        this.#lastExitModelledMs ?? this.#options.modelledAt?.(finishedAtMs) ?? step.modelledStartMs;
      step.modelledMs = Math.max(0, end - step.modelledStartMs);
    }
    if (failed) step.status = 'failed';
    if (step.status === 'failed' && this.#pendingError) step.error = this.#pendingError;
    if (step.status === 'running') step.status = 'succeeded';
    this.#current = undefined;
    this.#pendingError = undefined;
    return { kind: 'finished', step };
  }
}

/** Maps real epoch milliseconds (event timestamps) onto a sandbox clock's modelled time. */
export function modelledTimeOf(clock: {
  nowMs(): number;
  /** Real milliseconds per modelled millisecond. */
  readonly scale: number;
}): (realEpochMs: number) => number {
  return (realEpochMs) => clock.nowMs() - (Date.now() - realEpochMs) / clock.scale;
}

/** A Lambda error's Cause is JSON with `errorMessage`; a States.* Cause is plain text. */
function causeText(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  if (typeof cause !== 'string') return cause === undefined ? '' : JSON.stringify(cause);
  try {
    const parsed: unknown = JSON.parse(cause);
    if (typeof parsed === 'object' && parsed !== null && 'errorMessage' in parsed) {
      return String((parsed as { errorMessage: unknown }).errorMessage);
    }
  } catch {
    // Plain text.
  }
  return cause;
}
