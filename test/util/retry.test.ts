import { describe, expect, it } from 'vitest';
import { type RetryOptions, retry } from '../../src/util/retry.ts';

function options(overrides: Partial<RetryOptions> = {}): RetryOptions & { sleeps: number[] } {
  const sleeps: number[] = [];
  return {
    attempts: 6,
    baseDelayMs: 100,
    maxDelayMs: 500,
    isRetryable: () => true,
    random: () => 0.999,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    sleeps,
    ...overrides,
  };
}

describe('retry', () => {
  it('waits a random share of a doubling bound, capped, between attempts', async () => {
    // Arrange
    let calls = 0;
    const opts = options();

    // Act
    const result = await retry(async () => {
      calls += 1;
      if (calls < 6) throw new Error('busy');
      return 'done';
    }, opts);

    // Assert
    expect(result).toBe('done');
    expect(opts.sleeps).toEqual([99, 199, 399, 499, 499]);
  });

  it('throws a failure that is not retryable at once, and the last failure after the last attempt', async () => {
    // Arrange
    const fatal = new Error('fatal');
    const busy = new Error('busy');
    const opts = options({ attempts: 3, isRetryable: (e) => e === busy });
    const seen: number[] = [];

    // Act
    const first = await retry(() => Promise.reject(fatal), opts).catch((e: unknown) => e);
    const second = await retry((attempt) => {
      seen.push(attempt);
      return Promise.reject(busy);
    }, opts).catch((e: unknown) => e);

    // Assert
    expect(first).toBe(fatal);
    expect(second).toBe(busy);
    expect(seen).toEqual([1, 2, 3]);
    expect(opts.sleeps).toHaveLength(2);
  });

  it('waits what the server asked for, capped at maxDelayMs, and tells onRetry', async () => {
    // Arrange
    const asked = [50, 5000];
    const retries: [number, number][] = [];
    const opts = options({
      attempts: 3,
      retryAfterMs: () => asked.shift(),
      onRetry: (_error, attempt, delayMs) => retries.push([attempt, delayMs]),
    });

    // Act
    await retry(() => Promise.reject(new Error('slow down')), opts).catch(() => undefined);

    // Assert
    expect(retries).toEqual([
      [1, 50],
      [2, 500],
    ]);
    expect(opts.sleeps).toEqual([50, 500]);
  });

  it.each([
    [{ attempts: 0 }, /attempts 0/],
    [{ attempts: 1.5 }, /attempts 1.5/],
    [{ baseDelayMs: -1 }, /baseDelayMs -1/],
    [{ maxDelayMs: Number.NaN }, /maxDelayMs NaN/],
  ])('refuses option %o with a RangeError naming it', async (bad, message) => {
    // Act
    const error = await retry(async () => 'never', options(bad)).catch((e: unknown) => e);

    // Assert
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toMatch(message);
  });
});
