// The gate in front of the DNS cutover: the recovered side must answer its health check, several times in a
// row, before any record moves. A failure throws HealthCheckFailedError, which the workflow retries and then
// reports with DNS untouched.
import type { HealthCheckPlan } from '../plan/index.ts';
import { HealthCheckFailedError, PlanSectionMissingError } from './errors.ts';
import type { HealthCheckStatusReader, HttpProbe } from './ports/health-checks.ts';

/** A passed gate; written to `steps.health.result`. */
export interface HealthGateResult {
  healthy: true;
  /** The URL or `route53:<id>`. */
  target: string;
  /** The last HTTP status, or Route 53's summary of its checkers. */
  status: string;
  /** Latency of the last probe (the Route 53 read for a health check id). */
  latencyMs: number;
  probes: number;
}

/** Collaborators of HealthGate. */
export interface HealthGateDependencies {
  /** The plan's health check of the side DNS moves to (undefined when it has none: the gate then refuses). */
  healthCheck: HealthCheckPlan | undefined;
  /** Where the plan keeps that check, for messages. @default 'healthCheck' */
  section?: string;
  probe: HttpProbe;
  route53: HealthCheckStatusReader;
  /**
   * Pause between consecutive probes, in milliseconds; a few seconds at most, the workflow's Retry does the
   * long waits.
   * @default 1000
   */
  intervalMs?: number;
  sleep?: (ms: number) => Promise<void>;
  /** Monotonic milliseconds, for latency. @default performance.now */
  clockMs?: () => number;
}

/** Probes the plan's health check and passes only when it is healthy. */
export class HealthGate {
  readonly #deps: HealthGateDependencies;

  constructor(deps: HealthGateDependencies) {
    this.#deps = deps;
  }

  /** `{ healthy: true, ... }`, or HealthCheckFailedError with the observed status or error. */
  async check(): Promise<HealthGateResult> {
    const plan = this.#deps.healthCheck;
    const section = this.#deps.section ?? 'healthCheck';
    if (plan === undefined) {
      throw new PlanSectionMissingError(section, 'the plan has no health check, so DNS cannot move safely');
    }
    if (plan.route53HealthCheckId !== undefined) return this.#route53(plan.route53HealthCheckId);
    if (plan.url !== undefined) return this.#http(plan, plan.url);
    throw new PlanSectionMissingError(section, 'expected url or route53HealthCheckId');
  }

  async #http(plan: HealthCheckPlan, url: string): Promise<HealthGateResult> {
    const timeoutMs = plan.timeoutSeconds * 1000;
    const wanted = plan.consecutiveSuccesses;
    let last = { status: 0, latencyMs: 0 };
    for (let attempt = 1; attempt <= wanted; attempt++) {
      if (attempt > 1) await this.#sleep(this.#deps.intervalMs ?? 1000);
      try {
        last = await this.#deps.probe.probe(url, { timeoutMs });
      } catch (error) {
        throw new HealthCheckFailedError(
          url,
          `probe ${attempt} of ${wanted}: ${describeFailure(error, timeoutMs)}`,
          {
            cause: error,
          },
        );
      }
      if (!statusPasses(plan.expectedStatus, last.status)) {
        throw new HealthCheckFailedError(
          url,
          `probe ${attempt} of ${wanted}: HTTP ${last.status}, expected ${expectation(plan.expectedStatus)}`,
        );
      }
    }
    return {
      healthy: true,
      target: url,
      status: String(last.status),
      latencyMs: last.latencyMs,
      probes: wanted,
    };
  }

  async #route53(id: string): Promise<HealthGateResult> {
    const clock = this.#deps.clockMs ?? (() => performance.now());
    const started = clock();
    const status = await this.#deps.route53.healthCheckStatus(id);
    const latencyMs = Math.round(clock() - started);
    const healthyCount = status.observations.filter((observation) => observation.healthy).length;
    const summary = `${healthyCount} of ${status.observations.length} Route 53 checkers healthy`;
    if (!status.healthy) {
      const failing = status.observations.find((observation) => !observation.healthy);
      const example = failing ? ` (${failing.region}: ${failing.status})` : '';
      throw new HealthCheckFailedError(`route53:${id}`, `${summary}${example}`);
    }
    return { healthy: true, target: `route53:${id}`, status: summary, latencyMs, probes: 1 };
  }

  #sleep(ms: number): Promise<void> {
    return (this.#deps.sleep ?? ((delay) => new Promise<void>((resolve) => setTimeout(resolve, delay))))(ms);
  }
}

/**
 * The plan's default expectation (200) accepts 200–399, as Route 53 and load balancer checks judge an HTTP
 * endpoint healthy; any other expected status must match exactly.
 */
export function statusPasses(expected: number, status: number): boolean {
  return expected === 200 ? status >= 200 && status <= 399 : status === expected;
}

function expectation(expected: number): string {
  return expected === 200 ? '200-399' : String(expected);
}

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs} ms`;
  }
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error instanceof Error ? error.message : String(error)}${cause}`;
}
