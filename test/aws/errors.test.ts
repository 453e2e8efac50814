import { describe, expect, it } from 'vitest';
import {
  AwsRequestError,
  AwsTransientError,
  awsErrorCode,
  isThrottlingError,
  isTransientAwsError,
  unexpectedAwsError,
} from '../../src/aws/errors.ts';

const sdkError = (name: string, extra: Record<string, unknown> = {}) =>
  Object.assign(new Error(`${name} happened`), { name, $metadata: {}, ...extra });

describe('AWS error helpers', () => {
  it.each([
    ['Throttling', {}, true, true],
    ['PriorRequestNotComplete', {}, true, true],
    ['SomethingElse', { $metadata: { httpStatusCode: 429 } }, true, true],
    ['ServiceUnavailableException', {}, false, true],
    ['Anything', { $fault: 'server', $metadata: { httpStatusCode: 500 } }, false, true],
    ['AccessDeniedException', { $fault: 'client', $metadata: { httpStatusCode: 403 } }, false, false],
  ])('classifies %s (%o): throttling %s, transient %s', (name, extra, throttling, transient) => {
    // Arrange
    const error = sdkError(name, extra);

    // Act
    const result = [isThrottlingError(error), isTransientAwsError(error)];

    // Assert
    expect(result).toEqual([throttling, transient]);
  });

  it('wraps an unmapped failure as transient or as a request error, naming service, operation and target', () => {
    // Arrange
    const denied = sdkError('AccessDeniedException', { $fault: 'client' });
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

    // Act
    const request = unexpectedAwsError('EKS', 'DescribeCluster', 'dr', denied);
    const transient = unexpectedAwsError('EKS', 'DescribeCluster', 'dr', reset);

    // Assert
    expect(request).toBeInstanceOf(AwsRequestError);
    expect(request).toMatchObject({ code: 'AccessDeniedException', cause: denied });
    expect(request.message).toBe(
      'EKS DescribeCluster on dr failed (AccessDeniedException): AccessDeniedException happened',
    );
    expect(transient).toBeInstanceOf(AwsTransientError);
    expect(transient).toMatchObject({ name: 'AwsTransientError', code: 'ECONNRESET', cause: reset });
    expect(awsErrorCode('plain string')).toBeUndefined();
  });
});
