import { type RetryOptions, retry } from '../util/retry.ts';
import { isTransientKubeError, KubeThrottledError } from './errors.ts';

/** The API server's retry policy: transient failures (429, 5xx, resets), a 429's Retry-After honoured. */
export const kubeRetry: RetryOptions = {
  attempts: 6,
  baseDelayMs: 200,
  maxDelayMs: 10_000,
  isRetryable: isTransientKubeError,
  // The server knows its own load, so its Retry-After wins over the computed backoff.
  retryAfterMs: (error) => (error instanceof KubeThrottledError ? error.retryAfterMs : undefined),
};

/** Runs one API-server call under kubeRetry, with any of its fields overridden. */
export function withKubeRetry<T>(
  call: (attempt: number) => Promise<T>,
  overrides: Partial<RetryOptions> = {},
): Promise<T> {
  return retry(call, { ...kubeRetry, ...overrides });
}
