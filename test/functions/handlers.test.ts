// Every workflow function through its handler with stand-in dependencies: a payload the workflow would
// never send is refused naming the field, before any dependency is touched; and the answers' shapes.
import { describe, expect, it } from 'vitest';
import { createHandler as approval } from '../../functions/approval.ts';
import { createHandler as capacity } from '../../functions/capacity.ts';
import { createHandler as copy } from '../../functions/copy.ts';
import { createHandler as dns } from '../../functions/dns.ts';
import { createHandler as guard } from '../../functions/guard.ts';
import { createHandler as health } from '../../functions/health.ts';
import { createHandler as prune } from '../../functions/prune.ts';
import { createHandler as report } from '../../functions/report.ts';
import { createHandler as restore } from '../../functions/restore.ts';
import { createHandler as selectBackup } from '../../functions/select-backup.ts';
import { backupNameFor } from '../../functions/shared/backup-name.ts';
import type { FunctionDependencies } from '../../functions/shared/dependencies.ts';
import { InvalidFunctionInputError } from '../../functions/shared/envelope.ts';
import { logger } from '../../functions/shared/powertools.ts';
import { createHandler as snapshot } from '../../functions/snapshot.ts';
import { createHandler as volumes } from '../../functions/volumes.ts';
import { createHandler as workloadsReady } from '../../functions/workloads-ready.ts';
import { SandboxClock } from '../../sandbox/aws/sandbox-clock.ts';
import { SandboxMetrics } from '../../sandbox/aws/sandbox-metrics.ts';
import { SandboxNotifier } from '../../sandbox/aws/sandbox-notifier.ts';
import { SandboxRecoveryLedger } from '../../sandbox/aws/sandbox-recovery-ledger.ts';
import { SandboxRoute53 } from '../../sandbox/aws/sandbox-route53.ts';
import {
  aPlan,
  DRILL_ARN,
  FAILBACK_ARN,
  FAILOVER_ARN,
  InMemoryWorkflows,
} from '../failover/failover-fixtures.ts';
import { dnsSection } from '../plan/plan-fixtures.ts';

logger.setLogLevel('SILENT');

const ZONE = 'Z0123456789ABCDEFGHIJ';
const BASE = {
  executionName: 'shop-failover-1',
  executionStartTime: '2026-03-01T12:00:00Z',
  input: {},
  steps: {},
};

/** Dependencies whose every use fails the test: validation must reject before touching them. */
function untouchable(): FunctionDependencies {
  const fail = () => {
    throw new Error('a dependency was used before the input was validated');
  };
  const plan = aPlan((raw) => {
    raw.dns = dnsSection();
    raw.healthCheck = { url: 'http://127.0.0.1:9/healthz', consecutiveSuccesses: 2 };
  });
  return new Proxy({ plan, now: () => new Date('2026-03-01T12:00:00Z') } as FunctionDependencies, {
    get: (target, key) => (key in target ? target[key as keyof FunctionDependencies] : fail),
  });
}

/** Stand-ins for the handlers that need no cluster: Route 53, SNS, CloudWatch and Step Functions in memory. */
function standIns() {
  const clock = new SandboxClock({ realMsPerModelledSecond: 1000 });
  const route53 = new SandboxRoute53({ clock, propagationSeconds: 60 });
  route53.addZone({
    id: ZONE,
    name: 'example.com',
    records: [{ name: 'shop.example.com.', type: 'A', ttl: 60, values: ['203.0.113.10'] }],
  });
  const probes: string[] = [];
  const deps = {
    ...untouchable(),
    dns: route53,
    notifier: new SandboxNotifier(),
    metrics: new SandboxMetrics(),
    workflows: new InMemoryWorkflows(),
    ledger: new SandboxRecoveryLedger(),
    probe: {
      probe: async (url: string) => {
        probes.push(url);
        return { status: 200, latencyMs: 3 };
      },
    },
    sleep: async () => {},
    stateMachineArn: (workflow: string) =>
      ({ failover: FAILOVER_ARN, failback: FAILBACK_ARN, drill: DRILL_ARN })[workflow] ?? 'arn:none',
  } as unknown as FunctionDependencies;
  return { deps, route53, probes, clock, ledger: deps.ledger as SandboxRecoveryLedger };
}

