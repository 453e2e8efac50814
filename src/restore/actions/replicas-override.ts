import type { RestoreAction } from './types.ts';

/** Resources whose spec.replicas the DR plan may override. */
export const SCALABLE_WORKLOADS: ReadonlySet<string> = new Set([
  'deployments.apps',
  'statefulsets.apps',
  'replicasets.apps',
  'replicationcontrollers',
]);

/**
 * DR replicas: an explicit count per workload (`<source namespace>/<Kind>/<name>`), else a percentage
 * of the recorded count, rounded up and never below 1 for a workload that ran at all (a pilot-light
 * DR side still needs one pod to pass its health gate).
 */
export const replicasOverride: RestoreAction = {
  name: 'replicas-override',
  appliesTo: (groupResource) => SCALABLE_WORKLOADS.has(groupResource),
  execute(object, context) {
    const spec = object.spec;
    if (!spec) return object;
    const { replicas, replicasPercent } = context.options.overrides;
    const key = `${context.sourceNamespace ?? ''}/${object.kind ?? ''}/${object.metadata.name ?? ''}`;
    const explicit = replicas.get(key);
    if (explicit !== undefined) {
      spec.replicas = explicit;
      return object;
    }
    if (replicasPercent === undefined) return object;
    // An absent replicas field means 1 to the API server.
    const original = typeof spec.replicas === 'number' ? spec.replicas : 1;
    spec.replicas = scaledReplicas(original, replicasPercent);
    return object;
  },
};

/** `original` scaled to `percent`, rounded up; at least 1 when `original` > 0. */
export function scaledReplicas(original: number, percent: number): number {
  if (original <= 0) return 0;
  return Math.max(1, Math.ceil((original * percent) / 100 - 1e-9));
}
