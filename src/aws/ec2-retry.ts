// EC2 throttling: the SDK's own retries give up after 3 attempts, too few for an account-wide token bucket
// that many Lambdas share, so EC2 calls get a second, longer bounded backoff here.
import {
  AwsRequestError,
  AwsTransientError,
  awsErrorCode,
  isThrottlingError,
  isTransientAwsError,
} from './errors.ts';
import { type BackoffOptions, retryWithBackoff } from './retry.ts';

/** EC2 codes that mean "slow down" beyond the generic throttling codes. */
const EC2_SLOW_DOWN_CODES: ReadonlySet<string> = new Set(['SnapshotCreationPerVolumeRateExceeded']);

/** How a throttled EC2 call is retried. */
export type Ec2RetryOptions = BackoffOptions;

/** An EC2 call still throttled (RequestLimitExceeded) after every retry. */
export class Ec2ThrottledError extends Error {
  constructor(
    readonly operation: string,
    readonly region: string,
    readonly attempts: number,
    options: { cause?: unknown } = {},
  ) {
    super(`EC2 ${operation} in ${region}: still throttled after ${attempts} attempts`, options);
    this.name = 'Ec2ThrottledError';
  }
}

/** True for an EC2 answer that means "slow down and try again". */
export function isEc2Throttle(error: unknown): boolean {
  return isThrottlingError(error) || EC2_SLOW_DOWN_CODES.has(awsErrorCode(error) ?? '');
}

/**
 * Runs an EC2 call, retrying throttling and server faults with bounded exponential backoff and full jitter.
 * Throttling past the last attempt becomes Ec2ThrottledError, other transient failures AwsTransientError,
 * and a refusal AwsRequestError carrying EC2's code (e.g. InvalidSnapshot.NotFound).
 */
export function callEc2<T>(
  operation: string,
  region: string,
  call: () => Promise<T>,
  options: Ec2RetryOptions = {},
): Promise<T> {
  const target = `region ${region}`;
  return retryWithBackoff(
    call,
    (error) => isEc2Throttle(error) || isTransientAwsError(error),
    ({ attempts, lastError }) =>
      isEc2Throttle(lastError)
        ? new Ec2ThrottledError(operation, region, attempts, { cause: lastError })
        : new AwsTransientError('EC2', operation, target, awsErrorCode(lastError), { cause: lastError }),
    options,
  ).catch((error: unknown) => {
    if (error instanceof Ec2ThrottledError || error instanceof AwsTransientError) throw error;
    throw new AwsRequestError('EC2', operation, target, awsErrorCode(error), { cause: error });
  });
}
