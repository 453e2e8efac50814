import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HealthCheckFailedError, PlanSectionMissingError } from '../../src/failover/errors.ts';
import { HealthGate } from '../../src/failover/health-gate.ts';
import { fetchHttpProbe } from '../../src/failover/http-probe.ts';
import type { HealthCheckStatus, HealthCheckStatusReader } from '../../src/failover/ports/health-checks.ts';
import type { HealthCheckPlan } from '../../src/plan/index.ts';

let server: Server;
let base: string;
let flaky = 0;

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === '/healthz') response.writeHead(200).end('ok');
    else if (request.url === '/moved') response.writeHead(302, { location: '/healthz' }).end();
    else if (request.url === '/down') response.writeHead(503).end('unavailable');
    else if (request.url === '/flaky') response.writeHead(flaky++ % 2 === 0 ? 200 : 500).end();
    else if (request.url === '/slow') setTimeout(() => response.writeHead(200).end('late'), 3000).unref();
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const unusedRoute53: HealthCheckStatusReader = {
  healthCheckStatus: () => Promise.reject(new Error('not expected')),
};

function httpGate(path: string, overrides: Partial<HealthCheckPlan> = {}) {
  const healthCheck: HealthCheckPlan = {
    url: `${base}${path}`,
    expectedStatus: 200,
    timeoutSeconds: 1,
    consecutiveSuccesses: 3,
    ...overrides,
  };
  return new HealthGate({ healthCheck, probe: fetchHttpProbe, route53: unusedRoute53, intervalMs: 0 });
}

describe('HealthGate over HTTP', () => {
  it('passes a healthy endpoint after consecutive successes, with status and latency', async () => {
    // Arrange
    const gate = httpGate('/healthz');

    // Act
    const result = await gate.check();

    // Assert
    expect(result).toMatchObject({ healthy: true, target: `${base}/healthz`, status: '200', probes: 3 });
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('counts a redirect as healthy by default (200-399), but not when an exact status is expected', async () => {
    // Arrange
    const lenient = httpGate('/moved');
    const strict = httpGate('/moved', { expectedStatus: 204 });

    // Act
    const passed = await lenient.check();
    const failed = await strict.check().catch((error: unknown) => error);

    // Assert
    expect(passed.status).toBe('302');
    expect((failed as Error).message).toContain('HTTP 302, expected 204');
  });

  it('fails an unhealthy endpoint with the observed status', async () => {
    // Arrange
    const gate = httpGate('/down');

    // Act
    const outcome = await gate.check().catch((error: unknown) => error);

    // Assert
    expect(outcome).toBeInstanceOf(HealthCheckFailedError);
    expect((outcome as Error).message).toBe(
      `health check ${base}/down failed: probe 1 of 3: HTTP 503, expected 200-399`,
    );
  });

  it('fails when one probe of the run is unhealthy', async () => {
    // Arrange
    flaky = 0;
    const gate = httpGate('/flaky');

    // Act
    const outcome = await gate.check().catch((error: unknown) => error);

    // Assert
    expect((outcome as Error).message).toContain('probe 2 of 3: HTTP 500');
  });

  it('fails an endpoint that does not answer within the timeout', async () => {
    // Arrange
    const gate = httpGate('/slow');
    const started = performance.now();

    // Act
    const outcome = await gate.check().catch((error: unknown) => error);

    // Assert
    expect(outcome).toBeInstanceOf(HealthCheckFailedError);
    expect((outcome as Error).message).toContain('probe 1 of 3: no answer within 1000 ms');
    expect(performance.now() - started).toBeLessThan(2500);
  });

  it('fails a refused connection naming the cause', async () => {
    // Arrange
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const gate = new HealthGate({
      healthCheck: {
        url: `http://127.0.0.1:${port}/`,
        expectedStatus: 200,
        timeoutSeconds: 1,
        consecutiveSuccesses: 1,
      },
      probe: fetchHttpProbe,
      route53: unusedRoute53,
    });

    // Act
    const outcome = await gate.check().catch((error: unknown) => error);

    // Assert
    expect((outcome as Error).message).toMatch(/ECONNREFUSED/);
  });
});

describe('HealthGate over a Route 53 health check', () => {
  function reader(status: Omit<HealthCheckStatus, 'healthCheckId'>): HealthCheckStatusReader {
    return { healthCheckStatus: async (healthCheckId) => ({ healthCheckId, ...status }) };
  }
  const plan: HealthCheckPlan = {
    route53HealthCheckId: 'abcdef01-2345-6789-abcd-ef0123456789',
    expectedStatus: 200,
    timeoutSeconds: 5,
    consecutiveSuccesses: 3,
  };

  it('passes when Route 53 judges the endpoint healthy', async () => {
    // Arrange
    const gate = new HealthGate({
      healthCheck: plan,
      probe: fetchHttpProbe,
      route53: reader({
        healthy: true,
        observations: [
          { region: 'us-east-1', status: 'Success: HTTP Status Code 200, OK', healthy: true },
          { region: 'eu-west-1', status: 'Failure: Connection timed out', healthy: false },
        ],
      }),
    });

    // Act
    const result = await gate.check();

    // Assert
    expect(result).toMatchObject({
      healthy: true,
      target: `route53:${plan.route53HealthCheckId}`,
      status: '1 of 2 Route 53 checkers healthy',
    });
  });

  it('fails with a failing checker quoted', async () => {
    // Arrange
    const gate = new HealthGate({
      healthCheck: plan,
      probe: fetchHttpProbe,
      route53: reader({
        healthy: false,
        observations: [{ region: 'eu-west-1', status: 'Failure: HTTP Status Code 503', healthy: false }],
      }),
    });

    // Act
    const outcome = await gate.check().catch((error: unknown) => error);

    // Assert
    expect(outcome).toBeInstanceOf(HealthCheckFailedError);
    expect((outcome as Error).message).toContain(
      '0 of 1 Route 53 checkers healthy (eu-west-1: Failure: HTTP Status Code 503)',
    );
  });

  it('refuses to pass without a health check in the plan', async () => {
    // Arrange
    const gate = new HealthGate({ healthCheck: undefined, probe: fetchHttpProbe, route53: unusedRoute53 });

    // Act
    const outcome = await gate.check().catch((error: unknown) => error);

    // Assert
    expect(outcome).toBeInstanceOf(PlanSectionMissingError);
  });
});
