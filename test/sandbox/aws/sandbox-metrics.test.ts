import { describe, expect, it } from 'vitest';
import { SandboxMetrics } from '../../../sandbox/aws/sandbox-metrics.ts';
import type { MetricsPublisher } from '../../../src/failover/ports/metrics.ts';

describe('SandboxMetrics', () => {
  it('records each point under namespace EksDr with the Plan dimension first', async () => {
    // Arrange
    const metrics = new SandboxMetrics();
    const publisher: MetricsPublisher = metrics;

    // Act
    await publisher.publish('shop-prod', [
      { name: 'RtoSeconds', value: 412, unit: 'Seconds' },
      { name: 'StepSeconds', value: 75, unit: 'Seconds', dimensions: { Step: 'capacity', Plan: 'ignored' } },
    ]);

    // Assert
    expect(metrics.published).toEqual([
      {
        namespace: 'EksDr',
        plan: 'shop-prod',
        name: 'RtoSeconds',
        value: 412,
        unit: 'Seconds',
        dimensions: { Plan: 'shop-prod' },
      },
      {
        namespace: 'EksDr',
        plan: 'shop-prod',
        name: 'StepSeconds',
        value: 75,
        unit: 'Seconds',
        dimensions: { Plan: 'shop-prod', Step: 'capacity' },
      },
    ]);
    expect(metrics.values('RtoSeconds', 'shop-prod')).toEqual([412]);
  });

  it('refuses what CloudWatch would refuse, recording nothing', async () => {
    // Arrange
    const metrics = new SandboxMetrics();

    // Act
    const call = metrics.publish('p', [
      { name: 'ok', value: 1, unit: 'Count' },
      { name: 'RpoSeconds', value: Number.POSITIVE_INFINITY, unit: 'Seconds' },
    ]);

    // Assert
    await expect(call).rejects.toMatchObject({
      name: 'InvalidMetricError',
      message: /points\[1\]\.value: Infinity of RpoSeconds/,
    });
    expect(metrics.published).toHaveLength(0);
  });
});
