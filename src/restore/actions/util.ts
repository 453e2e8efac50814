import { isRecord } from '../../util/is-record.ts';

/** The record at `path` under `root`, or undefined when any step is missing or not an object. */
export function recordAt(root: unknown, ...path: string[]): Record<string, unknown> | undefined {
  let current: unknown = root;
  for (const key of path) {
    if (!isRecord(current)) return undefined;
    current = current[key];
  }
  return isRecord(current) ? current : undefined;
}

/** The records of the array at `path` under `root` (non-records skipped). */
export function recordsAt(root: unknown, ...path: string[]): Record<string, unknown>[] {
  const parent = recordAt(root, ...path.slice(0, -1));
  const last = path[path.length - 1];
  const value = parent && last !== undefined ? parent[last] : undefined;
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

/** The pod spec(s) an object carries: its own (Pod), its template's, or its job template's (CronJob). */
export function podSpecsOf(groupResource: string, object: unknown): Record<string, unknown>[] {
  if (groupResource === 'pods') return [recordAt(object, 'spec')].filter(isRecord);
  if (groupResource === 'cronjobs.batch')
    return [recordAt(object, 'spec', 'jobTemplate', 'spec', 'template', 'spec')].filter(isRecord);
  if (POD_TEMPLATE_OWNERS.has(groupResource))
    return [recordAt(object, 'spec', 'template', 'spec')].filter(isRecord);
  if (groupResource === 'podtemplates') return [recordAt(object, 'template', 'spec')].filter(isRecord);
  return [];
}

/** Workload resources whose spec.template is a pod template. */
export const POD_TEMPLATE_OWNERS: ReadonlySet<string> = new Set([
  'deployments.apps',
  'statefulsets.apps',
  'daemonsets.apps',
  'replicasets.apps',
  'replicationcontrollers',
  'jobs.batch',
]);

/** True for resources that hold a pod spec (pods, workloads, cron jobs, pod templates). */
export function carriesPodSpec(groupResource: string): boolean {
  return (
    groupResource === 'pods' ||
    groupResource === 'cronjobs.batch' ||
    groupResource === 'podtemplates' ||
    POD_TEMPLATE_OWNERS.has(groupResource)
  );
}
