// Velero's --include-cluster-resources in a snapshot of the sandbox: all, none, or (auto) only what the
// backed-up namespaces use when namespaces are filtered.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubeApiSimulator } from '../../sandbox/kube/simulator.ts';
import type { BackupFilters } from '../../src/backup/resource-filter.ts';
import { Backupper } from '../../src/backup/snapshot.ts';
import type { HttpClusterClient } from '../../src/kube/cluster-client.ts';
import { aCrd, aCustomObject } from '../fixtures/kube-objects.ts';
import { fastClient, loadFixtureCluster, MemorySink, readEntries } from './snapshot-harness.ts';

const persistentVolume = (name: string, claimNamespace?: string) => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name },
  spec: {
    capacity: { storage: '1Gi' },
    accessModes: ['ReadWriteOnce'],
    csi: { driver: 'ebs.csi.aws.com', volumeHandle: `vol-${name}` },
    ...(claimNamespace
      ? { claimRef: { kind: 'PersistentVolumeClaim', namespace: claimNamespace, name: 'data' } }
      : {}),
  },
});

describe('cluster-scoped resources in a snapshot', () => {
  let simulator: KubeApiSimulator;
  let client: HttpClusterClient;

  beforeEach(async () => {
    simulator = new KubeApiSimulator({ crdEstablishDelayMs: 0 });
    // The fixture cluster (namespaces shop and ops, CRD widgets.example.com with an object in shop) plus
    // a second CRD with objects only in ops, PVs claimed from each namespace and one unclaimed, a ClusterRole.
    loadFixtureCluster(simulator);
    simulator.load([
      aCrd('tools.io', 'Gauge').build(),
      aCustomObject('tools.io/v1', 'Gauge', 'meter').inNamespace('ops').build(),
      persistentVolume('pv-shop', 'shop'),
      persistentVolume('pv-ops', 'ops'),
      persistentVolume('pv-free'),
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: 'shop-reader' },
        rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }],
      },
    ]);
    await simulator.start();
    client = fastClient(simulator);
  });

  afterEach(async () => {
    client.close();
    await simulator.stop();
  });

  async function clusterPaths(filters: BackupFilters): Promise<string[]> {
    const sink = new MemorySink();
    const result = await new Backupper({ client }).backup({ name: 'b', clusterName: 'c', filters }, sink);
    const { paths } = await readEntries(sink.bytes(), result.archive);
    return paths.filter((path) => path.includes('/cluster/')).sort();
  }

  it('takes, in auto with namespaces filtered, only their Namespaces, claimed PVs and used CRDs', async () => {
    // Arrange
    const filters = { includeNamespaces: ['shop'] };

    // Act
    const paths = await clusterPaths(filters);

    // Assert
    expect(paths).toEqual([
      'resources/customresourcedefinitions.apiextensions.k8s.io/cluster/widgets.example.com.json',
      'resources/namespaces/cluster/shop.json',
      'resources/persistentvolumes/cluster/pv-shop.json',
    ]);
  });

  it('takes every cluster-scoped resource in auto when no namespace filter is set', async () => {
    // Arrange: no filters

    // Act
    const paths = await clusterPaths({});

    // Assert
    expect(paths).toEqual(
      expect.arrayContaining([
        'resources/clusterroles.rbac.authorization.k8s.io/cluster/shop-reader.json',
        'resources/customresourcedefinitions.apiextensions.k8s.io/cluster/gauges.tools.io.json',
        'resources/customresourcedefinitions.apiextensions.k8s.io/cluster/widgets.example.com.json',
        'resources/persistentvolumes/cluster/pv-free.json',
        'resources/persistentvolumes/cluster/pv-ops.json',
        'resources/persistentvolumes/cluster/pv-shop.json',
      ]),
    );
  });

  it('treats an exclude-only namespace filter as filtering, as Velero does', async () => {
    // Arrange
    const filters = { excludeNamespaces: ['shop'] };

    // Act
    const paths = await clusterPaths(filters);

    // Assert: the simulator's own namespaces (default, kube-system, ...) are not filtered out, shop is.
    expect(paths.filter((path) => !path.startsWith('resources/namespaces/'))).toEqual([
      'resources/customresourcedefinitions.apiextensions.k8s.io/cluster/gauges.tools.io.json',
      'resources/persistentvolumes/cluster/pv-ops.json',
    ]);
    expect(paths).toContain('resources/namespaces/cluster/ops.json');
    expect(paths).not.toContain('resources/namespaces/cluster/shop.json');
  });

  it('takes every cluster-scoped resource with includeClusterResources true, namespaces filtered or not', async () => {
    // Arrange
    const filters = { includeNamespaces: ['shop'], includeClusterResources: true };

    // Act
    const paths = await clusterPaths(filters);

    // Assert
    expect(paths).toContain('resources/clusterroles.rbac.authorization.k8s.io/cluster/shop-reader.json');
    expect(paths).toContain('resources/persistentvolumes/cluster/pv-free.json');
    expect(paths).toContain(
      'resources/customresourcedefinitions.apiextensions.k8s.io/cluster/gauges.tools.io.json',
    );
    // Namespace objects still follow the namespace filter.
    expect(paths).not.toContain('resources/namespaces/cluster/ops.json');
  });

  it('takes only the Namespace objects with includeClusterResources false', async () => {
    // Arrange
    const filters = { includeClusterResources: false };

    // Act
    const paths = await clusterPaths(filters);

    // Assert
    expect(paths.every((path) => path.startsWith('resources/namespaces/cluster/'))).toBe(true);
    expect(paths).toEqual(
      expect.arrayContaining([
        'resources/namespaces/cluster/ops.json',
        'resources/namespaces/cluster/shop.json',
      ]),
    );
  });
});
