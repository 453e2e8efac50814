import { isTransientKubeError, KubeThrottledError } from './errors.ts';

export interface RetryOptions {
  /** Attempts in all, the first included. @default 6 */
  attempts?: number;
  /** First backoff delay; doubles each time. @default 200 */
  baseDelayMs?: number;
  /** Cap of one backoff delay (Retry-After is honoured up to this too). @default 10_000 */
  maxDelayMs?: number;
  /** Which errors are worth another attempt. @default isTransientKubeError */
  isRetryable?: (error: unknown) => boolean;
  /** Injected for tests. @default setTimeout */
  sleep?: (ms: number) => Promise<void>;
  /** Called before each retry (progress, metrics). */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `call` until it succeeds, fails with a non-transient error, or runs out of attempts.
 * A 429's Retry-After wins over the computed backoff, because the server knows its own load.
 */
export async function withRetry<T>(
  call: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? 6;
  const base = options.baseDelayMs ?? 200;
  const cap = options.maxDelayMs ?? 10_000;
  const retryable = options.isRetryable ?? isTransientKubeError;
  const wait = options.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call(attempt);
    } catch (error) {
      if (attempt >= attempts || !retryable(error)) throw error;
      const backoff = Math.min(cap, base * 2 ** (attempt - 1));
      // Full jitter keeps many parallel listers from retrying in lockstep.
      const jittered = Math.round(backoff / 2 + Math.random() * (backoff / 2));
      const delay =
        error instanceof KubeThrottledError && error.retryAfterMs !== undefined
          ? Math.min(cap, error.retryAfterMs)
          : jittered;
      options.onRetry?.(error, attempt, delay);
      await wait(delay);
    }
  }
}
