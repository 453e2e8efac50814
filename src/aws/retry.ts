import { setTimeout as delay } from 'node:timers/promises';

/** How a call is retried: capped exponential backoff with full jitter. */
export interface BackoffOptions {
  /** Attempts in all, the first included. @default 6 */
  maxAttempts?: number;
  /** Upper bound of the first wait. @default 500 */
  baseDelayMs?: number;
  /** No wait exceeds this. @default 10_000 */
  maxDelayMs?: number;
  /** Waits; tests and the sandbox pass their own clock. @default node:timers/promises setTimeout */
  sleep?: (ms: number) => Promise<void>;
  /** A number in [0, 1); tests pin it. @default Math.random */
  random?: () => number;
}

/** How retrying ended: the attempts made and the last failure. */
export interface RetryExhausted {
  attempts: number;
  lastError: unknown;
}

/**
 * Calls `call` until it succeeds, a failure is not `retryable`, or `maxAttempts` is reached; then
 * throws `exhausted(...)`. Full jitter (a random wait up to the exponential bound) spreads concurrent
 * callers apart, which matters for Route 53's one-change-at-a-time zones.
 */
export async function retryWithBackoff<T>(
  call: (attempt: number) => Promise<T>,
  retryable: (error: unknown) => boolean,
  exhausted: (outcome: RetryExhausted) => Error,
  options: BackoffOptions = {},
): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 6;
  const base = options.baseDelayMs ?? 500;
  const cap = options.maxDelayMs ?? 10_000;
  const sleep = options.sleep ?? ((ms: number) => delay(ms));
  const random = options.random ?? Math.random;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new RangeError(`retry option maxAttempts ${maxAttempts}: expected a whole number ≥ 1`);
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await call(attempt);
    } catch (error) {
      if (!retryable(error)) throw error;
      if (attempt >= maxAttempts) throw exhausted({ attempts: attempt, lastError: error });
      const bound = Math.min(cap, base * 2 ** (attempt - 1));
      await sleep(Math.floor(random() * bound));
    }
  }
}
