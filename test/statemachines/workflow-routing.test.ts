// The ASL files' own logic — loops, choices, retries by error name, catches — run by aws-local-stepfunctions
// with scripted handlers. The end-to-end tests run the same files with the real handlers on the sandbox.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type LocalFunction, runLocalWorkflow } from '../../sandbox/workflows/local-workflow-runner.ts';
import { RECOVERY_LEASE_SECONDS } from '../../src/failover/recovery-rules.ts';
import { placeholdersOf, readDefinition, workflowNames } from '../../src/workflows/definitions.ts';

class HealthCheckFailedError extends Error {
  override name = 'HealthCheckFailedError';
}
class NodeGroupUpdateFailedError extends Error {
  override name = 'NodeGroupUpdateFailedError';
}
class KubeThrottledError extends Error {
  override name = 'KubeThrottledError';
}
class NodeGroupBusyError extends Error {
  override name = 'NodeGroupBusyError';
}

const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];
// What the SDK's retry, the adapters' backoff or the kube retry throw once they have given up: retrying them
// again in ASL would multiply the requests of one failing call (and States.ALL would retry them all).
const GIVEN_UP_ERRORS = [
  'AwsTransientError',
  'DnsThrottledError',
  'Ec2ThrottledError',
  'KubeThrottledError',
  'KubeServerError',
  'KubeConnectionError',
  'States.ALL',
  'States.TaskFailed',
];

type Payload = Record<string, unknown> & { action?: string; continuation?: unknown; outcome?: string };

/** Scripted answers for a healthy failover; a test replaces the ones it is about. */
function failoverFunctions(calls: string[], overrides: Partial<Record<string, LocalFunction>> = {}) {
  let statusChecks = 0;
  const record =
    (name: string, answer: (p: Payload) => unknown): LocalFunction =>
    async (payload) => {
      const p = payload as Payload;
      calls.push(p.action ? `${name}:${p.action}` : name);
      return answer(p);
    };
  return {
    Guard: record('Guard', () => ({ proceed: true, approvalRequired: false, cleanup: false })),
    Approval: record('Approval', () => ({ approvedBy: 'ops' })),
    SelectBackup: record('SelectBackup', () => ({ name: 'nightly-1' })),
    Capacity: record('Capacity', (p) =>
      p.action === 'status' ? { ready: ++statusChecks >= 2 } : { updates: ['u-1'] },
    ),
    Restore: record('Restore', (p) =>
      p.continuation === null
        ? { done: false, continuation: { next: 40 } }
        : { done: true, continuation: null },
    ),
    WorkloadsReady: record('WorkloadsReady', () => ({ ready: true })),
    Health: record('Health', () => ({ healthy: true })),
    Dns: record('Dns', (p) =>
      p.action === 'status' ? { insync: true } : { changeId: 'C1', previousRecords: [] },
    ),
    Snapshot: record('Snapshot', () => ({ name: 'dr-1', volumeCount: 0, volumes: [] })),
    Copy: record('Copy', () => ({ name: 'dr-1' })),
    Report: record('Report', (p) => ({ outcome: p.outcome, error: p.error ?? null })),
    ...overrides,
  } as Record<string, LocalFunction>;
}

describe('workflow definitions', () => {
  it.each(workflowNames)('%s.asl.json only names functions the infra provides', (workflow) => {
    // Arrange
    const text = readDefinition(workflow);

    // Act
    const placeholders = placeholdersOf(text);

    // Assert
    expect(placeholders.length).toBeGreaterThan(0);
    for (const placeholder of placeholders) expect(placeholder).toMatch(/^[A-Z][A-Za-z]+FunctionArn$/);
  });

  it('the workflows retry only on error names that src/ really throws', () => {
    // Arrange
    const thrown = errorClassNamesIn('src');

    // Act
    const named = workflowNames
      .flatMap((workflow) => Object.values(statesOf(workflow)))
      .flatMap((state) => state.Retry ?? [])
      .flatMap((retrier) => retrier.ErrorEquals)
      .filter(
        (name) => !name.startsWith('States.') && !name.startsWith('Lambda.') && !name.startsWith('Sandbox.'),
      );

    // Assert
    expect(named.length).toBeGreaterThan(0);
    for (const name of named) expect(thrown).toContain(name);
  });

  it.each(workflowNames)(
    'every Task of %s.asl.json retries Lambda service errors first, and nothing an inner retry gave up on',
    (workflow) => {
      // Arrange
      const tasks = Object.entries(statesOf(workflow)).filter(([, state]) => state.Type === 'Task');

      // Act
      const retried = tasks.map(([name, state]) => ({ name, retriers: state.Retry ?? [] }));

      // Assert
      expect(retried.length).toBeGreaterThan(0);
      for (const { name, retriers } of retried) {
        expect(retriers[0]?.ErrorEquals, name).toEqual(LAMBDA_SERVICE_ERRORS);
        const named = retriers.flatMap((retrier) => retrier.ErrorEquals);
        for (const error of GIVEN_UP_ERRORS) expect(named, `${name} retries ${error}`).not.toContain(error);
      }
    },
  );

  it.each(workflowNames)('every Task of %s.asl.json retries and catches', (workflow) => {
    // Arrange
    const states = JSON.parse(readDefinition(workflow)).States as Record<string, Record<string, unknown>>;

    // Act
    const tasks = Object.entries(states).filter(([, s]) => s.Type === 'Task');

    // Assert
    for (const [name, state] of tasks) {
      expect(state.Retry, name).toBeInstanceOf(Array);
      expect(state.Catch, name).toBeInstanceOf(Array);
    }
  });
});

