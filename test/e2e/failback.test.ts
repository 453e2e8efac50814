// Failback end to end: after a failover, a change made in DR during the outage comes home with a fresh DR
// snapshot, DNS returns to the primary, and the DR node groups go back to pilot light.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalWorkflowResult } from '../../sandbox/workflows/local-workflow-runner.ts';
import { SAMPLE_TARGETS, SAMPLE_ZONE_ID, type SandboxWorld, startSandboxWorld } from '../../sandbox/world.ts';
import { reportOf, runOnWorld } from './e2e-helpers.ts';

let world: SandboxWorld;
let result: LocalWorkflowResult;

beforeAll(async () => {
  world = await startSandboxWorld();
  for (const [workflow, name] of [
    ['backup', 'shop-backup-20260304T1000Z'],
    ['failover', 'shop-failover-20260304T1100Z'],
  ] as const) {
    const run = await runOnWorld(world, workflow, { executionName: name });
    if (run.status !== 'SUCCEEDED') throw new Error(`${workflow} failed: ${run.error} ${String(run.cause)}`);
  }
  // Written while DR served the shop: failback must bring it home.
  world.dr.loadYaml(
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: orders-during-outage\n  namespace: shop\ndata:\n  count: "42"\n',
  );
  result = await runOnWorld(world, 'failback', {
    executionName: 'shop-failback-20260304T1300Z',
    input: { reason: 'eu-west-1 is back' },
  });
}, 30_000);

afterAll(async () => {
  await world?.stop();
});

describe('failback workflow on the sandbox', () => {
  it('succeeds and restores what changed in DR into the primary', () => {
    // Arrange
    const expected = 'configmaps shop/orders-during-outage';

    // Act
    const primary = world.sampleObjects(world.primary);

    // Assert
    expect(result.status, String(result.cause)).toBe('SUCCEEDED');
    expect(primary).toContain(expected);
  });

  it('copies the DR snapshot to the primary bucket, verified', async () => {
    // Arrange
    const backups = (await world.stores.primary.list()).backups;

    // Act
    const fromDr = backups.filter((backup) => backup.manifest.sourceRegion === world.plan.dr.region);

    // Assert
    expect(fromDr).toHaveLength(1);
    expect(fromDr[0]?.manifest.copiedRegions).toContain(world.plan.primary.region);
  });

  it('points DNS back at the primary', () => {
    // Arrange
    const records = world.route53.records(SAMPLE_ZONE_ID);

    // Act
    const shop = records.find((r) => r.name === 'shop.example.com.');
    const primaryApi = records.find(
      (r) => r.name === 'api.example.com.' && r.values?.[0] === SAMPLE_TARGETS.primary.api,
    );

    // Assert
    expect(shop?.values).toEqual([SAMPLE_TARGETS.primary.shop]);
    expect(primaryApi?.weight).toBe(100);
  });

  it('scales the DR node group back to pilot light and reports the run', async () => {
    // Arrange
    await world.eks.idle();

    // Act
    const group = await world.eks.describeNodeGroup(world.plan.dr.clusterName, 'apps');
    const report = reportOf(result) as { outcome: string; workflow: string; rto: { seconds: number } };

    // Assert
    expect(group).toMatchObject({ desired: 0, readyNodes: 0, status: 'ACTIVE' });
    expect(report).toMatchObject({ outcome: 'Succeeded', workflow: 'failback' });
    expect(report.rto.seconds).toBeGreaterThan(0);
  });
});
