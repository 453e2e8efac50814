// EC2 failures as the domain errors the workflows match on. By the time an error arrives here the SDK's
// standard retry has already answered throttling and server faults; what is left is told apart once, here,
// so the adapter and the sandbox's stand-in (which throws SDK-shaped errors) report failures alike. This
// module imports no SDK client, so the sandbox loads it without @aws-sdk/client-ec2.
import { awsErrorCode, isThrottlingError, unexpectedAwsError } from './errors.ts';

/** EC2 codes that mean "slow down" which the SDK does not retry (not among its throttling codes). */
const EC2_SLOW_DOWN_CODES: ReadonlySet<string> = new Set(['SnapshotCreationPerVolumeRateExceeded']);

/** An EC2 call still throttled (RequestLimitExceeded) after the SDK's retries. */
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
 * A failed EC2 call as Ec2ThrottledError (throttled past the SDK's attempts), AwsTransientError (a server
 * fault or dropped connection past them) or AwsRequestError carrying EC2's code (e.g. InvalidSnapshot.NotFound).
 */
export function ec2Failure(operation: string, region: string, error: unknown): Error {
  if (isEc2Throttle(error)) {
    return new Ec2ThrottledError(operation, region, attemptsOf(error), { cause: error });
  }
  return unexpectedAwsError('EC2', operation, `region ${region}`, error);
}

// The SDK counts its attempts in `$metadata.attempts` of the error it finally throws.
function attemptsOf(error: unknown): number {
  const attempts = (error as { $metadata?: { attempts?: unknown } } | null)?.$metadata?.attempts;
  return typeof attempts === 'number' && attempts >= 1 ? attempts : 1;
}
