// The one place that says how AWS SDK clients retry. The rule (statemachines/README.md, "Who retries
// what"): an AWS call is retried by its SDK client only — standard mode (exponential backoff with full
// jitter, throttling and 5xx), Route 53 in adaptive mode with more attempts because its
// PriorRequestNotComplete and Throttling are expected while concurrent changes of a zone are applied (the
// SDK classifies both as throttling). No adapter retries on top, and the ASL retries only Lambda service
// errors and the named transient errors of a step, so one failing call causes a bounded, small number of
// requests (test/aws/retry-budget.test.ts).

/** The retry settings of one kind of client. */
export interface SdkRetryConfig {
  readonly retryMode: 'standard' | 'adaptive';
  /** Requests in all for one call, the first included. */
  readonly maxAttempts: number;
}

/** Every client but Route 53's: the SDK's standard retry, its default three requests. */
export const standardRetry: SdkRetryConfig = { retryMode: 'standard', maxAttempts: 3 };

/** Route 53: adaptive (client-side rate limiting when throttled) and more attempts for one change. */
export const route53Retry: SdkRetryConfig = { retryMode: 'adaptive', maxAttempts: 6 };

/** The config of an SDK client in `region` (undefined: the function's own region). */
export function sdkConfig(
  region: string | undefined,
  retry: SdkRetryConfig = standardRetry,
): { region?: string; retryMode: SdkRetryConfig['retryMode']; maxAttempts: number } {
  return {
    ...(region === undefined ? {} : { region }),
    retryMode: retry.retryMode,
    maxAttempts: retry.maxAttempts,
  };
}
