// Ports of the health gate: an HTTP probe and Route 53's view of a health check. `../http-probe.ts` and
// `src/aws/route53-health-checks.ts` implement them; tests hand in a loopback server or a stand-in. Step
// Functions Retry/Catch match on the error `name`s: keep them stable.
import type { FailoverErrorOptions } from '../errors.ts';

/** One HTTP(S) answer. */
export interface HttpProbeResult {
  status: number;
  latencyMs: number;
}

/** Sends one GET and reports the status; rejects when no answer arrives (timeout, refused, DNS). */
export interface HttpProbe {
  probe(url: string, options: { timeoutMs: number }): Promise<HttpProbeResult>;
}

/** What one Route 53 health checker last observed. */
export interface HealthCheckObservation {
  region: string;
  /** e.g. `Success: HTTP Status Code 200, OK` or `Failure: Connection timed out`. */
  status: string;
  healthy: boolean;
  checkedAt?: string;
}

/** Route 53's verdict on a health check, from its checkers' latest observations. */
export interface HealthCheckStatus {
  healthCheckId: string;
  healthy: boolean;
  observations: HealthCheckObservation[];
}

/** Reads the current status of a Route 53 health check. */
export interface HealthCheckStatusReader {
  /** Rejects with HealthCheckNotFoundError for an id Route 53 does not know. */
  healthCheckStatus(healthCheckId: string): Promise<HealthCheckStatus>;
}

/** A Route 53 health check id that does not exist. */
export class HealthCheckNotFoundError extends Error {
  constructor(
    readonly healthCheckId: string,
    options: FailoverErrorOptions = {},
  ) {
    super(`Route 53 health check ${JSON.stringify(healthCheckId)} not found`, options);
    this.name = 'HealthCheckNotFoundError';
  }
}
