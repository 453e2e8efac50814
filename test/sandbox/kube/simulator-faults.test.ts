import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aConfigMap } from '../../fixtures/kube-objects.ts';
import { apiFailure, startSandbox } from '../../fixtures/kube-sandbox.ts';

type Sandbox = Awaited<ReturnType<typeof startSandbox>>;

describe('Kubernetes API simulator: fault injection', () => {
  let sandbox: Sandbox;

  beforeEach(async () => {
    sandbox = await startSandbox();
    sandbox.simulator.load(
      Array.from({ length: 12 }, (_, i) => aConfigMap(`cm-${String(i).padStart(2, '0')}`).build()),
    );
  });

  afterEach(async () => {
    await sandbox.simulator.stop();
  });

  it('adds latency to matching requests only', async () => {
    // Arrange
    sandbox.simulator.faults.add({
      kind: 'latency',
      latencyMs: 150,
      match: { verb: 'list', resource: 'configmaps' },
    });

    // Act
    const slowStart = performance.now();
    await sandbox.core.listNamespacedConfigMap({ namespace: 'default' });
    const slow = performance.now() - slowStart;
    const fastStart = performance.now();
    await sandbox.core.listNamespacedSecret({ namespace: 'default' });
    const fast = performance.now() - fastStart;

    // Assert
    expect(slow).toBeGreaterThanOrEqual(145);
    expect(fast).toBeLessThan(145);
  });

  it('answers 429 with Retry-After, then recovers once the rule is spent', async () => {
    // Arrange
    sandbox.simulator.faults.add({ kind: 'tooManyRequests', retryAfterSeconds: 2, times: 1 });

    // Act
    const throttled = await apiFailure(sandbox.core.listNamespacedConfigMap({ namespace: 'default' }));
    const next = await sandbox.core.listNamespacedConfigMap({ namespace: 'default' });

    // Assert
    expect(throttled.code).toBe(429);
    expect(throttled.status.reason).toBe('TooManyRequests');
    expect(throttled.status.details).toMatchObject({ retryAfterSeconds: 2 });
    expect(throttled.headers['retry-after']).toBe('2');
    expect(next.items).toHaveLength(12);
    expect(sandbox.simulator.faults.fired('tooManyRequests')).toBe(1);
  });

  it('answers 500 and 503 on every Nth matching request', async () => {
    // Arrange
    sandbox.simulator.faults.add({ kind: 'serverError', every: 2, match: { verb: 'get' } });
    sandbox.simulator.faults.add({ kind: 'serverError', status: 503, times: 1, match: { verb: 'create' } });

    // Act
    const first = await sandbox.core.readNamespacedConfigMap({ namespace: 'default', name: 'cm-00' });
    const second = await apiFailure(
      sandbox.core.readNamespacedConfigMap({ namespace: 'default', name: 'cm-00' }),
    );
    const third = await sandbox.core.readNamespacedConfigMap({ namespace: 'default', name: 'cm-00' });
    const unavailable = await apiFailure(
      sandbox.core.createNamespacedConfigMap({ namespace: 'default', body: aConfigMap('new').build() }),
    );
    const retried = await sandbox.core.createNamespacedConfigMap({
      namespace: 'default',
      body: aConfigMap('new').build(),
    });

    // Assert
    expect(first.metadata?.name).toBe('cm-00');
    expect([second.code, second.status.reason]).toEqual([500, 'InternalError']);
    expect(third.metadata?.name).toBe('cm-00');
    expect([unavailable.code, unavailable.status.reason]).toEqual([503, 'ServiceUnavailable']);
    expect(retried.metadata?.name).toBe('new');
  });

  it('resets the connection mid-page', async () => {
    // Arrange
    sandbox.simulator.faults.add({ kind: 'connectionReset', times: 1, match: { verb: 'list' } });

    // Act
    const broken = await sandbox.core.listNamespacedConfigMap({ namespace: 'default' }).then(
      () => undefined,
      (error: Error) => error,
    );
    const next = await sandbox.core.listNamespacedConfigMap({ namespace: 'default' });

    // Assert
    expect(broken).toBeInstanceOf(Error);
    expect(next.items).toHaveLength(12);
    expect(sandbox.simulator.faults.fired('connectionReset')).toBe(1);
  });

  it('expires a continue token after N pages with 410 Gone, and a fresh list succeeds', async () => {
    // Arrange
    sandbox.simulator.faults.add({
      kind: 'expireContinue',
      afterPages: 2,
      match: { resource: 'configmaps' },
    });
    const page1 = await sandbox.core.listNamespacedConfigMap({ namespace: 'default', limit: 4 });
    const page2 = await sandbox.core.listNamespacedConfigMap({
      namespace: 'default',
      limit: 4,
      _continue: page1.metadata?._continue,
    });

    // Act
    const expired = await apiFailure(
      sandbox.core.listNamespacedConfigMap({
        namespace: 'default',
        limit: 4,
        _continue: page2.metadata?._continue,
      }),
    );
    const restarted: string[] = [];
    let token: string | undefined;
    do {
      const page = await sandbox.core.listNamespacedConfigMap({
        namespace: 'default',
        limit: 4,
        _continue: token,
      });
      restarted.push(...page.items.map((c) => c.metadata?.name ?? ''));
      token = page.metadata?._continue;
    } while (token);

    // Assert
    expect(page2.items).toHaveLength(4);
    expect([expired.code, expired.status.reason]).toEqual([410, 'Expired']);
    expect(restarted).toHaveLength(12);
  });

  it('rejects a continue token it cannot read with 400', async () => {
    // Act
    const bad = await apiFailure(
      sandbox.core.listNamespacedConfigMap({ namespace: 'default', _continue: 'garbage' }),
    );

    // Assert
    expect(bad.code).toBe(400);
  });
});
