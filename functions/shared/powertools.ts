// One Logger, one Metrics and one Tracer for every function: the same service name and namespace
// everywhere, so logs, metrics and traces of one run line up.
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/** Service name of every log line, metric and trace segment. */
export const SERVICE_NAME = 'eks-dr';
/** CloudWatch namespace of the functions' own metrics (the report publishes its figures there too). */
export const METRICS_NAMESPACE = 'EksDr';

/** Structured JSON logs; the handlers add executionName and plan to every line of a run. */
export const logger = new Logger({ serviceName: SERVICE_NAME });
/** Embedded-metric-format metrics. */
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
/** X-Ray tracing; disabled outside Lambda, so tests and the sandbox run without a daemon. */
export const tracer = new Tracer({ serviceName: SERVICE_NAME });

/** An SDK v3 client with X-Ray subsegments around its calls (a no-op outside Lambda). */
export function traced<T>(client: T): T {
  return tracer.captureAWSv3Client(client);
}
