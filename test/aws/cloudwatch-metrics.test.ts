import {
  CloudWatchClient,
  InvalidParameterValueException,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { CloudWatchMetrics, MAX_METRIC_DATA_PER_CALL } from '../../src/aws/cloudwatch-metrics.ts';
import type { MetricPoint } from '../../src/failover/ports/metrics.ts';

const cloudwatch = mockClient(CloudWatchClient);

describe('CloudWatchMetrics', () => {
  beforeEach(() => {
    cloudwatch.reset();
    cloudwatch.on(PutMetricDataCommand).resolves({});
  });

  it('publishes under namespace EksDr with the Plan dimension first, then the point’s own', async () => {
    // Arrange
    const at = new Date('2025-01-01T00:00:00Z');
    const points: MetricPoint[] = [
      { name: 'RtoSeconds', value: 412.5, unit: 'Seconds', timestamp: at },
      { name: 'StepSeconds', value: 74, unit: 'Seconds', dimensions: { Step: 'capacity' } },
    ];

    // Act
    await new CloudWatchMetrics(new CloudWatchClient({})).publish('shop-prod', points);

    // Assert
    expect(cloudwatch).toHaveReceivedCommandExactlyOnceWith(PutMetricDataCommand, {
      Namespace: 'EksDr',
      MetricData: [
        {
          MetricName: 'RtoSeconds',
          Value: 412.5,
          Unit: 'Seconds',
          Timestamp: at,
          Dimensions: [{ Name: 'Plan', Value: 'shop-prod' }],
        },
        {
          MetricName: 'StepSeconds',
          Value: 74,
          Unit: 'Seconds',
          Dimensions: [
            { Name: 'Plan', Value: 'shop-prod' },
            { Name: 'Step', Value: 'capacity' },
          ],
        },
      ],
    });
  });

  it(`splits ${MAX_METRIC_DATA_PER_CALL * 2 + 1} points into three calls at the API's per-call limit`, async () => {
    // Arrange
    const points: MetricPoint[] = Array.from({ length: MAX_METRIC_DATA_PER_CALL * 2 + 1 }, (_, i) => ({
      name: 'ObjectsRestored',
      value: i,
      unit: 'Count',
      dimensions: { Resource: `r${i}` },
    }));

    // Act
    await new CloudWatchMetrics(new CloudWatchClient({})).publish('shop-prod', points);

    // Assert
    const sizes = cloudwatch
      .commandCalls(PutMetricDataCommand)
      .map((call) => call.args[0].input.MetricData?.length);
    expect(sizes).toEqual([MAX_METRIC_DATA_PER_CALL, MAX_METRIC_DATA_PER_CALL, 1]);
    expect(cloudwatch).toHaveReceivedNthCommandWith(PutMetricDataCommand, 3, {
      MetricData: [expect.objectContaining({ Value: MAX_METRIC_DATA_PER_CALL * 2 })],
    });
  });

  it('honours a smaller batch size', async () => {
    // Arrange
    const points: MetricPoint[] = Array.from({ length: 5 }, (_, i) => ({
      name: 'N',
      value: i,
      unit: 'Count',
    }));

    // Act
    await new CloudWatchMetrics(new CloudWatchClient({}), { batchSize: 2 }).publish('p', points);

    // Assert
    expect(cloudwatch).toHaveReceivedCommandTimes(PutMetricDataCommand, 3);
  });

  it('makes no call for no points', async () => {
    // Arrange
    const metrics = new CloudWatchMetrics(new CloudWatchClient({}));

    // Act
    await metrics.publish('p', []);

    // Assert
    expect(cloudwatch).not.toHaveReceivedAnyCommand();
  });

  it.each<[string, string, MetricPoint[], RegExp]>([
    [
      'a NaN value',
      'p',
      [{ name: 'RtoSeconds', value: Number.NaN, unit: 'Seconds' }],
      /points\[0\]\.value: NaN of RtoSeconds/,
    ],
    ['an empty name', 'p', [{ name: '', value: 1, unit: 'Count' }], /points\[0\]\.name/],
    ['an empty plan', '', [{ name: 'N', value: 1, unit: 'Count' }], /metric plan/],
    [
      'more than 30 dimensions',
      'p',
      [
        {
          name: 'N',
          value: 1,
          unit: 'Count',
          dimensions: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`d${i}`, 'v'])),
        },
      ],
      /31 dimensions exceed/,
    ],
  ])('rejects %s before calling CloudWatch', async (_label, plan, points, message) => {
    // Arrange
    const metrics = new CloudWatchMetrics(new CloudWatchClient({}));

    // Act
    const call = metrics.publish(plan, points);

    // Assert
    await expect(call).rejects.toMatchObject({ name: 'InvalidMetricError', message });
    expect(cloudwatch).not.toHaveReceivedAnyCommand();
  });

  it('maps InvalidParameterValueException to InvalidMetricError and a 5xx to AwsTransientError', async () => {
    // Arrange
    const refused = new InvalidParameterValueException({
      message: 'The value 1e309 for parameter MetricData.member.1.Value is invalid.',
      $metadata: {},
    });
    const unavailable = Object.assign(new Error('Service Unavailable'), {
      name: 'ServiceUnavailable',
      $fault: 'server',
      $metadata: { httpStatusCode: 503 },
    });
    cloudwatch.on(PutMetricDataCommand).rejectsOnce(refused).rejectsOnce(unavailable);
    const metrics = new CloudWatchMetrics(new CloudWatchClient({}));
    const points: MetricPoint[] = [{ name: 'N', value: 1, unit: 'Count' }];

    // Act
    const first = await metrics.publish('p', points).catch((e: unknown) => e);
    const second = await metrics.publish('p', points).catch((e: unknown) => e);

    // Assert
    expect(first).toMatchObject({ name: 'InvalidMetricError', cause: refused });
    expect(second).toMatchObject({ name: 'AwsTransientError', service: 'CloudWatch', cause: unavailable });
  });
});
