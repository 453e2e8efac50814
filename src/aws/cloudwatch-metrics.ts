import { type CloudWatchClient, type MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  InvalidMetricError,
  METRICS_NAMESPACE,
  type MetricPoint,
  type MetricsPublisher,
  validateMetrics,
} from '../failover/ports/metrics.ts';
import { awsErrorCode, errorMessage, unexpectedAwsError } from './errors.ts';

/** PutMetricData accepts at most this many data points per call. */
export const MAX_METRIC_DATA_PER_CALL = 1000;
// The request body limit is 1 MB; batches are cut well below it, measured on the JSON of the data points.
const MAX_BATCH_BYTES = 800_000;

/** Options of the CloudWatch publisher. */
export interface CloudWatchMetricsOptions {
  /**
   * Data points per PutMetricData call, at most MAX_METRIC_DATA_PER_CALL.
   * @default MAX_METRIC_DATA_PER_CALL
   */
  batchSize?: number;
}

/** MetricsPublisher over CloudWatch PutMetricData, namespace `EksDr`, dimension `Plan`. */
export class CloudWatchMetrics implements MetricsPublisher {
  private readonly batchSize: number;

  constructor(
    private readonly cloudwatch: CloudWatchClient,
    options: CloudWatchMetricsOptions = {},
  ) {
    const size = options.batchSize ?? MAX_METRIC_DATA_PER_CALL;
    if (!Number.isInteger(size) || size < 1 || size > MAX_METRIC_DATA_PER_CALL) {
      throw new RangeError(
        `CloudWatchMetrics option batchSize ${size}: expected 1 to ${MAX_METRIC_DATA_PER_CALL}`,
      );
    }
    this.batchSize = size;
  }

  /** Publishes every point in as few PutMetricData calls as the API's limits allow. */
  async publish(plan: string, points: readonly MetricPoint[]): Promise<void> {
    validateMetrics(plan, points);
    const data = points.map((point) => toDatum(plan, point));
    for (const batch of batches(data, this.batchSize)) {
      try {
        await this.cloudwatch.send(
          new PutMetricDataCommand({ Namespace: METRICS_NAMESPACE, MetricData: batch }),
        );
      } catch (error) {
        const code = awsErrorCode(error);
        if (
          code === 'InvalidParameterValueException' ||
          code === 'InvalidParameterCombinationException' ||
          code === 'MissingRequiredParameterException'
        ) {
          throw new InvalidMetricError(`data of plan ${plan}`, errorMessage(error), { cause: error });
        }
        throw unexpectedAwsError('CloudWatch', 'PutMetricData', `${METRICS_NAMESPACE}/${plan}`, error);
      }
    }
  }
}

function toDatum(plan: string, point: MetricPoint): MetricDatum {
  const extra = Object.entries(point.dimensions ?? {}).filter(([name]) => name !== 'Plan');
  return {
    MetricName: point.name,
    Value: point.value,
    Unit: point.unit,
    Dimensions: [{ Name: 'Plan', Value: plan }, ...extra.map(([Name, Value]) => ({ Name, Value }))],
    ...(point.timestamp ? { Timestamp: point.timestamp } : {}),
  };
}

function* batches(data: readonly MetricDatum[], size: number): Generator<MetricDatum[]> {
  let batch: MetricDatum[] = [];
  let bytes = 0;
  for (const datum of data) {
    const datumBytes = Buffer.byteLength(JSON.stringify(datum));
    if (batch.length > 0 && (batch.length === size || bytes + datumBytes > MAX_BATCH_BYTES)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(datum);
    bytes += datumBytes;
  }
  if (batch.length > 0) yield batch;
}
