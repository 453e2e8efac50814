import { afterEach, describe, expect, it } from 'vitest';
import { KubeApiSimulator } from '../../sandbox/kube/simulator.ts';
import { WorkloadsNotReadyError } from '../../src/failover/errors.ts';
import { WorkloadReadiness } from '../../src/failover/workloads.ts';
import { clusterClientFromKubeconfigText } from '../../src/kube/kubeconfig.ts';
import { aDeployment, aNamespace } from '../fixtures/kube-objects.ts';

const NOW = new Date('2024-05-01T12:40:00Z');
const LATER = new Date('2024-05-01T12:50:00Z');

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function aStatefulSet(name: string, namespace: string, replicas: number) {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name, namespace },
    spec: {
      replicas,
      serviceName: name,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name, image: 'postgres:16' }] },
      },
    },
  };
}

/** A restored DR cluster: two namespaces of workloads, one namespace the restore did not touch, no nodes. */
async function aRestoredCluster() {
  const simulator = new KubeApiSimulator();
  await simulator.start();
  simulator.load([
    aNamespace('shop').build(),
    aNamespace('payments').build(),
    aNamespace('other').build(),
    aDeployment('web').inNamespace('shop').withReplicas(3).build(),
    aDeployment('api').inNamespace('payments').withReplicas(2).build(),
    aStatefulSet('db', 'shop', 2),
    aDeployment('unrelated').inNamespace('other').withReplicas(50).build(),
  ]);
  const cluster = clusterClientFromKubeconfigText(simulator.kubeconfig());
  cleanups.push(async () => {
    cluster.close();
    await simulator.stop();
  });
  return { simulator, cluster };
}

describe('WorkloadReadiness', () => {
  it('reports the restored workloads short of replicas while no node runs them, laggards first', async () => {
    // Arrange
    const { cluster } = await aRestoredCluster();
    const readiness = new WorkloadReadiness({ cluster, now: () => NOW });

    // Act
    const status = await readiness.check({ namespaces: ['shop', 'payments'], deadline: LATER });

    // Assert
    expect(status.ready).toBe(false);
    expect(status.total).toBe(3);
    expect(status.workloads).toEqual([
      { ref: 'deployments.apps payments/api', desired: 2, ready: 0 },
      { ref: 'deployments.apps shop/web', desired: 3, ready: 0 },
      { ref: 'statefulsets.apps shop/db', desired: 2, ready: 0 },
    ]);
  });

  it('is ready once nodes joined and every Deployment and StatefulSet has its Ready replicas', async () => {
    // Arrange
    const { cluster, simulator } = await aRestoredCluster();
    const readiness = new WorkloadReadiness({ cluster, now: () => NOW });
    simulator.addNodes(1, { podsPerNode: 110 });

    // Act
    const status = await readiness.check({ namespaces: ['shop', 'payments'], deadline: LATER });

    // Assert
    expect(status).toMatchObject({ ready: true, total: 3, omitted: 0 });
    expect(status.workloads.every((workload) => workload.ready === workload.desired)).toBe(true);
  });

  it('throws WorkloadsNotReadyError naming the laggards once past the deadline', async () => {
    // Arrange
    const { cluster, simulator } = await aRestoredCluster();
    simulator.addNodes(1, { podsPerNode: 52 });
    const readiness = new WorkloadReadiness({ cluster, now: () => LATER });

    // Act
    const outcome = await readiness
      .check({ namespaces: ['shop', 'payments'], deadline: NOW })
      .catch((error: unknown) => error);

    // Assert
    expect(outcome).toBeInstanceOf(WorkloadsNotReadyError);
    expect((outcome as WorkloadsNotReadyError).laggards.length).toBeGreaterThan(0);
    expect((outcome as Error).message).toMatch(
      /workloads not ready by 2024-05-01T12:40:00.000Z: .*\d\/\d ready/,
    );
  });

  it('is ready for namespaces without workloads', async () => {
    // Arrange
    const { cluster } = await aRestoredCluster();
    const readiness = new WorkloadReadiness({ cluster, now: () => LATER });

    // Act
    const status = await readiness.check({ namespaces: ['empty'], deadline: NOW });

    // Assert
    expect(status).toEqual({ ready: true, total: 0, workloads: [], omitted: 0 });
  });
});
