import { describe, expect, it } from 'vitest';
import {
  isNeverRestored,
  NEVER_RESTORED,
  orderResources,
  RESTORE_PRIORITIES,
} from '../../src/restore/restore-order.ts';

describe('orderResources', () => {
  it('puts CRDs first, then the priority list in its order, then everything else alphabetically', () => {
    // Arrange
    const archived = [
      'widgets.example.com',
      'deployments.apps',
      'services',
      'configmaps',
      'namespaces',
      'customresourcedefinitions.apiextensions.k8s.io',
      'ingresses.networking.k8s.io',
      'persistentvolumes',
      'persistentvolumeclaims',
    ];

    // Act
    const order = orderResources(archived);

    // Assert
    expect(order).toEqual([
      'customresourcedefinitions.apiextensions.k8s.io',
      'namespaces',
      'persistentvolumes',
      'persistentvolumeclaims',
      'configmaps',
      'services',
      'deployments.apps',
      'ingresses.networking.k8s.io',
      'widgets.example.com',
    ]);
  });

  it('keeps Velero’s priorities: storage before claims, RBAC and identities before secrets, pods before services', () => {
    // Arrange
    const position = (name: string) => RESTORE_PRIORITIES.indexOf(name);

    // Act
    const order = orderResources([...RESTORE_PRIORITIES].reverse());

    // Assert
    expect(order).toEqual(RESTORE_PRIORITIES);
    expect(position('storageclasses.storage.k8s.io')).toBeLessThan(position('persistentvolumes'));
    expect(position('clusterroles.rbac.authorization.k8s.io')).toBeLessThan(
      position('clusterrolebindings.rbac.authorization.k8s.io'),
    );
    expect(position('serviceaccounts')).toBeLessThan(position('rolebindings.rbac.authorization.k8s.io'));
    expect(position('pods')).toBeLessThan(position('services'));
  });
});

describe('isNeverRestored', () => {
  it.each([
    'nodes',
    'events',
    'events.events.k8s.io',
    'leases.coordination.k8s.io',
    'csinodes.storage.k8s.io',
    'volumeattachments.storage.k8s.io',
    'endpointslices.discovery.k8s.io',
    'tokenreviews.authentication.k8s.io',
    'selfsubjectaccessreviews.authorization.k8s.io',
    'componentstatuses',
  ])('never restores %s', (resource) => {
    // Arrange
    const listed = NEVER_RESTORED.has(resource);

    // Act
    const never = isNeverRestored(resource);

    // Assert
    expect(listed).toBe(true);
    expect(never).toBe(true);
  });

  it('restores ordinary and custom resources', () => {
    // Arrange
    const resources = ['configmaps', 'deployments.apps', 'widgets.example.com', 'endpoints'];

    // Act
    const never = resources.filter(isNeverRestored);

    // Assert
    expect(never).toEqual([]);
  });
});
