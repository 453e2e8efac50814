// Shared steps of the end-to-end tests: run a workflow on the world with the real handlers.

import {
  type LocalFunction,
  type LocalWorkflowResult,
  runLocalWorkflow,
} from '../../sandbox/workflows/local-workflow-runner.ts';
import {
  functionsFor,
  SAMPLE_TARGETS,
  SAMPLE_ZONE_ID,
  type SandboxWorld,
  type SandboxWorldOptions,
  startSandboxWorld,
} from '../../sandbox/world.ts';
import type { WorkflowFunction, WorkflowName } from '../../src/workflows/definitions.ts';

/** Runs one workflow with every function real, Waits on the world's compressed clock. */
export function runOnWorld(
  world: SandboxWorld,
  workflow: WorkflowName,
  options: {
    input?: unknown;
    executionName?: string;
    functions?: Partial<Record<WorkflowFunction, LocalFunction>>;
  } = {},
): Promise<LocalWorkflowResult> {
  return runLocalWorkflow({
    workflow,
    input: options.input ?? {},
    functions: { ...functionsFor(world), ...options.functions },
    ...(options.executionName ? { executionName: options.executionName } : {}),
    waitMs: (seconds) => world.waitMs(seconds),
    retryIntervalMs: 0,
    startTime: world.clock.now(),
  });
}

/** States entered, in order (loops repeat). */
export function statesOf(result: LocalWorkflowResult): string[] {
  return result.events.filter((e) => e.type === 'StateEntered').map((e) => e.state ?? '');
}

/** The report a run ended with: the output on success, the ReportFailure's answer otherwise. */
export function reportOf(result: LocalWorkflowResult): Record<string, unknown> {
  return (result.output ?? {}) as Record<string, unknown>;
}

/** Counts how many times each function was called, by wrapping the real ones. */
export function counting(
  world: SandboxWorld,
  calls: string[],
): Partial<Record<WorkflowFunction, LocalFunction>> {
  const real = functionsFor(world);
  return Object.fromEntries(
    Object.entries(real).map(([name, fn]) => [
      name,
      async (payload: unknown) => {
        const action = (payload as { action?: string }).action;
        calls.push(action ? `${name}:${action}` : name);
        return fn(payload);
      },
    ]),
  );
}

/** A world that ran a backup and a failover: DR serves the shop and DNS points at it. */
export async function failedOverWorld(options: SandboxWorldOptions = {}): Promise<SandboxWorld> {
  const world = await startSandboxWorld(options);
  for (const [workflow, name] of [
    ['backup', 'shop-backup-20260304T1000Z'],
    ['failover', 'shop-failover-20260304T1100Z'],
  ] as const) {
    const run = await runOnWorld(world, workflow, { executionName: name });
    if (run.status !== 'SUCCEEDED') {
      await world.stop();
      throw new Error(`${workflow} failed: ${run.error} ${String(run.cause)}`);
    }
  }
  return world;
}

/** Where DNS points: the side each of the sample plan's records serves. */
export function dnsSide(world: SandboxWorld): 'primary' | 'dr' | 'mixed' {
  const records = world.route53.records(SAMPLE_ZONE_ID);
  const shop = records.find((r) => r.name === 'shop.example.com.')?.values?.[0];
  const heavy = records.find((r) => r.name === 'api.example.com.' && r.weight === 100)?.values?.[0];
  if (shop === SAMPLE_TARGETS.primary.shop && heavy === SAMPLE_TARGETS.primary.api) return 'primary';
  if (shop === SAMPLE_TARGETS.dr.shop && heavy === SAMPLE_TARGETS.dr.api) return 'dr';
  return 'mixed';
}
