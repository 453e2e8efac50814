// Port of the metrics publisher: CloudWatch metrics of a run, from `src/aws/cloudwatch-metrics.ts` or the
// sandbox. Step Functions Retry/Catch match on the error `name`s: keep them stable.
import type { FailoverErrorOptions } from '../errors.ts';

/** CloudWatch namespace of every eks-dr metric. */
export const METRICS_NAMESPACE = 'EksDr';

/** Units eks-dr publishes in. */
export type MetricUnit = 'Seconds' | 'Milliseconds' | 'Count' | 'Bytes' | 'Percent' | 'None';

/** One data point; the `Plan` dimension is added by the publisher. */
export interface MetricPoint {
  name: string;
  value: number;
  unit: MetricUnit;
  timestamp?: Date;
  /** Extra dimensions besides Plan (e.g. `Step`). */
  dimensions?: Record<string, string>;
}

/** Publishes metric data points under namespace `EksDr` with dimension `Plan`. */
export interface MetricsPublisher {
  publish(plan: string, points: readonly MetricPoint[]): Promise<void>;
}

/** CloudWatch accepts at most this many dimensions per data point, Plan included. */
export const MAX_METRIC_DIMENSIONS = 30;

/** Throws InvalidMetricError unless the plan is a usable dimension value and every point is publishable. */
export function validateMetrics(plan: string, points: readonly MetricPoint[]): void {
  if (typeof plan !== 'string' || plan.length === 0 || plan.length > 1024) {
    throw new InvalidMetricError(
      'plan',
      `${JSON.stringify(plan)} must be 1–1024 characters (it is the Plan dimension)`,
    );
  }
  points.forEach((point, index) => {
    const where = `points[${index}]`;
    if (typeof point.name !== 'string' || point.name.length === 0 || point.name.length > 255) {
      throw new InvalidMetricError(`${where}.name`, `${JSON.stringify(point.name)} must be 1–255 characters`);
    }
    if (typeof point.value !== 'number' || !Number.isFinite(point.value)) {
      throw new InvalidMetricError(
        `${where}.value`,
        `${String(point.value)} of ${point.name} must be a finite number`,
      );
    }
    const dimensions = Object.entries(point.dimensions ?? {}).filter(([name]) => name !== 'Plan');
    for (const [name, value] of dimensions) {
      if (!name || !value) {
        throw new InvalidMetricError(
          `${where}.dimensions`,
          `dimension ${JSON.stringify(name)} needs a name and a value`,
        );
      }
    }
    if (dimensions.length + 1 > MAX_METRIC_DIMENSIONS) {
      throw new InvalidMetricError(
        `${where}.dimensions`,
        `${dimensions.length + 1} dimensions exceed CloudWatch's ${MAX_METRIC_DIMENSIONS}`,
      );
    }
  });
}

/** A metric data point CloudWatch would refuse. */
export class InvalidMetricError extends Error {
  constructor(
    readonly field: string,
    detail: string,
    options: FailoverErrorOptions = {},
  ) {
    super(`metric ${field}: ${detail}`, options);
    this.name = 'InvalidMetricError';
  }
}
