// The gate in front of DNS: the side DNS moves to answers its own health check, several times in a row.
import {
  fetchHttpProbe,
  HealthGate,
  type HealthGateResult,
  type Timed,
  timed,
} from '../src/failover/index.ts';
import { healthCheckOf } from '../src/plan/compact-sections.ts';
import * as z from '../src/util/zod.ts';
import { healthCheckReader } from './shared/aws/route53.ts';
import type { FunctionDependencies } from './shared/dependencies.ts';
import { envelopeSchema, parseInput, runKeys, sideSchema } from './shared/envelope.ts';
import { inRun, lazyHandler, type StepHandler } from './shared/handler.ts';

const healthInput = z.extend(envelopeSchema, { side: sideSchema });

/** The health function over its dependencies. */
export function createHandler(
  deps: Pick<FunctionDependencies, 'plan' | 'probe' | 'healthChecks' | 'now' | 'sleep' | 'tuning'>,
): StepHandler<Timed<HealthGateResult>> {
  return async (event) => {
    const request = parseInput('Health', healthInput, event);
    return inRun('health', runKeys(request, deps.plan.name), () => {
      const gate = new HealthGate({
        // A failover's gate probes DR, a failback's the primary: each side answers its own check.
        healthCheck: healthCheckOf(deps.plan, request.side),
        section: `healthCheck.${request.side}`,
        probe: deps.probe,
        route53: deps.healthChecks,
        intervalMs: deps.tuning?.healthIntervalMs ?? 1000,
        sleep: deps.sleep,
      });
      return timed(deps.now, () => gate.check());
    });
  };
}

/** The Lambda entry point. */
export const handler = lazyHandler((base) =>
  createHandler({ ...base, probe: fetchHttpProbe, healthChecks: healthCheckReader(base) }),
);
