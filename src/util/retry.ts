import { setTimeout as delay } from 'node:timers/promises';

/** How a call is retried: capped exponential backoff with full jitter. */
export interface RetryOptions {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Upper bound of the first wait; the bound doubles each retry. */
  baseDelayMs: number;
  /** No wait exceeds this, a server-given one included. */
  maxDelayMs: number;
  /** Which failures are worth another attempt; any other is thrown at once. */
  isRetryable: (error: unknown) => boolean;
  /** A wait the server asked for (Retry-After); it wins over the backoff, capped at maxDelayMs. */
  retryAfterMs?: (error: unknown) => number | undefined;
  /** Called before each wait (progress, metrics); attempt is the one that just failed. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Waits; tests and the sandbox pass their own clock. @default sleep */
  sleep?: (ms: number) => Promise<void>;
  /** A number in [0, 1); tests pin it. @default Math.random */
  random?: () => number;
}

/** Waits ms milliseconds of real time. */
export const sleep = (ms: number): Promise<void> => delay(ms);

/** The full-jitter wait before retry n (1-based): uniform in [0, min(cap, base·2^(n-1))). */
export function backoffDelayMs(
  retry: number,
  baseDelayMs: number,
  maxDelayMs: number,
  random: () => number,
): number {
  return Math.floor(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** (retry - 1)));
}

/**
 * Calls `call` until it succeeds, fails with an error that is not retryable, or has made `attempts`
 * attempts; then throws the last error, so the caller maps it once. Full jitter (a random share of the
 * exponential bound) spreads concurrent callers apart instead of retrying in lockstep.
 */
export async function retry<T>(call: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  validateRetryOptions(options);
  const wait = options.sleep ?? sleep;
  const random = options.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call(attempt);
    } catch (error) {
      if (attempt >= options.attempts || !options.isRetryable(error)) throw error;
      const asked = options.retryAfterMs?.(error);
      const delayMs =
        asked !== undefined
          ? Math.min(options.maxDelayMs, Math.max(0, asked))
          : backoffDelayMs(attempt, options.baseDelayMs, options.maxDelayMs, random);
      options.onRetry?.(error, attempt, delayMs);
      await wait(delayMs);
    }
  }
}

/** Throws a RangeError naming the first option out of range. */
export function validateRetryOptions(
  options: Pick<RetryOptions, 'attempts' | 'baseDelayMs' | 'maxDelayMs'>,
): void {
  if (!Number.isInteger(options.attempts) || options.attempts < 1) {
    throw new RangeError(`retry option attempts ${options.attempts}: expected a whole number ≥ 1`);
  }
  for (const name of ['baseDelayMs', 'maxDelayMs'] as const) {
    const value = options[name];
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(`retry option ${name} ${value}: expected a finite number ≥ 0`);
    }
  }
}
