// Route 53: the plan's DNS records and health checks. The service is global; its API lives in the global
// region of the plan's partition (us-east-1, cn-northwest-1, us-gov-west-1).
import { Route53Client } from '@aws-sdk/client-route-53';
import { awsPartition } from '../../../src/aws/partitions.ts';
import { Route53Dns } from '../../../src/aws/route53-dns.ts';
import { Route53HealthChecks } from '../../../src/aws/route53-health-checks.ts';
import { traced } from '../powertools.ts';
import { perBase } from './memo.ts';
import { route53Retry, sdkConfig } from './sdk-config.ts';

const client = perBase((base) =>
  traced(new Route53Client(sdkConfig(awsPartition(base.plan.dr.region).globalRegion, route53Retry))),
);

/** The plan's DNS records. */
export const dnsProvider = perBase((base) => new Route53Dns(client(base)));

/** Route 53 health check status. */
export const healthCheckReader = perBase((base) => new Route53HealthChecks(client(base)));
