import type { RestoreAction } from './types.ts';
import { recordAt, recordsAt } from './util.ts';

const APPLIES_TO = new Set(['persistentvolumeclaims', 'persistentvolumes', 'statefulsets.apps']);

/**
 * Storage class mapping: the DR cluster may name its classes differently (gp2 → gp3, a region-specific
 * class), so claims, volumes and StatefulSet claim templates are pointed at the target's name.
 */
export const storageClass: RestoreAction = {
  name: 'storage-class',
  appliesTo: (groupResource) => APPLIES_TO.has(groupResource),
  execute(object, context) {
    const mapping = context.options.overrides.storageClasses;
    if (mapping.size === 0) return object;
    const remap = (spec: Record<string, unknown> | undefined) => {
      const from = spec?.storageClassName;
      const to = typeof from === 'string' ? mapping.get(from) : undefined;
      if (spec && to !== undefined) spec.storageClassName = to;
    };
    if (context.groupResource === 'statefulsets.apps') {
      for (const template of recordsAt(object, 'spec', 'volumeClaimTemplates'))
        remap(recordAt(template, 'spec'));
    } else {
      remap(object.spec);
    }
    return object;
  },
};
