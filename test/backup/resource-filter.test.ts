import { describe, expect, it } from 'vitest';
import { InvalidBackupFilterError } from '../../src/backup/errors.ts';
import {
  DEFAULT_EXCLUDED_RESOURCES,
  isOwnedByController,
  matchesResource,
  ResourceFilter,
} from '../../src/backup/resource-filter.ts';
import type { ApiResource } from '../../src/kube/kube-object.ts';

const resource = (
  group: string,
  name: string,
  kind: string,
  extra: Partial<ApiResource> = {},
): ApiResource => ({
  group,
  version: 'v1',
  resource: name,
  kind,
  namespaced: true,
  verbs: ['list', 'get', 'create'],
  ...extra,
});

const deployments = resource('apps', 'deployments', 'Deployment', {
  shortNames: ['deploy'],
  singularName: 'deployment',
});
const coreEvents = resource('', 'events', 'Event', { shortNames: ['ev'] });
const newEvents = resource('events.k8s.io', 'events', 'Event');
const configmaps = resource('', 'configmaps', 'ConfigMap', { shortNames: ['cm'] });
const endpoints = resource('', 'endpoints', 'Endpoints', { shortNames: ['ep'] });
const namespaces = resource('', 'namespaces', 'Namespace', { namespaced: false, shortNames: ['ns'] });
const tokenReviews = resource('authentication.k8s.io', 'tokenreviews', 'TokenReview', { verbs: ['create'] });
const discovered = [deployments, coreEvents, newEvents, configmaps, endpoints, namespaces, tokenReviews];

describe('ResourceFilter', () => {
  it('names a resource every way Velero and kubectl accept', () => {
    // Arrange
    const names = [
      'deployments.apps',
      'deployments',
      'Deployment',
      'deployment',
      'deploy',
      'deploy.apps',
      'deployments.v1.apps',
    ];

    // Act
    const matched = names.filter((name) => matchesResource(name, deployments));

    // Assert
    expect(matched).toEqual(names);
    expect(matchesResource('deployments.batch', deployments)).toBe(false);
    expect(matchesResource('ev', coreEvents)).toBe(true);
  });

  it('keeps endpoints, drops the default exclusions and resources without list', () => {
    // Arrange
    const filter = new ResourceFilter();

    // Act
    const keys = filter.plan(discovered).selections.map((s) => s.key);

    // Assert
    expect(keys).toEqual(['configmaps', 'deployments.apps', 'endpoints', 'namespaces']);
    expect(DEFAULT_EXCLUDED_RESOURCES.map((e) => e.resource)).toEqual(
      expect.arrayContaining(['events', 'events.events.k8s.io', 'nodes', 'leases.coordination.k8s.io']),
    );
  });

  it('takes only included resources, an exclusion winning, and warns about an unknown exclusion', () => {
    // Arrange
    const filter = new ResourceFilter({
      includeResources: ['events', 'cm'],
      excludeResources: ['events.events.k8s.io', 'widgets'],
    });

    // Act
    const plan = filter.plan(discovered);

    // Assert
    expect(plan.selections.map((s) => s.key)).toEqual(['configmaps', 'events']);
    expect(plan.warnings).toEqual(["excludeResources: 'widgets' matches no resource the cluster serves"]);
  });

  it('refuses included names the cluster does not serve, naming each', () => {
    // Arrange
    const filter = new ResourceFilter({ includeResources: ['cm', 'widgets', 'nosuchthing'] });

    // Act
    const plan = () => filter.plan(discovered);

    // Assert
    expect(plan).toThrow(InvalidBackupFilterError);
    expect(plan).toThrow(
      'backup filter includeResources "widgets,nosuchthing": are not served by the cluster (check the name, or whether the CRD is installed)',
    );
  });

  it('lists included namespaces one by one and filters Namespace objects by name', () => {
    // Arrange
    const filter = new ResourceFilter({ includeNamespaces: ['shop', 'ops'] });

    // Act
    const plan = filter.plan(discovered);
    const cm = plan.selections.find((s) => s.key === 'configmaps');
    const ns = plan.selections.find((s) => s.key === 'namespaces');

    // Assert
    expect(cm?.namespaces).toEqual(['ops', 'shop']);
    expect(ns?.namespaces).toBeUndefined();
    expect(ns && filter.wantsObject(ns, { metadata: { name: 'shop' } })).toBe(true);
    expect(ns && filter.wantsObject(ns, { metadata: { name: 'kube-system' } })).toBe(false);
  });

  it('drops objects in excluded namespaces client-side', () => {
    // Arrange
    const filter = new ResourceFilter({ excludeNamespaces: ['kube-system'] });
    const selection = { resource: configmaps, key: 'configmaps' };

    // Act
    const kept = filter.wantsObject(selection, { metadata: { name: 'a', namespace: 'shop' } });
    const dropped = filter.wantsObject(selection, { metadata: { name: 'a', namespace: 'kube-system' } });

    // Assert
    expect(kept).toBe(true);
    expect(dropped).toBe(false);
  });

  it('drops pods with a controller owner and replicasets owned by a deployment only', () => {
    // Arrange
    const owned = (kind: string, controller: boolean) => ({
      metadata: { name: 'x', ownerReferences: [{ kind, name: 'o', controller }] },
    });

    // Act
    const results = [
      isOwnedByController('pods', owned('ReplicaSet', true)),
      isOwnedByController('pods', owned('Job', true)),
      isOwnedByController('pods', owned('ReplicaSet', false)),
      isOwnedByController('pods', { metadata: { name: 'bare' } }),
      isOwnedByController('replicasets.apps', owned('Deployment', true)),
      isOwnedByController('replicasets.apps', owned('Rollout', true)),
      isOwnedByController('configmaps', owned('Deployment', true)),
    ];

    // Assert
    expect(results).toEqual([true, true, false, false, true, false, false]);
  });

  it('rejects invalid filters naming the field', () => {
    // Arrange
    const bad = [
      { includeNamespaces: ['Shop'] },
      { includeNamespaces: ['a'], excludeNamespaces: ['a'] },
      { includeResources: ['deploy/scale'] },
      { includeResources: ['cm'], excludeResources: ['CM'] },
      { labelSelector: 'a in (' },
      { includeClusterResources: 'yes' as unknown as boolean },
    ];

    // Act
    const errors = bad.map((filters) => {
      try {
        new ResourceFilter(filters);
        return undefined;
      } catch (error) {
        return error as Error;
      }
    });

    // Assert
    for (const error of errors) expect(error).toBeInstanceOf(InvalidBackupFilterError);
    expect(errors.map((e) => e?.message.split(' ')[2])).toEqual([
      'includeNamespaces',
      'excludeNamespaces',
      'includeResources',
      'excludeResources',
      'labelSelector',
      'includeClusterResources',
    ]);
  });
});
