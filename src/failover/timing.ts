// When each step ran. Every function wraps its use case's answer with these fields, so the report can draw
// a timeline from the state document alone, without asking Step Functions for the execution history.

import type { Now } from '../util/clock.ts';

/** ISO 8601 start and end of one step, as the functions add them to each result. */
export interface StepTiming {
  startedAt: string;
  finishedAt: string;
}

/** A result with its step timing. */
export type Timed<T> = T & StepTiming;

/** Runs `step` and returns its result with `startedAt`/`finishedAt`; errors pass through unchanged. */
export async function timed<T extends object>(now: Now, step: () => Promise<T> | T): Promise<Timed<T>> {
  const startedAt = now().toISOString();
  const result = await step();
  return { ...result, startedAt, finishedAt: now().toISOString() };
}
