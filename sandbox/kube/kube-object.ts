import type { KubeObject as EngineKubeObject, KubeObjectMeta } from '../../src/kube/kube-object.ts';
import { isRecord } from '../../src/util/is-record.ts';

/**
 * ObjectMeta as the simulator sets it: the engine's fields plus the server-owned ones (generation,
 * timestamps, generateName) that only an API server assigns, so the engine never needs them typed.
 */
export interface ObjectMeta extends KubeObjectMeta {
  generateName?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
}

/** The engine's KubeObject with the simulator's wider metadata; any such object is an engine KubeObject. */
export interface KubeObject extends EngineKubeObject {
  metadata: ObjectMeta;
}

/** Reads a dotted path such as `.spec.replicas` (the form CRD scale subresources use). */
export function readPath(object: unknown, path: string): unknown {
  let current: unknown = object;
  for (const part of path.replace(/^\./, '').split('.')) {
    if (!isRecord(current)) return undefined;
    current = current[part];
  }
  return current;
}

/** Writes a dotted path, creating the objects on the way. */
export function writePath(object: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.replace(/^\./, '').split('.');
  let current = object;
  for (const part of parts.slice(0, -1)) {
    const next = current[part];
    if (!isRecord(next)) current[part] = {};
    current = current[part] as Record<string, unknown>;
  }
  current[parts[parts.length - 1] as string] = value;
}

/** `a=b,c=d` from a LabelSelector object (matchLabels and matchExpressions). */
export function labelSelectorText(selector: unknown): string {
  if (!isRecord(selector)) return '';
  const parts: string[] = [];
  const matchLabels = selector.matchLabels;
  if (isRecord(matchLabels))
    for (const [k, v] of Object.entries(matchLabels)) parts.push(`${k}=${String(v)}`);
  const expressions = selector.matchExpressions;
  if (Array.isArray(expressions)) {
    for (const e of expressions) {
      if (!isRecord(e)) continue;
      const values = Array.isArray(e.values) ? e.values.join(',') : '';
      if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
      else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
      else if (e.operator === 'Exists') parts.push(String(e.key));
      else if (e.operator === 'DoesNotExist') parts.push(`!${String(e.key)}`);
    }
  }
  return parts.join(',');
}
