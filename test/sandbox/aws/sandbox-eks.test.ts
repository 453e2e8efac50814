import { afterEach, describe, expect, it } from 'vitest';
import { SandboxClock } from '../../../sandbox/aws/sandbox-clock.ts';
import { SandboxEks } from '../../../sandbox/aws/sandbox-eks.ts';
import { KubeApiSimulator } from '../../../sandbox/kube/simulator.ts';
import type { NodeCapacity } from '../../../src/failover/ports/capacity.ts';
import type { ClusterDirectory } from '../../../src/failover/ports/clusters.ts';

const simulators: KubeApiSimulator[] = [];

function sandbox(options: { desired?: number } = {}) {
  const clock = new SandboxClock({ realMsPerModelledSecond: 0.2 });
  const simulator = new KubeApiSimulator();
  simulators.push(simulator);
  const eks = new SandboxEks({ clock, random: () => 0.5 });
  eks.addCluster({
    name: 'dr',
    simulator,
    nodegroups: [{ name: 'workers', min: 0, desired: options.desired ?? 0, max: 6 }],
  });
  return { clock, simulator, eks };
}

function deploymentStatus(simulator: KubeApiSimulator, name: string): Record<string, unknown> {
  const info = simulator.catalog.lookupKind('apps/v1', 'Deployment');
  if (!info) throw new Error('no deployments in discovery');
  return (simulator.api.getObject(info, 'shop', name).status ?? {}) as Record<string, unknown>;
}

