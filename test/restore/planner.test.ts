import { describe, expect, it } from 'vitest';
import type { ArchiveEntry } from '../../src/archive/writer.ts';
import type { ApiResource } from '../../src/kube/kube-object.ts';
import { type RestoreOptions, resolveRestoreOptions } from '../../src/restore/options.ts';
import { planLines, planRestore, resolvePending } from '../../src/restore/planner.ts';

const VERBS = ['create', 'get', 'list', 'update', 'delete'];
const api = (
  group: string,
  version: string,
  resource: string,
  kind: string,
  namespaced = true,
): ApiResource => ({ group, version, resource, kind, namespaced, verbs: VERBS });
const TARGET: ApiResource[] = [
  api('', 'v1', 'namespaces', 'Namespace', false),
  api('', 'v1', 'configmaps', 'ConfigMap'),
  api('', 'v1', 'pods', 'Pod'),
  api('', 'v1', 'persistentvolumes', 'PersistentVolume', false),
  api('apps', 'v1', 'deployments', 'Deployment'),
  api('apps', 'v1', 'replicasets', 'ReplicaSet'),
  api('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false),
  api('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', false),
  { ...api('authentication.k8s.io', 'v1', 'tokenreviews', 'TokenReview', false), verbs: ['create'] },
];

const entry = (
  resource: string,
  group: string,
  namespace: string | undefined,
  name: string,
  extra: Record<string, unknown> = {},
): ArchiveEntry => ({
  resource,
  group,
  ...(namespace !== undefined ? { namespace } : {}),
  name,
  object: { metadata: { name, ...(namespace ? { namespace } : {}), uid: `uid-${name}` }, ...extra },
});

const ARCHIVE: ArchiveEntry[] = [
  entry('configmaps', '', 'shop', 'b-config'),
  entry('configmaps', '', 'shop', 'a-config'),
  entry('configmaps', '', 'ops', 'ops-config'),
  entry('namespaces', '', undefined, 'shop'),
  entry('namespaces', '', undefined, 'ops'),
  entry('deployments', 'apps', 'shop', 'web', {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    spec: { replicas: 2 },
  }),
  entry('replicasets', 'apps', 'shop', 'web-123', {
    metadata: {
      name: 'web-123',
      namespace: 'shop',
      ownerReferences: [{ kind: 'Deployment', name: 'web', controller: true }],
    },
  }),
  entry('nodes', '', undefined, 'ip-10-0-0-1'),
  entry('events', '', 'shop', 'web.1'),
  entry('clusterroles', 'rbac.authorization.k8s.io', undefined, 'viewer'),
  entry('persistentvolumes', '', undefined, 'pv-shop', {
    spec: { claimRef: { namespace: 'shop', name: 'data' } },
  }),
  entry('persistentvolumes', '', undefined, 'pv-ops', {
    spec: { claimRef: { namespace: 'ops', name: 'data' } },
  }),
  entry('gadgets', 'example.com', 'shop', 'g1', { apiVersion: 'example.com/v1', kind: 'Gadget' }),
  entry('widgets', 'example.com', 'shop', 'w1', { apiVersion: 'example.com/v1', kind: 'Widget' }),
  entry('customresourcedefinitions', 'apiextensions.k8s.io', undefined, 'widgets.example.com', {
    spec: { group: 'example.com', names: { plural: 'widgets', kind: 'Widget' }, scope: 'Namespaced' },
  }),
];

function plan(options: RestoreOptions = {}, archive = ARCHIVE) {
  return planRestore(archive, {
    backupName: 'nightly-1',
    restoreId: 'r-1',
    options: resolveRestoreOptions(options),
    targetResources: TARGET,
  });
}

const ids = (p: ReturnType<typeof plan>) =>
  p.entries.map((e) => `${e.groupResource} ${e.namespace ?? ''}/${e.name}`);

describe('planRestore', () => {
  it('orders tiers by priority, objects by namespace and name, and leaves out what is never restored or controller-owned', () => {
    // Arrange
    const options = {};

    // Act
    const result = plan(options);

    // Assert
    expect(result.tiers.map((t) => t.groupResource)).toEqual([
      'customresourcedefinitions.apiextensions.k8s.io',
      'namespaces',
      'persistentvolumes',
      'clusterroles.rbac.authorization.k8s.io',
      'configmaps',
      'deployments.apps',
      'gadgets.example.com',
      'widgets.example.com',
    ]);
    expect(result.crdCount).toBe(1);
    expect(ids(result).filter((id) => id.startsWith('configmaps'))).toEqual([
      'configmaps ops/ops-config',
      'configmaps shop/a-config',
      'configmaps shop/b-config',
    ]);
    expect(result.excluded.map((e) => `${e.groupResource} ${e.name}: ${e.reason}`)).toEqual([
      'replicasets.apps web-123: owned by Deployment web, whose controller recreates it',
      'nodes ip-10-0-0-1: never restored: the target cluster owns or rebuilds these',
      'events web.1: never restored: the target cluster owns or rebuilds these',
    ]);
    expect(result.entries.every((e) => e.object?.metadata.uid === undefined)).toBe(true);
  });

  it('resolves against the target: known resources, resources a restored CRD will serve, and unknown ones with a message', () => {
    // Arrange
    const options = {};

    // Act
    const result = plan(options);

    // Assert
    const byName = (name: string) => result.entries.find((e) => e.name === name);
    expect(byName('web')?.resolution).toMatchObject({
      state: 'resolved',
      resource: { group: 'apps', version: 'v1', resource: 'deployments' },
    });
    expect(byName('w1')?.resolution).toEqual({ state: 'awaiting-crd', crd: 'widgets.example.com' });
    expect(byName('g1')?.resolution).toEqual({
      state: 'unresolved',
      message: 'no resource gadgets.example.com in the target cluster (is its CRD or API installed?)',
    });
  });

  it('limits cluster-scoped objects to what included namespaces need, and maps namespaces', () => {
    // Arrange
    const options = { includeNamespaces: ['shop'], namespaceMapping: { shop: 'shop-dr' } };

    // Act
    const result = plan(options);

    // Assert
    expect(ids(result)).toEqual([
      'customresourcedefinitions.apiextensions.k8s.io /widgets.example.com',
      'namespaces /shop-dr',
      'persistentvolumes /pv-shop',
      'configmaps shop-dr/a-config',
      'configmaps shop-dr/b-config',
      'deployments.apps shop-dr/web',
      'gadgets.example.com shop-dr/g1',
      'widgets.example.com shop-dr/w1',
    ]);
    expect(result.entries.find((e) => e.name === 'pv-shop')?.object?.spec?.claimRef).toEqual({
      namespace: 'shop-dr',
      name: 'data',
    });
    expect(result.excluded.map((e) => e.name)).toEqual(
      expect.arrayContaining(['ops-config', 'ops', 'pv-ops', 'viewer']),
    );
  });

  it('adds a Namespace the backup lacks but its objects need', () => {
    // Arrange
    const archive = [entry('configmaps', '', 'orphan', 'c')];

    // Act
    const result = plan({}, archive);

    // Assert
    expect(ids(result)).toEqual(['namespaces /orphan', 'configmaps orphan/c']);
    expect(result.entries[0]?.synthesized).toBe(true);
  });

  it('excludes namespaces listed in excludeNamespaces and the PVs bound into them', () => {
    // Arrange
    const options = { excludeNamespaces: ['ops'] };

    // Act
    const result = plan(options);

    // Assert
    expect(ids(result).some((id) => id.includes('ops'))).toBe(false);
    expect(ids(result)).toContain('clusterroles.rbac.authorization.k8s.io /viewer');
  });

  it('gives the same fingerprint for the same archive and options, another for other options', () => {
    // Arrange
    const first = plan();

    // Act
    const again = plan();
    const other = plan({ namespaceMapping: { shop: 'x' } });

    // Assert
    expect(again.fingerprint).toBe(first.fingerprint);
    expect(other.fingerprint).not.toBe(first.fingerprint);
  });
});

describe('resolvePending and planLines', () => {
  it('resolves custom objects once discovery serves their CRD', () => {
    // Arrange
    const result = plan();
    const served = [...TARGET, api('example.com', 'v1', 'widgets', 'Widget')];

    // Act
    const stillPending = resolvePending(result, served);

    // Assert
    expect(stillPending).toBe(0);
    expect(result.entries.find((e) => e.name === 'w1')?.resolution.state).toBe('resolved');
  });

  it('describes every planned object for a dry run', () => {
    // Arrange
    const result = plan({ namespaceMapping: { shop: 'shop-dr' } });

    // Act
    const lines = planLines(result);

    // Assert
    expect(lines).toHaveLength(result.entries.length);
    expect(lines.find((l) => l.name === 'web')).toMatchObject({
      action: 'create',
      namespace: 'shop-dr',
      sourceNamespace: 'shop',
      apiVersion: 'apps/v1',
    });
    expect(lines.find((l) => l.name === 'w1')).toMatchObject({ action: 'create-after-crd' });
    expect(lines.find((l) => l.name === 'g1')).toMatchObject({
      action: 'fail',
      message: expect.stringContaining('no resource gadgets.example.com'),
    });
  });
});
