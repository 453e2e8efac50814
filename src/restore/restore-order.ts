// The restore order and the never-restored list are data, as in Velero: a change of policy is a change
// to these lists, never to the code paths that walk them.

/**
 * Velero's default restore priorities, as `<resource>[.<group>]`. CRDs come first (and are waited on
 * until Established), then what other objects need to exist: namespaces before anything namespaced,
 * storage before the claims that bind it, RBAC and identities before workloads, config before pods.
 */
export const RESTORE_PRIORITIES: readonly string[] = [
  'customresourcedefinitions.apiextensions.k8s.io',
  'namespaces',
  'storageclasses.storage.k8s.io',
  'volumesnapshotclasses.snapshot.storage.k8s.io',
  'volumesnapshotcontents.snapshot.storage.k8s.io',
  'volumesnapshots.snapshot.storage.k8s.io',
  'persistentvolumes',
  'persistentvolumeclaims',
  'clusterroles.rbac.authorization.k8s.io',
  'roles.rbac.authorization.k8s.io',
  'serviceaccounts',
  'clusterrolebindings.rbac.authorization.k8s.io',
  'rolebindings.rbac.authorization.k8s.io',
  'secrets',
  'configmaps',
  'limitranges',
  'priorityclasses.scheduling.k8s.io',
  'pods',
  'replicasets.apps',
  'endpoints',
  'services',
];

/** The group-resource of CustomResourceDefinitions, the tier that is applied and waited on first. */
export const CRD_GROUP_RESOURCE = 'customresourcedefinitions.apiextensions.k8s.io';

/**
 * Resources never restored: cluster state that belongs to the target (nodes, leases, volume attachments),
 * derived objects its controllers rebuild (endpoint slices), history (events), and create-only review
 * resources that are not stored at all.
 */
export const NEVER_RESTORED: ReadonlySet<string> = new Set([
  'nodes',
  'events',
  'events.events.k8s.io',
  'leases.coordination.k8s.io',
  'csinodes.storage.k8s.io',
  'csistoragecapacities.storage.k8s.io',
  'volumeattachments.storage.k8s.io',
  'endpointslices.discovery.k8s.io',
  'componentstatuses',
  'bindings',
  'tokenreviews.authentication.k8s.io',
  'selfsubjectreviews.authentication.k8s.io',
  'subjectaccessreviews.authorization.k8s.io',
  'selfsubjectaccessreviews.authorization.k8s.io',
  'selfsubjectrulesreviews.authorization.k8s.io',
  'localsubjectaccessreviews.authorization.k8s.io',
  'nodes.metrics.k8s.io',
  'pods.metrics.k8s.io',
  // Velero's own bookkeeping, should a Velero-made archive be restored with eks-dr.
  'backups.velero.io',
  'restores.velero.io',
  'backuprepositories.velero.io',
  'resticrepositories.velero.io',
]);

/**
 * Kinds whose objects, when a controller owns them, are left to that controller: restoring a
 * ReplicaSet's pods next to the Deployment that makes new ones would run every pod twice.
 */
export const CONTROLLER_OWNED_SKIPPED: ReadonlySet<string> = new Set([
  'pods',
  'replicasets.apps',
  'controllerrevisions.apps',
  'jobs.batch',
]);

const PRIORITY_INDEX = new Map(RESTORE_PRIORITIES.map((name, index) => [name, index]));

/** True when objects of `groupResource` are never restored. */
export function isNeverRestored(groupResource: string): boolean {
  return NEVER_RESTORED.has(groupResource);
}

/**
 * Sorts group-resources into restore order: the priority list first, in its order, then every other
 * resource alphabetically, each resource its own tier.
 */
export function orderResources(groupResources: Iterable<string>): string[] {
  return [...new Set(groupResources)].sort((a, b) => {
    const pa = PRIORITY_INDEX.get(a);
    const pb = PRIORITY_INDEX.get(b);
    if (pa !== undefined && pb !== undefined) return pa - pb;
    if (pa !== undefined) return -1;
    if (pb !== undefined) return 1;
    return a < b ? -1 : a > b ? 1 : 0;
  });
}