describe('recovery workflows the guard does not let proceed', () => {
  it.each(['failover', 'failback', 'drill'] as const)(
    '%s reports not run with its execution ARN and succeeds, calling nothing else',
    async (workflow) => {
      // Arrange
      const calls: string[] = [];
      const reported: Payload[] = [];
      const notRun = { reason: 'failover f1 is recovering plan shop' };
      const functions = failoverFunctions(calls, {
        Guard: async () => ({ proceed: false, notRun, approvalRequired: true }),
        Report: async (payload) => {
          reported.push(payload as Payload);
          return { outcome: (payload as Payload).outcome };
        },
      });

      // Act
      const result = await runLocalWorkflow({ workflow, input: {}, functions, executionName: 'late' });

      // Assert
      expect(result.status).toBe('SUCCEEDED');
      expect(result.output).toEqual({ outcome: 'NotRun' });
      expect(calls).toEqual([]);
      expect(reported).toHaveLength(1);
      expect(reported[0]).toMatchObject({
        workflow,
        outcome: 'NotRun',
        executionId: `arn:aws:states:eu-west-1:123456789012:execution:eks-dr-${workflow}:late`,
        steps: { guard: { result: { proceed: false, notRun } } },
      });
    },
  );

  it.each(['failover', 'failback', 'drill'] as const)(
    "%s ends before a recovery claim's lease could expire under it",
    (workflow) => {
      // Arrange
      const definition = JSON.parse(readDefinition(workflow)) as { TimeoutSeconds?: number };

      // Act
      const timeout = definition.TimeoutSeconds ?? Number.POSITIVE_INFINITY;

      // Assert
      expect(timeout).toBeLessThan(RECOVERY_LEASE_SECONDS);
    },
  );

  it.each(['failover', 'failback', 'drill'] as const)(
    '%s hands its execution ARN to both reports, so the claim is released whatever the outcome',
    (workflow) => {
      // Arrange
      const states = statesOf(workflow) as Record<
        string,
        { Parameters?: { Payload?: Record<string, unknown> } }
      >;

      // Act
      const ids = ['Report', 'ReportFailure', 'ReportNotRun'].map(
        (state) => states[state]?.Parameters?.Payload?.['executionId.$'],
      );

      // Assert
      expect(ids).toEqual(['$$.Execution.Id', '$$.Execution.Id', '$$.Execution.Id']);
    },
  );
});

describe('failover workflow', () => {
  it('polls capacity, loops the restore on its continuation, then cuts DNS over and reports success', async () => {
    // Arrange
    const calls: string[] = [];

    // Act
    const result = await runLocalWorkflow({
      workflow: 'failover',
      input: {},
      functions: failoverFunctions(calls),
    });

    // Assert
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual({ outcome: 'Succeeded', error: null });
    expect(calls).toEqual([
      'Guard',
      'SelectBackup',
      'Capacity:scaleUp',
      'Capacity:status',
      'Capacity:status',
      'Restore',
      'Restore',
      'WorkloadsReady',
      'Health',
      'Dns:cutover',
      'Dns:status',
      'Report',
    ]);
  });

  it('waits for approval when the guard says so', async () => {
    // Arrange
    const calls: string[] = [];
    const functions = failoverFunctions(calls, {
      Guard: async () => ({ proceed: true, approvalRequired: true }),
    });

    // Act
    const result = await runLocalWorkflow({ workflow: 'failover', input: {}, functions });

    // Assert
    expect(result.status).toBe('SUCCEEDED');
    expect(calls[0]).toBe('Approval');
  });

  it('never touches DNS when the health gate keeps failing: retried, then reported as Failed', async () => {
    // Arrange
    const calls: string[] = [];
    let healthChecks = 0;
    const functions = failoverFunctions(calls, {
      Health: async () => {
        healthChecks += 1;
        throw new HealthCheckFailedError('https://shop.dr.example.com/healthz answered 503');
      },
    });

    // Act
    const result = await runLocalWorkflow({ workflow: 'failover', input: {}, functions });

    // Assert
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('FailoverFailed');
    expect(healthChecks).toBe(9);
    expect(calls.some((c) => c.startsWith('Dns'))).toBe(false);
    expect(calls.at(-1)).toBe('Report');
  });

  it('reports a failed node group update with its cause and stops before the restore', async () => {
    // Arrange
    const calls: string[] = [];
    let reported: unknown;
    const functions = failoverFunctions(calls, {
      Capacity: async (p) => {
        if ((p as Payload).action === 'status')
          throw new NodeGroupUpdateFailedError('dr-workers: update u-1 Failed');
        return { updates: ['u-1'] };
      },
      Report: async (p) => {
        reported = p;
        return { outcome: (p as Payload).outcome };
      },
    });

    // Act
    const result = await runLocalWorkflow({ workflow: 'failover', input: {}, functions });

    // Assert
    expect(result.status).toBe('FAILED');
    expect(result.cause).toContain('dr-workers: update u-1 Failed');
    expect(reported).toMatchObject({ outcome: 'Failed', error: { Error: 'NodeGroupUpdateFailedError' } });
    expect(calls).not.toContain('Restore');
  });

  it("retries a step's named transient error and carries on", async () => {
    // Arrange
    const calls: string[] = [];
    let scaleAttempts = 0;
    const functions = failoverFunctions(calls, {
      Capacity: async (p) => {
        if ((p as Payload).action === 'status') return { ready: true };
        scaleAttempts += 1;
        if (scaleAttempts < 3) throw new NodeGroupBusyError('dr-workers: update in progress');
        return { updates: ['u-1'] };
      },
    });

    // Act
    const result = await runLocalWorkflow({ workflow: 'failover', input: {}, functions });

    // Assert
    expect(result.status).toBe('SUCCEEDED');
    expect(scaleAttempts).toBe(3);
  });

  it('does not retry an error the kube retry already gave up on: it is reported', async () => {
    // Arrange
    const calls: string[] = [];
    let attempts = 0;
    const functions = failoverFunctions(calls, {
      SelectBackup: async () => {
        attempts += 1;
        throw new KubeThrottledError('429 TooManyRequests after 6 attempts');
      },
    });

    // Act
    const result = await runLocalWorkflow({ workflow: 'failover', input: {}, functions });

    // Assert
    expect(result.status).toBe('FAILED');
    expect(attempts).toBe(1);
    expect(calls.at(-1)).toBe('Report');
  });
});

