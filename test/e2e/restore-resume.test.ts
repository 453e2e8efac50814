// A restore that runs out of time: each invocation stops at its deadline and returns a continuation, the
// workflow loops, and the next invocation resumes where the last stopped: nothing lost, nothing twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalWorkflowResult } from '../../sandbox/workflows/local-workflow-runner.ts';
import { type SandboxWorld, startSandboxWorld } from '../../sandbox/world.ts';
import { counting, reportOf, runOnWorld } from './e2e-helpers.ts';

let world: SandboxWorld;
let result: LocalWorkflowResult;
const calls: string[] = [];

beforeAll(async () => {
  world = await startSandboxWorld();
  const backup = await runOnWorld(world, 'backup', { executionName: 'shop-backup-20260306T1000Z' });
  if (backup.status !== 'SUCCEEDED')
    throw new Error(`backup failed: ${backup.error} ${String(backup.cause)}`);
  // A slow API server and a Lambda with little time left: the restore cannot finish in one invocation.
  world.dr.faults.add({ kind: 'latency', latencyMs: 60, match: { verb: 'create' } });
  world.restoreTimeBudgetMs = 900;
  result = await runOnWorld(world, 'failover', {
    executionName: 'shop-failover-20260306T1100Z',
    functions: counting(world, calls),
  });
}, 30_000);

afterAll(async () => {
  await world?.stop();
});

describe('restore continuation loop on the sandbox', () => {
  it('loops through several Restore invocations and succeeds', () => {
    // Arrange
    const restores = calls.filter((call) => call === 'Restore');

    // Act
    const status = result.status;

    // Assert
    expect(status, String(result.cause)).toBe('SUCCEEDED');
    expect(restores.length).toBeGreaterThan(1);
  });

  it('applies every planned object exactly once across the invocations', () => {
    // Arrange
    const report = reportOf(result) as {
      restore: { planned: number; created: number; skipped: number; failed: number };
    };

    // Act
    const { planned, created, skipped, failed } = report.restore;

    // Assert
    expect(failed).toBe(0);
    expect(created + skipped).toBe(planned);
    expect(world.sampleObjects(world.dr)).toEqual(expect.arrayContaining(world.sampleObjects(world.primary)));
  });
});
