// Shared steps of the end-to-end tests: run a workflow on the world with the real handlers.

import {
  type LocalFunction,
  type LocalWorkflowResult,
  runLocalWorkflow,
} from '../../sandbox/workflows/local-workflow-runner.ts';
import { functionsFor, type SandboxWorld } from '../../sandbox/world.ts';
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