describe('SandboxEks', () => {
  afterEach(async () => {
    await Promise.all(simulators.splice(0).map((s) => s.stop()));
  });

  it('scales a pilot-light node group up: UPDATING, then Ready nodes in the simulator after the boot time', async () => {
    // Arrange
    const { clock, simulator, eks } = sandbox();
    const capacity: NodeCapacity = eks;
    simulator.load([
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: 'shop' },
        spec: {
          replicas: 4,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: { containers: [{ name: 'web', image: 'nginx' }] },
          },
        },
      },
    ]);

    // Act
    const updateId = await capacity.scaleNodeGroup('dr', 'workers', { min: 3, desired: 3, max: 6 });
    const during = await capacity.describeNodeGroup('dr', 'workers');
    const readyDuring = deploymentStatus(simulator, 'web').readyReplicas;
    await eks.idle();
    const after = await capacity.describeNodeGroup('dr', 'workers');
    const update = await capacity.describeUpdate('dr', 'workers', updateId);

    // Assert
    expect(during).toMatchObject({
      status: 'UPDATING',
      desired: 3,
      readyNodes: 0,
      updateStatus: 'InProgress',
    });
    expect(readyDuring).toBeUndefined();
    expect(after).toEqual({
      cluster: 'dr',
      nodegroup: 'workers',
      status: 'ACTIVE',
      min: 3,
      desired: 3,
      max: 6,
      readyNodes: 3,
      updateStatus: 'Successful',
      issues: [],
    });
    expect(update).toEqual({ id: updateId, status: 'Successful', errors: [] });
    expect(simulator.count('nodes')).toBe(3);
    expect(deploymentStatus(simulator, 'web').readyReplicas).toBe(4);
    expect(clock.spans).toEqual([
      expect.objectContaining({ label: 'eks dr/workers 0→3 nodes', modelledMs: 75_000 }),
    ]);
  });

  it('labels nodes with their node group and scales down by deleting the newest', async () => {
    // Arrange
    const { simulator, eks } = sandbox({ desired: 3 });
    const before = eks.nodeNames('dr', 'workers');

    // Act
    await eks.scaleNodeGroup('dr', 'workers', { min: 0, desired: 1, max: 6 });
    await eks.idle();
    const state = await eks.describeNodeGroup('dr', 'workers');

    // Assert
    const info = simulator.catalog.lookupKind('v1', 'Node');
    if (!info) throw new Error('no nodes in discovery');
    const node = simulator.api.getObject(info, '', before[0] ?? '');
    expect(node.metadata.labels?.['eks.amazonaws.com/nodegroup']).toBe('workers');
    expect(eks.nodeNames('dr', 'workers')).toEqual(before.slice(0, 1));
    expect(simulator.count('nodes')).toBe(1);
    expect(state).toMatchObject({ status: 'ACTIVE', desired: 1, readyNodes: 1 });
  });

  it('fails an update on the fault hook: Failed with errors, DEGRADED, no nodes', async () => {
    // Arrange
    const { simulator, eks } = sandbox();
    eks.failNextUpdate('dr', 'workers', {
      code: 'AsgInstanceLaunchFailures',
      message: 'InsufficientInstanceCapacity',
    });

    // Act
    const updateId = await eks.scaleNodeGroup('dr', 'workers', { min: 3, desired: 3, max: 6 });
    await eks.idle();
    const update = await eks.describeUpdate('dr', 'workers', updateId);
    const state = await eks.describeNodeGroup('dr', 'workers');

    // Assert
    expect(update).toEqual({
      id: updateId,
      status: 'Failed',
      errors: [{ code: 'AsgInstanceLaunchFailures', message: 'InsufficientInstanceCapacity' }],
    });
    expect(state).toMatchObject({
      status: 'DEGRADED',
      readyNodes: 0,
      updateStatus: 'Failed',
      issues: ['AsgInstanceLaunchFailures: InsufficientInstanceCapacity'],
    });
    expect(simulator.count('nodes')).toBe(0);
  });

  it('fails the update, not the process, when the simulator refuses a node', async () => {
    // Arrange
    const { simulator, eks } = sandbox();
    // The stand-in names its first node ip-10-1-1-2 once one node exists; take that name first.
    simulator.load([{ apiVersion: 'v1', kind: 'Node', metadata: { name: 'ip-10-1-1-2.ec2.internal' } }]);

    // Act
    const updateId = await eks.scaleNodeGroup('dr', 'workers', { min: 0, desired: 1, max: 6 });
    await eks.idle();
    const update = await eks.describeUpdate('dr', 'workers', updateId);

    // Assert
    expect(update.status).toBe('Failed');
    expect(update.errors[0]?.code).toBe('NodeCreationFailure');
    expect(update.errors[0]?.message).toContain('ip-10-1-1-2.ec2.internal');
    expect((await eks.describeNodeGroup('dr', 'workers')).status).toBe('DEGRADED');
  });

  it('refuses a second update while the first is in progress, then accepts it once ACTIVE', async () => {
    // Arrange
    const { eks } = sandbox();
    await eks.scaleNodeGroup('dr', 'workers', { min: 0, desired: 2, max: 6 });

    // Act
    const busy = await eks
      .scaleNodeGroup('dr', 'workers', { min: 0, desired: 4, max: 6 })
      .catch((e: unknown) => e);
    await eks.idle();
    await eks.scaleNodeGroup('dr', 'workers', { min: 0, desired: 4, max: 6 });
    await eks.idle();

    // Assert
    expect(busy).toMatchObject({ name: 'NodeGroupBusyError', message: /"workers".*UPDATING/ });
    expect(eks.nodeNames('dr', 'workers')).toHaveLength(4);
    expect(new Set(eks.nodeNames('dr', 'workers')).size).toBe(4);
  });

  it('rejects bad input and unknown names with the errors the AWS adapters raise', async () => {
    // Arrange
    const { eks } = sandbox();

    // Act
    const invalid = eks.scaleNodeGroup('dr', 'workers', { min: 4, desired: 3, max: 6 });
    const noCluster = eks.describeNodeGroup('primary', 'workers');
    const noGroup = eks.scaleNodeGroup('dr', 'spot', { min: 0, desired: 1, max: 1 });
    const noUpdate = eks.describeUpdate('dr', 'workers', 'upd-unknown');

    // Assert
    await expect(invalid).rejects.toMatchObject({ name: 'InvalidScalingConfigError' });
    await expect(noCluster).rejects.toMatchObject({ name: 'ClusterNotFoundError', cluster: 'primary' });
    await expect(noGroup).rejects.toMatchObject({ name: 'NodeGroupNotFoundError', nodegroup: 'spot' });
    await expect(noUpdate).rejects.toMatchObject({
      name: 'NodeGroupUpdateNotFoundError',
      updateId: 'upd-unknown',
    });
  });

  it('describes a registered cluster with its simulator URL as endpoint', async () => {
    // Arrange
    const { simulator, eks } = sandbox();
    const directory: ClusterDirectory = eks;
    const url = await simulator.start();

    // Act
    const cluster = await directory.describeCluster('dr');
    const missing = await directory.describeCluster('ghost').catch((e: unknown) => e);

    // Assert
    expect(cluster).toEqual({
      name: 'dr',
      arn: 'arn:aws:eks:eu-central-1:000000000000:cluster/dr',
      status: 'ACTIVE',
      version: '1.31',
      endpoint: url,
    });
    expect(missing).toMatchObject({ name: 'ClusterNotFoundError', message: 'cluster "ghost" not found' });
  });
});
