import type { Now } from '../util/clock.ts';
import type { Sleep } from './ports.ts';

/** Where a Wait → status → Choice loop stands: keep waiting, or done. */
export type WaitStatus = 'InProgress' | 'Completed';

/** How long to wait for one kind of EC2 resource, and how often to look. */
export interface WaitLimits {
  timeoutMs: number;
  pollIntervalMs: number;
}

/**
 * Runs a non-blocking check until it reports done, sleeping between checks. The check enforces the deadline
 * from the clock; `onStuck` is the backstop for a sleep that never advances the clock.
 */
export async function pollUntilDone<T>(
  check: () => Promise<T | undefined>,
  onStuck: () => Error,
  limits: WaitLimits,
  sleep: Sleep,
): Promise<T> {
  const maxPolls = Math.ceil(limits.timeoutMs / Math.max(1, limits.pollIntervalMs)) + 2;
  for (let poll = 0; poll <= maxPolls; poll++) {
    const result = await check();
    if (result !== undefined) return result;
    await sleep(limits.pollIntervalMs);
  }
  throw onStuck();
}

/** Checks a positive whole number of milliseconds, naming the option at fault. */
export function checkPositiveMs(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${name} ${value}: expected a positive number of milliseconds`);
  }
  return value;
}

/** Clock reads go through here so every use case measures elapsed time the same way. */
export function elapsedSince(now: Now, startedAt: number): number {
  return Math.max(0, now().getTime() - startedAt);
}
