import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubeApiSimulator } from '../../sandbox/kube/simulator.ts';
import { backupManifestSchema } from '../../src/archive/index.ts';
import { InvalidBackupFilterError, InvalidBackupRequestError } from '../../src/backup/errors.ts';
import { Backupper, type SnapshotProgress, type SnapshotRequest } from '../../src/backup/snapshot.ts';
import type { HttpClusterClient } from '../../src/kube/cluster-client.ts';
import { fastClient, loadFixtureCluster, MemorySink, readEntries } from './snapshot-harness.ts';

describe('Backupper against the sandbox', () => {
  let simulator: KubeApiSimulator;
  let client: HttpClusterClient;

  beforeEach(async () => {
    simulator = new KubeApiSimulator({ crdEstablishDelayMs: 0 });
    loadFixtureCluster(simulator);
    await simulator.start();
    client = fastClient(simulator);
  });

  afterEach(async () => {
    client.close();
    await simulator.stop();
  });

  async function snapshot(
    request: Partial<SnapshotRequest> = {},
    onProgress?: (p: SnapshotProgress) => void,
  ) {
    const sink = new MemorySink();
    const backupper = new Backupper({ client, ...(onProgress ? { onProgress } : {}) });
    const result = await backupper.backup({ name: 'nightly', clusterName: 'prod', ...request }, sink);
    const read = await readEntries(sink.bytes(), result.archive);
    return { result, ...read };
  }

  it('archives every fixture kind at its Velero path, CRDs and custom objects included', async () => {
    // Arrange: the fixture cluster

    // Act
    const { paths, entries, result } = await snapshot();

    // Assert
    expect(paths[0]).toBe('metadata/version');
    expect(paths).toEqual(
      expect.arrayContaining([
        'resources/customresourcedefinitions.apiextensions.k8s.io/cluster/widgets.example.com.json',
        'resources/widgets.example.com/namespaces/shop/gizmo.json',
        'resources/namespaces/cluster/shop.json',
        'resources/namespaces/cluster/ops.json',
        'resources/deployments.apps/namespaces/shop/web.json',
        'resources/services/namespaces/shop/web.json',
        'resources/configmaps/namespaces/shop/web-config.json',
        'resources/configmaps/namespaces/ops/ops-config.json',
        'resources/secrets/namespaces/shop/db-password.json',
        'resources/serviceaccounts/namespaces/shop/web.json',
        'resources/pods/namespaces/shop/debug.json',
        'resources/replicasets.apps/namespaces/shop/bare-rs.json',
      ]),
    );
    const deployment = entries.get('resources/deployments.apps/namespaces/shop/web.json');
    expect(deployment).toMatchObject({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
    });
    expect((deployment?.metadata as Record<string, unknown> | undefined)?.managedFields).toBeUndefined();
    expect(entries.get('resources/secrets/namespaces/shop/db-password.json')).toMatchObject({
      data: { password: 'czNjcjN0' },
    });
    expect(new Set(paths).size).toBe(paths.length);
    expect(result.manifest.totalObjects).toBe(paths.length - 1);
  });

  it('leaves out the default exclusions and objects a controller re-creates', async () => {
    // Arrange: the fixture cluster has a node, an event, a lease, an owned pod and an owned replicaset

    // Act
    const { paths, result } = await snapshot();

    // Assert
    expect(paths.filter((p) => /^resources\/(nodes|events|leases|endpointslices)/.test(p))).toEqual([]);
    expect(paths).not.toContain('resources/pods/namespaces/shop/web-abc-x1.json');
    expect(paths).not.toContain('resources/replicasets.apps/namespaces/shop/web-abc.json');
    expect(result.resources.find((r) => r.resource === 'pods')?.skipped).toBe(1);
    expect(result.resources.find((r) => r.resource === 'replicasets.apps')?.skipped).toBe(1);
    expect(Object.keys(result.manifest.counts)).not.toContain('nodes');
  });

  it('takes a default-excluded resource when includeResources names it', async () => {
    // Arrange
    const filters = { includeResources: ['events', 'nodes'] };

    // Act
    const { paths } = await snapshot({ filters });

    // Assert
    expect(paths.slice(1).sort()).toEqual([
      'resources/events/namespaces/shop/web.1.json',
      'resources/nodes/cluster/ip-10-0-0-1.ec2.internal.json',
    ]);
  });

  it('lists only the included namespaces, server-side, namespace objects included', async () => {
    // Arrange
    const filters = { includeNamespaces: ['ops'], includeResources: ['configmaps', 'namespaces', 'secrets'] };

    // Act
    const { paths, result } = await snapshot({ filters });

    // Assert
    expect(paths.slice(1).sort()).toEqual([
      'resources/configmaps/namespaces/ops/ops-config.json',
      'resources/namespaces/cluster/ops.json',
    ]);
    expect(result.resources.filter((r) => r.resource === 'configmaps').map((r) => r.namespace)).toEqual([
      'ops',
    ]);
    expect(result.manifest.filters).toEqual(filters);
  });

  it('excludes namespaces and resources given by short names and kinds', async () => {
    // Arrange
    const filters = { excludeNamespaces: ['ops'], excludeResources: ['cm', 'Secret', 'deploy.apps', 'crd'] };

    // Act
    const { paths } = await snapshot({ filters });

    // Assert
    expect(paths.some((p) => p.includes('/namespaces/ops/') || p.endsWith('/cluster/ops.json'))).toBe(false);
    expect(
      paths.some((p) =>
        /^resources\/(configmaps|secrets|deployments\.apps|customresourcedefinitions)/.test(p),
      ),
    ).toBe(false);
    expect(paths).toContain('resources/widgets.example.com/namespaces/shop/gizmo.json');
  });

  it('sends the label selector to the API server', async () => {
    // Arrange
    const filters = { labelSelector: 'app=web' };

    // Act
    const { paths } = await snapshot({ filters });

    // Assert
    expect(paths.slice(1).sort()).toEqual([
      'resources/configmaps/namespaces/shop/web-config.json',
      'resources/deployments.apps/namespaces/shop/web.json',
      'resources/services/namespaces/shop/web.json',
      'resources/widgets.example.com/namespaces/shop/gizmo.json',
    ]);
  });

  it('writes a manifest that validates, with version, counts and the part checksum', async () => {
    // Arrange
    const progress: SnapshotProgress[] = [];

    // Act
    const { result } = await snapshot({ sourceRegion: 'eu-west-1' }, (p) => progress.push(p));

    // Assert
    const manifest = backupManifestSchema.parse(result.manifest);
    expect(manifest).toMatchObject({
      formatVersion: '1.1.0',
      name: 'nightly',
      cluster: { name: 'prod', server: simulator.url, kubernetesVersion: 'v1.34.1-eks-dr-sandbox' },
      phase: 'Completed',
      sourceRegion: 'eu-west-1',
      parts: [{ name: 'nightly.tar.gz', sha256: result.archive.sha256, size: result.archive.size }],
    });
    expect(manifest.counts.secrets).toBe(1);
    expect(manifest.counts.events).toBeUndefined();
    expect(progress.at(-1)).toMatchObject({ phase: 'Completed', objects: manifest.totalObjects });
    expect(progress.map((p) => p.phase)).toContain('Listing');
  });

  it('rejects bad filters and options before calling the API', async () => {
    // Arrange
    const backupper = new Backupper({ client });
    const before = simulator.requests.get('discovery') ?? 0;

    // Act
    const badSelector = backupper.backup(
      { name: 'a', clusterName: 'c', filters: { labelSelector: 'a in (' } },
      new MemorySink(),
    );
    const badNamespace = backupper.backup(
      { name: 'a', clusterName: 'c', filters: { includeNamespaces: ['Shop'] } },
      new MemorySink(),
    );
    const badPage = backupper.backup({ name: 'a', clusterName: 'c', pageSize: 0 }, new MemorySink());
    const badName = backupper.backup({ name: 'Bad_Name', clusterName: 'c' }, new MemorySink());

    // Assert
    await expect(badSelector).rejects.toThrow(InvalidBackupFilterError);
    await expect(badSelector).rejects.toThrow(/labelSelector/);
    await expect(badNamespace).rejects.toThrow(/includeNamespaces "Shop"/);
    await expect(badPage).rejects.toThrow(InvalidBackupRequestError);
    await expect(badName).rejects.toThrow(/name/);
    expect(simulator.requests.get('discovery') ?? 0).toBe(before);
  });
});
