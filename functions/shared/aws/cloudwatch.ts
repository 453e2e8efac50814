// CloudWatch metrics of a run. The dashboard and the backup-age alarm live in the DR region, so the
// figures go there whichever side's function publishes them.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchMetrics } from '../../../src/aws/cloudwatch-metrics.ts';
import { traced } from '../powertools.ts';
import { perBase } from './memo.ts';
import { sdkConfig } from './sdk-config.ts';

/** Publishes run metrics in the plan's DR region. */
export const metricsPublisher = perBase(
  (base) => new CloudWatchMetrics(traced(new CloudWatchClient(sdkConfig(base.plan.dr.region)))),
);
