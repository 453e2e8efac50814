import {
  GetHealthCheckStatusCommand,
  type HealthCheckRegion,
  NoSuchHealthCheck,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsTransientError } from '../../src/aws/errors.ts';
import { Route53HealthChecks } from '../../src/aws/route53-health-checks.ts';
import { HealthCheckNotFoundError } from '../../src/failover/ports/health-checks.ts';

const route53 = mockClient(Route53Client);
const ID = 'abcdef01-2345-6789-abcd-ef0123456789';

function observation(region: HealthCheckRegion, status: string) {
  return {
    Region: region,
    IPAddress: '15.177.0.1',
    StatusReport: { Status: status, CheckedTime: new Date('2024-05-01T12:00:00Z') },
  };
}

beforeEach(() => {
  route53.reset();
});

describe('Route53HealthChecks', () => {
  it('reads the checkers and judges healthy above 18% healthy, as Route 53 does', async () => {
    // Arrange
    route53.on(GetHealthCheckStatusCommand).resolves({
      HealthCheckObservations: [
        observation('us-east-1', 'Success: HTTP Status Code 200, OK'),
        observation('eu-west-1', 'Failure: Connection timed out'),
        observation('ap-southeast-1', 'Failure: Connection timed out'),
        observation('sa-east-1', 'Failure: Connection timed out'),
      ],
    });
    const checks = new Route53HealthChecks(new Route53Client({}));

    // Act
    const status = await checks.healthCheckStatus(ID);

    // Assert
    expect(route53).toReceiveCommandWith(GetHealthCheckStatusCommand, { HealthCheckId: ID });
    expect(status.healthy).toBe(true);
    expect(status.observations[0]).toEqual({
      region: 'us-east-1',
      status: 'Success: HTTP Status Code 200, OK',
      healthy: true,
      checkedAt: '2024-05-01T12:00:00.000Z',
    });
  });

  it('is unhealthy when too few checkers succeed, or none report', async () => {
    // Arrange
    route53
      .on(GetHealthCheckStatusCommand)
      .resolvesOnce({
        HealthCheckObservations: [
          observation('us-east-1', 'Success: HTTP Status Code 200, OK'),
          ...(['eu-west-1', 'ap-southeast-1', 'sa-east-1', 'us-west-1', 'us-west-2'] as const).map((region) =>
            observation(region, 'Failure: HTTP Status Code 503'),
          ),
        ],
      })
      .resolvesOnce({});
    const checks = new Route53HealthChecks(new Route53Client({}));

    // Act
    const few = await checks.healthCheckStatus(ID);
    const none = await checks.healthCheckStatus(ID);

    // Assert
    expect(few.healthy).toBe(false);
    expect(none).toEqual({ healthCheckId: ID, healthy: false, observations: [] });
  });

  it('maps NoSuchHealthCheck to HealthCheckNotFoundError and throttling to AwsTransientError', async () => {
    // Arrange
    route53
      .on(GetHealthCheckStatusCommand)
      .rejectsOnce(
        new NoSuchHealthCheck({ message: 'no such health check', $metadata: { httpStatusCode: 404 } }),
      )
      .rejectsOnce(
        Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }),
      );
    const checks = new Route53HealthChecks(new Route53Client({}));

    // Act
    const missing = await checks.healthCheckStatus(ID).catch((error: unknown) => error);
    const throttled = await checks.healthCheckStatus(ID).catch((error: unknown) => error);

    // Assert
    expect(missing).toBeInstanceOf(HealthCheckNotFoundError);
    expect((missing as Error).message).toContain(ID);
    expect(throttled).toBeInstanceOf(AwsTransientError);
  });
});