describe('input validation', () => {
  const deps = untouchable();
  it.each([
    { name: 'Guard', handler: guard(deps), payload: { ...BASE, workflow: 'failover' }, field: 'executionId' },
    {
      name: 'Guard',
      handler: guard(deps),
      payload: { ...BASE, workflow: 'restore', executionId: 'x' },
      field: 'workflow',
    },
    { name: 'Approval', handler: approval(deps), payload: BASE, field: 'taskToken' },
    { name: 'SelectBackup', handler: selectBackup(deps), payload: { ...BASE, side: 'west' }, field: 'side' },
    {
      name: 'Capacity',
      handler: capacity(deps),
      payload: { ...BASE, side: 'dr', action: 'grow' },
      field: 'action',
    },
    {
      name: 'Capacity',
      handler: capacity(deps),
      payload: { ...BASE, side: 'dr', action: 'status', updates: { action: 'scaleUp' } },
      field: 'updates.cluster',
    },
    {
      name: 'Restore',
      handler: restore(deps),
      payload: { ...BASE, side: 'dr', backup: {} },
      field: 'backup.name',
    },
    {
      name: 'WorkloadsReady',
      handler: workloadsReady(deps),
      payload: { ...BASE, side: 'dr' },
      field: 'steps.restore',
    },
    {
      name: 'Health',
      handler: health(deps),
      payload: { ...BASE, executionStartTime: 'noon', side: 'dr' },
      field: 'executionStartTime',
    },
    {
      name: 'Dns',
      handler: dns(deps),
      payload: { ...BASE, side: 'dr', action: 'status', change: {} },
      field: 'change.changeId',
    },
    {
      name: 'Snapshot',
      handler: snapshot(deps),
      payload: { ...BASE, executionName: '', side: 'primary' },
      field: 'executionName',
    },
    {
      name: 'Volumes',
      handler: volumes(deps),
      payload: { ...BASE, action: 'startCopies', volumes: [] },
      field: 'volumes',
    },
    {
      name: 'Volumes',
      handler: volumes(deps),
      payload: {
        ...BASE,
        action: 'checkCopies',
        from: 'dr',
        to: 'dr',
        volumes: {
          backupName: 'b',
          sourceRegion: 'eu-central-1',
          region: 'eu-west-1',
          kmsKeyId: 'k',
          items: [],
        },
      },
      field: 'to',
    },
    {
      name: 'Copy',
      handler: copy(deps),
      payload: { ...BASE, from: 'primary', to: 'primary', backup: { name: 'b' } },
      field: 'to',
    },
    { name: 'Prune', handler: prune(deps), payload: { ...BASE, steps: [] }, field: 'steps' },
    {
      name: 'Report',
      handler: report(deps),
      payload: { ...BASE, workflow: 'failover', outcome: 'Maybe' },
      field: 'outcome',
    },
  ])('$name refuses a payload naming $field', async ({ name, handler, payload, field }) => {
    // Arrange
    const call = handler(payload);

    // Act
    const error = await call.then(
      () => undefined,
      (caught: unknown) => caught,
    );

    // Assert
    expect(error).toBeInstanceOf(InvalidFunctionInputError);
    expect((error as InvalidFunctionInputError).field).toBe(field);
    expect((error as Error).message).toMatch(
      new RegExp(`^${name} input field ${field.replace('.', '\\.')}: `),
    );
  });

  it('Capacity refuses the primary side: only DR node groups are in the plan', async () => {
    // Arrange
    const handler = capacity(deps);

    // Act
    const call = handler({ ...BASE, side: 'primary', action: 'scaleUp' });

    // Assert
    await expect(call).rejects.toThrow(/Capacity input field side/);
  });
});