describe('drill, failback and backup workflows', () => {
  it('a drill never calls the DNS function and cleans up when asked', async () => {
    // Arrange
    const calls: string[] = [];
    const functions = failoverFunctions(calls, {
      Guard: async () => ({ proceed: true, approvalRequired: false, cleanup: true }),
    });

    // Act
    const result = await runLocalWorkflow({ workflow: 'drill', input: { cleanup: true }, functions });

    // Assert
    expect(result.status).toBe('SUCCEEDED');
    expect(calls.some((c) => c.startsWith('Dns'))).toBe(false);
    expect(calls).toContain('Restore:cleanup');
    expect(calls).toContain('Capacity:scaleDown');
  });

  it('failback snapshots the DR side, copies, restores the primary, moves DNS back, then scales DR down', async () => {
    // Arrange
    const calls: string[] = [];

    // Act
    const result = await runLocalWorkflow({
      workflow: 'failback',
      input: {},
      functions: failoverFunctions(calls),
    });

    // Assert
    expect(result.status).toBe('SUCCEEDED');
    expect(calls).toEqual([
      'Guard',
      'Snapshot',
      'Copy',
      'Restore',
      'Restore',
      'WorkloadsReady',
      'Health',
      'Dns:failback',
      'Dns:status',
      'Capacity:scaleDown',
      'Report',
    ]);
  });

  it('backup waits for volume snapshots and their copies before copying the archive', async () => {
    // Arrange
    const calls: string[] = [];
    let checks = 0;
    const functions = {
      ...failoverFunctions(calls),
      Snapshot: async () => {
        calls.push('Snapshot');
        return { name: 'nightly-2', volumeCount: 1, volumes: [{ pv: 'pv-1' }] };
      },
      Volumes: async (p: unknown) => {
        calls.push(`Volumes:${(p as Payload).action}`);
        return {
          done: (p as Payload).action === 'startCopies' ? false : ++checks % 2 === 0,
          volumes: [{ pv: 'pv-1' }],
        };
      },
      Prune: async () => {
        calls.push('Prune');
        return { deleted: [], kept: ['nightly-2'] };
      },
    };

    // Act
    const result = await runLocalWorkflow({ workflow: 'backup', input: {}, functions });

    // Assert
    expect(result.status).toBe('SUCCEEDED');
    expect(calls).toEqual([
      'Snapshot',
      'Volumes:checkSnapshots',
      'Volumes:checkSnapshots',
      'Volumes:startCopies',
      'Volumes:checkCopies',
      'Volumes:checkCopies',
      'Copy',
      'Prune',
      'Report',
    ]);
  });
});

type State = { Type?: string; Retry?: { ErrorEquals: string[] }[] };

function statesOf(workflow: (typeof workflowNames)[number]): Record<string, State> {
  return JSON.parse(readDefinition(workflow)).States as Record<string, State>;
}

/** Names of the error classes declared under a folder: what a Lambda built from src/ can throw. */
function errorClassNamesIn(dir: string): Set<string> {
  const names = new Set<string>();
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const text = readFileSync(join(entry.parentPath, entry.name), 'utf8');
    for (const match of text.matchAll(/class (\w+Error) extends \w*Error/g)) names.add(match[1] as string);
  }
  return names;
}
