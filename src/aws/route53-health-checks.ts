import { GetHealthCheckStatusCommand, type Route53Client } from '@aws-sdk/client-route-53';
import {
  HealthCheckNotFoundError,
  type HealthCheckObservation,
  type HealthCheckStatus,
  type HealthCheckStatusReader,
} from '../failover/ports/health-checks.ts';
import { awsErrorCode, unexpectedAwsError } from './errors.ts';

/**
 * Route 53 considers an endpoint healthy when more than 18% of its checkers report it healthy; the same
 * threshold is applied here to the checkers' latest observations.
 */
export const ROUTE53_HEALTHY_FRACTION = 0.18;

/** HealthCheckStatusReader over Route 53 GetHealthCheckStatus (not available for calculated health checks). */
export class Route53HealthChecks implements HealthCheckStatusReader {
  constructor(private readonly route53: Route53Client) {}

  /** The checkers' latest observations and the verdict Route 53 would draw from them. */
  async healthCheckStatus(healthCheckId: string): Promise<HealthCheckStatus> {
    let observations: HealthCheckObservation[];
    try {
      const out = await this.route53.send(new GetHealthCheckStatusCommand({ HealthCheckId: healthCheckId }));
      observations = (out.HealthCheckObservations ?? []).map((observation) => {
        const status = observation.StatusReport?.Status ?? 'Unknown';
        const checked = observation.StatusReport?.CheckedTime;
        return {
          region: observation.Region ?? 'unknown',
          status,
          healthy: status.startsWith('Success'),
          ...(checked ? { checkedAt: checked.toISOString() } : {}),
        };
      });
    } catch (error) {
      if (awsErrorCode(error) === 'NoSuchHealthCheck')
        throw new HealthCheckNotFoundError(healthCheckId, { cause: error });
      throw unexpectedAwsError('Route 53', 'GetHealthCheckStatus', healthCheckId, error);
    }
    const healthy = observations.filter((observation) => observation.healthy).length;
    return {
      healthCheckId,
      healthy: observations.length > 0 && healthy / observations.length > ROUTE53_HEALTHY_FRACTION,
      observations,
    };
  }
}
