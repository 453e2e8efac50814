import { describe, expect, it } from 'vitest';
import { retryWithBackoff } from '../../src/aws/retry.ts';

class GaveUpError extends Error {
  override name = 'GaveUpError';
}

describe('retryWithBackoff', () => {
  it('waits a random share of a doubling bound, capped, between attempts', async () => {
    // Arrange
    const sleeps: number[] = [];
    let calls = 0;
    const call = async () => {
      calls += 1;
      if (calls < 6) throw new Error('busy');
      return 'done';
    };

    // Act
    const result = await retryWithBackoff(
      call,
      () => true,
      () => new GaveUpError(),
      {
        maxAttempts: 6,
        baseDelayMs: 100,
        maxDelayMs: 500,
        random: () => 0.999,
        sleep: async (ms) => {
          sleeps.push(ms);
        },
      },
    );

    // Assert
    expect(result).toBe('done');
    expect(sleeps).toEqual([99, 199, 399, 499, 499]);
  });

  it('throws a failure that is not retryable at once, and the exhausted error after the last attempt', async () => {
    // Arrange
    const fatal = new Error('fatal');
    const busy = new Error('busy');
    const options = { maxAttempts: 3, sleep: async () => {} };

    // Act
    const first = await retryWithBackoff(
      () => Promise.reject(fatal),
      (e) => e === busy,
      () => new GaveUpError(),
      options,
    ).catch((e: unknown) => e);
    const second = await retryWithBackoff(
      () => Promise.reject(busy),
      (e) => e === busy,
      ({ attempts, lastError }) => new GaveUpError(`after ${attempts}`, { cause: lastError }),
      options,
    ).catch((e: unknown) => e);

    // Assert
    expect(first).toBe(fatal);
    expect(second).toMatchObject({ name: 'GaveUpError', message: 'after 3', cause: busy });
  });
});
