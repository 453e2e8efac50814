import { describe, expect, it } from 'vitest';
import { KubeServerError, KubeThrottledError } from '../../src/kube/errors.ts';
import { kubeRetry, withKubeRetry } from '../../src/kube/retry-policy.ts';

const target = { method: 'GET', path: '/api/v1/pods' } as const;

describe('kubeRetry', () => {
  it('retries 5xx with backoff and honours a 429 Retry-After, six attempts in all', async () => {
    // Arrange
    const sleeps: number[] = [];
    const errors = [
      new KubeServerError(503, 'ServiceUnavailable', 'busy', target),
      new KubeThrottledError(1500, 429, 'TooManyRequests', 'slow down', target),
    ];
    let calls = 0;

    // Act
    const error = await withKubeRetry(
      () => {
        calls += 1;
        return Promise.reject(errors[calls % 2]);
      },
      { random: () => 0.5, sleep: async (ms) => void sleeps.push(ms) },
    ).catch((e: unknown) => e);

    // Assert
    expect(kubeRetry.attempts).toBe(6);
    expect(calls).toBe(6);
    expect(error).toBeInstanceOf(KubeServerError);
    expect(sleeps).toEqual([1500, 200, 1500, 800, 1500]);
  });

  it('does not retry an error that is not transient', async () => {
    // Arrange
    let calls = 0;
    const refused = new Error('403 Forbidden');

    // Act
    const error = await withKubeRetry(() => {
      calls += 1;
      return Promise.reject(refused);
    }).catch((e: unknown) => e);

    // Assert
    expect(error).toBe(refused);
    expect(calls).toBe(1);
  });
});
