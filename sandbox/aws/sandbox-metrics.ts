import {
  METRICS_NAMESPACE,
  type MetricPoint,
  type MetricsPublisher,
  validateMetrics,
} from '../../src/failover/ports/metrics.ts';

/** One data point as CloudWatch would have stored it. */
export interface PublishedMetric extends MetricPoint {
  namespace: string;
  plan: string;
  /** Plan first, then the point's own dimensions. */
  dimensions: Record<string, string>;
}

/** MetricsPublisher that keeps what was published, with the same validation as CloudWatchMetrics. */
export class SandboxMetrics implements MetricsPublisher {
  readonly #published: PublishedMetric[] = [];

  /** Records each point under namespace EksDr with the Plan dimension. */
  async publish(plan: string, points: readonly MetricPoint[]): Promise<void> {
    validateMetrics(plan, points);
    for (const point of points) {
      this.#published.push({
        ...structuredClone(point),
        namespace: METRICS_NAMESPACE,
        plan,
        dimensions: {
          Plan: plan,
          ...Object.fromEntries(Object.entries(point.dimensions ?? {}).filter(([name]) => name !== 'Plan')),
        },
      });
    }
  }

  /** Everything published so far, in order. */
  get published(): readonly PublishedMetric[] {
    return this.#published;
  }

  /** The values published under a metric name, optionally for one plan. */
  values(name: string, plan?: string): number[] {
    return this.#published
      .filter((m) => m.name === name && (plan === undefined || m.plan === plan))
      .map((m) => m.value);
  }
}
