import { describe, expect, it } from 'vitest';
import { ResourceFilter, type ResourceSelection } from '../../src/backup/resource-filter.ts';
import type { ApiResource, KubeObject } from '../../src/kube/kube-object.ts';

const resource = (group: string, name: string, kind: string, namespaced = true): ApiResource => ({
  group,
  version: 'v1',
  resource: name,
  kind,
  namespaced,
  verbs: ['list', 'get', 'create'],
});

const pods: ResourceSelection = { resource: resource('', 'pods', 'Pod'), key: 'pods' };
const replicaSets: ResourceSelection = {
  resource: resource('apps', 'replicasets', 'ReplicaSet'),
  key: 'replicasets.apps',
};
const configmaps: ResourceSelection = {
  resource: resource('', 'configmaps', 'ConfigMap'),
  key: 'configmaps',
};
const jobs: ResourceSelection = { resource: resource('batch', 'jobs', 'Job'), key: 'jobs.batch' };
const namespaces: ResourceSelection = {
  resource: resource('', 'namespaces', 'Namespace', false),
  key: 'namespaces',
};
const clusterRoles: ResourceSelection = {
  resource: resource('rbac.authorization.k8s.io', 'clusterroles', 'ClusterRole', false),
  key: 'clusterroles.rbac.authorization.k8s.io',
};

/** A listed object whose `object()` counts its calls, as a snapshot's raw LIST item would parse. */
function listed(name: string, namespace: string | undefined, ownerKind?: string) {
  const calls = { count: 0 };
  const object: KubeObject = {
    metadata: {
      name,
      ...(namespace ? { namespace } : {}),
      ...(ownerKind ? { ownerReferences: [{ kind: ownerKind, name: 'owner', controller: true }] } : {}),
    },
  };
  return {
    calls,
    item: {
      name,
      namespace,
      object: () => {
        calls.count += 1;
        return object;
      },
    },
  };
}

describe('ResourceFilter.wantsListed', () => {
  it.each([
    ['configmaps', configmaps, 'ReplicaSet'],
    ['jobs.batch', jobs, 'CronJob'],
    ['deployments owned by nothing', { ...configmaps, key: 'deployments.apps' }, undefined],
  ])('keeps %s without parsing them, even with a controller owner', (_what, selection, ownerKind) => {
    // Arrange
    const filter = new ResourceFilter();
    const { calls, item } = listed('a', 'shop', ownerKind);

    // Act
    const wanted = filter.wantsListed(selection, item);

    // Assert
    expect(wanted).toBe(true);
    expect(calls.count).toBe(0);
  });

  it.each([
    ['a pod owned by a ReplicaSet', pods, 'ReplicaSet', false],
    ['a pod owned by a Job', pods, 'Job', false],
    ['a bare pod', pods, undefined, true],
    ['a replicaset owned by a Deployment', replicaSets, 'Deployment', false],
    ['a replicaset owned by a Rollout', replicaSets, 'Rollout', true],
  ])('parses %s exactly once to apply the ownership rule', (_what, selection, ownerKind, expected) => {
    // Arrange
    const filter = new ResourceFilter();
    const { calls, item } = listed('a', 'shop', ownerKind);

    // Act
    const wanted = filter.wantsListed(selection, item);

    // Assert
    expect(wanted).toBe(expected);
    expect(calls.count).toBe(1);
  });

  it('drops objects of excluded namespaces by their listed namespace, without parsing, pods included', () => {
    // Arrange
    const filter = new ResourceFilter({ excludeNamespaces: ['kube-system'] });
    const pod = listed('p', 'kube-system', 'ReplicaSet');
    const configMap = listed('c', 'kube-system');
    const kept = listed('c', 'shop');

    // Act
    const results = [
      filter.wantsListed(pods, pod.item),
      filter.wantsListed(configmaps, configMap.item),
      filter.wantsListed(configmaps, kept.item),
    ];

    // Assert
    expect(results).toEqual([false, false, true]);
    expect([pod.calls.count, configMap.calls.count, kept.calls.count]).toEqual([0, 0, 0]);
  });

  it('decides Namespace objects by their name and cluster-scoped objects regardless of namespace filters', () => {
    // Arrange
    const filter = new ResourceFilter({ includeNamespaces: ['shop'] });
    const shop = listed('shop', undefined);
    const other = listed('ops', undefined);
    const role = listed('viewer', undefined);

    // Act
    const results = [
      filter.wantsListed(namespaces, shop.item),
      filter.wantsListed(namespaces, other.item),
      filter.wantsListed(clusterRoles, role.item),
    ];

    // Assert
    expect(results).toEqual([true, false, true]);
    expect([shop.calls.count, other.calls.count, role.calls.count]).toEqual([0, 0, 0]);
  });

  it('agrees with wantsObject on every combination', () => {
    // Arrange
    const filter = new ResourceFilter({ excludeNamespaces: ['kube-system'] });
    const selections = [pods, replicaSets, configmaps, namespaces, clusterRoles];
    const cases = selections.flatMap((selection) =>
      ['shop', 'kube-system', undefined].flatMap((namespace) =>
        [undefined, 'ReplicaSet', 'Deployment'].map((owner) => ({
          selection,
          ...listed('kube-system', namespace, owner),
        })),
      ),
    );

    // Act
    const disagreements = cases.filter(
      ({ selection, item }) =>
        filter.wantsListed(selection, item) !== filter.wantsObject(selection, item.object()),
    );

    // Assert
    expect(disagreements).toEqual([]);
    expect(cases).toHaveLength(45);
  });
});
