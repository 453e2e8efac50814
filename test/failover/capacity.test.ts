import { afterEach, describe, expect, it } from 'vitest';
import { SandboxClock } from '../../sandbox/aws/sandbox-clock.ts';
import { SandboxEks } from '../../sandbox/aws/sandbox-eks.ts';
import { KubeApiSimulator } from '../../sandbox/kube/simulator.ts';
import { CapacityManager, type CapacityStatus } from '../../src/failover/capacity.ts';
import { CapacityTimeoutError, NodeGroupUpdateFailedError } from '../../src/failover/errors.ts';
import { clusterClientFromKubeconfigText } from '../../src/kube/kubeconfig.ts';
import { aPlan } from './failover-fixtures.ts';

const plan = aPlan((raw) => {
  raw.dr.nodeGroups = [
    {
      name: 'workers',
      pilotLightSize: { min: 0, desired: 0, max: 3 },
      targetSize: { min: 2, desired: 2, max: 4 },
    },
    {
      name: 'system',
      pilotLightSize: { min: 1, desired: 1, max: 2 },
      targetSize: { min: 1, desired: 2, max: 2 },
    },
  ];
});

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function aDrCluster(deadlineMinutes?: number) {
  // 2 real ms per modelled second: a 60–90 s node boot takes under 0.2 s.
  const clock = new SandboxClock({ realMsPerModelledSecond: 2 });
  const simulator = new KubeApiSimulator();
  await simulator.start();
  const eks = new SandboxEks({ clock, random: () => 0.5 });
  eks.addCluster({
    name: plan.dr.clusterName,
    simulator,
    nodegroups: plan.dr.nodeGroups.map((group) => ({ name: group.name, ...group.pilotLightSize })),
  });
  const cluster = clusterClientFromKubeconfigText(simulator.kubeconfig());
  cleanups.push(async () => {
    clock.cancelAll();
    cluster.close();
    await simulator.stop();
  });
  const manager = new CapacityManager({
    clusterName: plan.dr.clusterName,
    nodeGroups: plan.dr.nodeGroups,
    capacity: eks,
    cluster,
    now: () => clock.now(),
    ...(deadlineMinutes !== undefined ? { deadlineMinutes } : {}),
  });
  return { clock, eks, simulator, manager };
}

/** Polls `status` every 10 modelled seconds, as the Wait → status loop does, until ready or thrown. */
async function pollUntilReady(poll: () => Promise<CapacityStatus>, clock: SandboxClock) {
  const seen: CapacityStatus[] = [];
  for (let round = 0; round < 100; round++) {
    const status = await poll();
    seen.push(status);
    if (status.ready) return seen;
    await clock.sleep(10_000);
  }
  throw new Error('never ready');
}

describe('CapacityManager', () => {
  it('scales DR node groups to target and is ready once the nodes joined Ready', async () => {
    // Arrange
    const { clock, manager, eks } = await aDrCluster();

    // Act
    const operation = await manager.scaleUp();
    const rounds = await pollUntilReady(() => manager.status(operation), clock);

    // Assert
    expect(operation.updates.map(({ nodegroup, desired }) => ({ nodegroup, desired }))).toEqual([
      { nodegroup: 'workers', desired: 2 },
      { nodegroup: 'system', desired: 2 },
    ]);
    expect(rounds[0]).toMatchObject({ ready: false, readyNodes: 1, requiredNodes: 4 });
    expect(rounds.at(-1)).toMatchObject({ ready: true, readyNodes: 4, requiredNodes: 4 });
    expect(rounds.at(-1)?.nodegroups).toEqual([
      { nodegroup: 'workers', status: 'ACTIVE', updateStatus: 'Successful', desired: 2, readyNodes: 2 },
      { nodegroup: 'system', status: 'ACTIVE', updateStatus: 'Successful', desired: 2, readyNodes: 2 },
    ]);
    expect(eks.nodeNames(plan.dr.clusterName, 'workers')).toHaveLength(2);
  });

  it('is not ready while EKS says Successful but nodes are not Ready yet', async () => {
    // Arrange
    const { clock, manager, eks, simulator } = await aDrCluster();
    const operation = await manager.scaleUp();
    await clock.sleep(100_000);
    await eks.idle();
    for (const name of eks.nodeNames(plan.dr.clusterName, 'workers')) simulator.setNodeReady(name, false);

    // Act
    const status = await manager.status(operation);

    // Assert
    expect(status).toMatchObject({ ready: false, readyNodes: 2, requiredNodes: 4 });
  });

  it('throws NodeGroupUpdateFailedError with EKS error messages when an update fails', async () => {
    // Arrange
    const { clock, manager, eks } = await aDrCluster();
    eks.failNextUpdate(plan.dr.clusterName, 'workers', {
      code: 'AsgInstanceLaunchFailures',
      message: 'InsufficientInstanceCapacity',
    });
    const operation = await manager.scaleUp();

    // Act
    const outcome = await pollUntilReady(() => manager.status(operation), clock).catch(
      (error: unknown) => error,
    );

    // Assert
    expect(outcome).toBeInstanceOf(NodeGroupUpdateFailedError);
    expect((outcome as Error).message).toMatch(
      /shop-dr\/workers update .* Failed: AsgInstanceLaunchFailures: InsufficientInstanceCapacity/,
    );
  });

  it('throws CapacityTimeoutError once the deadline from the scale-up start has passed', async () => {
    // Arrange
    const { clock, manager } = await aDrCluster(0.5);
    const operation = await manager.scaleUp();

    // Act
    const outcome = await pollUntilReady(() => manager.status(operation), clock).catch(
      (error: unknown) => error,
    );

    // Assert
    expect(Date.parse(operation.deadline) - Date.parse(operation.startedAt)).toBe(30_000);
    expect(outcome).toBeInstanceOf(CapacityTimeoutError);
    expect((outcome as Error).message).toMatch(
      /capacity not ready by .*: 1 of 4 nodes Ready; waiting for workers UPDATING\/InProgress/,
    );
  });

  it('scales back to pilot light and is ready once the updates finished', async () => {
    // Arrange
    const { clock, manager, eks } = await aDrCluster();
    const up = await manager.scaleUp();
    await pollUntilReady(() => manager.status(up), clock);
    await eks.idle();

    // Act
    const operation = await manager.scaleDown();
    const rounds = await pollUntilReady(() => manager.status(operation), clock);

    // Assert
    expect(operation.updates.map((update) => update.desired)).toEqual([0, 1]);
    expect(rounds.at(-1)).toMatchObject({ ready: true, requiredNodes: 0, readyNodes: 1 });
  });
});