describe('answers', () => {
  it('Guard answers the effective settings with the step timing', async () => {
    // Arrange
    const { deps } = standIns();

    // Act
    const settings = await guard(deps)({ ...BASE, workflow: 'failover', executionId: `${FAILOVER_ARN}:x` });

    // Assert
    expect(settings).toMatchObject({
      proceed: true,
      workflow: 'failover',
      approvalRequired: true,
      dnsCutover: true,
      drill: false,
    });
    expect(settings.startedAt).toBe('2026-03-01T12:00:00.000Z');
    expect(settings.finishedAt).toBe('2026-03-01T12:00:00.000Z');
  });

  it('Dns cutover answers the change id and the previous records; status answers insync', async () => {
    // Arrange
    const { deps, route53, ledger } = standIns();
    const handler = dns(deps);

    // Act
    const change = (await handler({ ...BASE, side: 'dr', action: 'cutover' })) as {
      changeId: string;
      previousRecords: unknown[];
    };
    const status = await handler({ ...BASE, side: 'dr', action: 'status', change });

    // Assert
    expect(change.previousRecords).toEqual([
      { name: 'shop.example.com.', type: 'A', ttl: 60, values: ['203.0.113.10'] },
    ]);
    expect(route53.records(ZONE)[0]?.values).toEqual(['198.51.100.10']);
    expect(status).toMatchObject({ insync: false, status: 'PENDING', changeId: change.changeId });
    expect(await ledger.activeSide('shop')).toEqual({
      side: 'dr',
      since: '2026-03-01T12:00:00.000Z',
      executionName: 'shop-failover-1',
    });
  });

  it('Health probes the plan URL the configured number of times', async () => {
    // Arrange
    const { deps, probes } = standIns();

    // Act
    const result = await health(deps)({ ...BASE, side: 'dr' });

    // Assert
    expect(result).toMatchObject({ healthy: true, status: '200', probes: 2 });
    expect(probes).toEqual(['http://127.0.0.1:9/healthz', 'http://127.0.0.1:9/healthz']);
  });

  it("Health probes the side's own check: DR's before a failover, the primary's before a failback", async () => {
    // Arrange
    const { deps, probes } = standIns();
    const plan = aPlan((raw) => {
      raw.dns = dnsSection();
      raw.healthCheck = {
        primary: { url: 'http://127.0.0.1:9/primary', consecutiveSuccesses: 1 },
        dr: { url: 'http://127.0.0.1:9/dr', consecutiveSuccesses: 1 },
      };
    });
    const handler = health({ ...deps, plan });

    // Act
    await handler({ ...BASE, side: 'dr' });
    await handler({ ...BASE, side: 'primary' });

    // Assert
    expect(probes).toEqual(['http://127.0.0.1:9/dr', 'http://127.0.0.1:9/primary']);
  });

  it("Health refuses a side the plan has no check for, naming the plan's field", async () => {
    // Arrange
    const { deps } = standIns();
    const plan = aPlan((raw) => {
      raw.healthCheck = { dr: { url: 'http://127.0.0.1:9/dr' } };
    });

    // Act
    const call = health({ ...deps, plan })({ ...BASE, side: 'primary' });

    // Assert
    await expect(call).rejects.toThrow(/^plan section healthCheck\.primary: the plan has no health check/);
  });

  it('Approval publishes the task token to the topic and answers its message id', async () => {
    // Arrange
    const { deps } = standIns();

    // Act
    const answer = await approval(deps)({ ...BASE, taskToken: 'AQCEAAAAKgAAAAMAAAAAAAAAAb' });

    // Assert
    expect(answer).toMatchObject({ published: true });
    const sent = (deps.notifier as SandboxNotifier).sent[0];
    expect(sent?.subject).toBe('eks-dr shop: recovery shop-failover-1 awaits approval');
    expect(sent?.message).toContain("send-task-success --task-token 'AQCEAAAAKgAAAAMAAAAAAAAAAb'");
  });

  it('Report answers the run report and publishes it', async () => {
    // Arrange
    const { deps } = standIns();
    const error = {
      Error: 'HealthCheckFailedError',
      Cause: '{"errorMessage":"health check failed: HTTP 503"}',
    };

    // Act
    const answer = await report(deps)({ ...BASE, workflow: 'failover', outcome: 'Failed', error });

    // Assert
    expect(answer).toMatchObject({
      outcome: 'Failed',
      error: { name: 'HealthCheckFailedError', message: 'health check failed: HTTP 503' },
    });
    expect((deps.metrics as SandboxMetrics).values('WorkflowFailed', 'shop')).toEqual([1]);
  });

  it("Report releases this execution's claim at the end of a recovery, and only its own", async () => {
    // Arrange
    const { deps, ledger } = standIns();
    const mine = `${FAILOVER_ARN}:shop-failover-1`;
    const claim = (arn: string, name: string) =>
      ledger.claim({
        plan: 'shop',
        execution: { name, arn, workflow: 'failover', startedAt: BASE.executionStartTime },
        leaseSeconds: 3600,
        now: new Date('2026-03-01T12:00:00Z'),
      });
    await claim(mine, 'shop-failover-1');

    // Act
    await report(deps)({ ...BASE, workflow: 'failover', outcome: 'Failed', executionId: mine, error: {} });
    await claim(`${FAILOVER_ARN}:other`, 'other');
    const notRun = await report(deps)({
      ...BASE,
      workflow: 'failover',
      outcome: 'NotRun',
      executionId: mine,
      steps: {
        guard: { result: { proceed: false, notRun: { reason: 'failover other is recovering plan shop' } } },
      },
    });

    // Assert
    expect(ledger.claimOf('shop')?.name).toBe('other');
    expect(notRun).toMatchObject({
      outcome: 'NotRun',
      notRun: { reason: 'failover other is recovering plan shop' },
    });
    expect((deps.metrics as SandboxMetrics).values('WorkflowFailed', 'shop')).toEqual([1, 0]);
    expect((deps.metrics as SandboxMetrics).values('WorkflowNotRun', 'shop')).toEqual([0, 1]);
  });
});

describe('backupNameFor', () => {
  it.each([
    ['shop-backup-20260301t1000z', /^shop-backup-20260301t1000z$/],
    ['shop-backup-20260301T1000Z', /^shop-backup-20260301t1000z-[0-9a-f]{8}$/],
    ['7e0f3c2a-1b2c-4d5e-8f90-123456789abc', /^7e0f3c2a-1b2c-4d5e-8f90-123456789abc$/],
    ['_Failover_ By Hand_', /^failover-by-hand-[0-9a-f]{8}$/],
    ['x'.repeat(80), /^x{54}-[0-9a-f]{8}$/],
  ])('names the backup of execution %s deterministically', (executionName, expected) => {
    // Arrange
    const name = executionName;

    // Act
    const first = backupNameFor(name);
    const again = backupNameFor(name);

    // Assert
    expect(first).toMatch(expected);
    expect(again).toBe(first);
  });
});
