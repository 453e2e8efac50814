// Route 53: the plan's DNS records and health checks. The service is global; its API lives in us-east-1.
import { Route53Client } from '@aws-sdk/client-route-53';
import { Route53Dns } from '../../../src/aws/route53-dns.ts';
import { Route53HealthChecks } from '../../../src/aws/route53-health-checks.ts';
import { traced } from '../powertools.ts';
import { perBase } from './memo.ts';

const client = perBase(() => traced(new Route53Client({ region: 'us-east-1' })));

/** The plan's DNS records. */
export const dnsProvider = perBase((base) => new Route53Dns(client(base)));

/** Route 53 health check status. */
export const healthCheckReader = perBase((base) => new Route53HealthChecks(client(base)));
