// Shared by every adapter: reading an SDK error's code, telling transient failures apart, and the two
// catch-all domain errors for failures no adapter maps to something more specific. Their names are part
// of the workflow contract (a failed execution reports them by name): keep them stable.
// An AwsTransientError is what is left after the SDK client's own retry (functions/shared/aws/
// sdk-config.ts); the ASL does not retry it again (statemachines/source/retry-policies.yaml).

const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'PriorRequestNotComplete',
  'SlowDown',
  // DynamoDB
  'ProvisionedThroughputExceededException',
]);

const TRANSIENT_CODES = new Set([
  'ServerException',
  'ServiceUnavailableException',
  'ServiceUnavailable',
  'InternalFailure',
  'InternalServiceFault',
  'InternalErrorException',
  'InternalError',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
]);

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  Code?: unknown;
  message?: unknown;
  $fault?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $retryable?: unknown;
}

/** The service's error code of an SDK error (`ResourceNotFoundException`), or its name/code otherwise. */
export function awsErrorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = error as SdkErrorShape;
  for (const candidate of [e.Code, e.name, e.code]) {
    if (typeof candidate === 'string' && candidate && candidate !== 'Error') return candidate;
  }
  return undefined;
}

/** The message of any thrown value. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'object' && error !== null && typeof (error as SdkErrorShape).message === 'string') {
    return (error as { message: string }).message;
  }
  return String(error);
}

/** True for throttling answers (HTTP 429 or a throttling code) that a later attempt may get past. */
export function isThrottlingError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as SdkErrorShape;
  const code = awsErrorCode(error);
  return (
    (code !== undefined && THROTTLING_CODES.has(code)) ||
    e.$metadata?.httpStatusCode === 429 ||
    (typeof e.$retryable === 'object' && e.$retryable !== null && 'throttling' in e.$retryable
      ? Boolean((e.$retryable as { throttling?: unknown }).throttling)
      : false)
  );
}

/** True for failures worth retrying: throttling, server faults (5xx), timeouts and dropped connections. */
export function isTransientAwsError(error: unknown): boolean {
  if (isThrottlingError(error)) return true;
  if (typeof error !== 'object' || error === null) return false;
  const e = error as SdkErrorShape;
  const code = awsErrorCode(error);
  const status = e.$metadata?.httpStatusCode;
  return (
    (code !== undefined && TRANSIENT_CODES.has(code)) ||
    e.$fault === 'server' ||
    (typeof status === 'number' && status >= 500) ||
    (e.$retryable !== undefined && e.$retryable !== null && e.$retryable !== false)
  );
}

/** A call that failed in a way a later attempt may get past (throttled, 5xx, timed out). */
export class AwsTransientError extends Error {
  constructor(
    readonly service: string,
    readonly operation: string,
    readonly target: string,
    readonly code: string | undefined,
    options: { cause?: unknown } = {},
  ) {
    super(
      `${service} ${operation} on ${target} failed transiently (${code ?? 'no code'}): ${errorMessage(options.cause)}`,
      options,
    );
    this.name = 'AwsTransientError';
  }
}

/** A call that AWS refused for a reason no adapter maps more precisely (access denied, a limit...). */
export class AwsRequestError extends Error {
  constructor(
    readonly service: string,
    readonly operation: string,
    readonly target: string,
    readonly code: string | undefined,
    options: { cause?: unknown } = {},
  ) {
    super(
      `${service} ${operation} on ${target} failed (${code ?? 'no code'}): ${errorMessage(options.cause)}`,
      options,
    );
    this.name = 'AwsRequestError';
  }
}

/** Wraps an SDK failure no adapter recognised in AwsTransientError or AwsRequestError, keeping it as cause. */
export function unexpectedAwsError(
  service: string,
  operation: string,
  target: string,
  error: unknown,
): Error {
  const code = awsErrorCode(error);
  return isTransientAwsError(error)
    ? new AwsTransientError(service, operation, target, code, { cause: error })
    : new AwsRequestError(service, operation, target, code, { cause: error });
}
