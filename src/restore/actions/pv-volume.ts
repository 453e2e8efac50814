import type { KubeObject } from '../../kube/kube-object.ts';
import { rewritePersistentVolume } from '../../volumes/ebs-volumes.ts';
import type { RestoreAction } from './types.ts';

/**
 * PersistentVolumes with a volume restored from their snapshot: the PV points at the new EBS volume
 * and its zone. PVs without a mapping keep their volume (same-region restores, static volumes).
 */
export const pvVolume: RestoreAction = {
  name: 'pv-volume',
  appliesTo: (groupResource) => groupResource === 'persistentvolumes',
  execute(object, context) {
    const target = context.options.volumes.get(object.metadata.name ?? '');
    if (target === undefined) return object;
    return rewritePersistentVolume(object, target) as KubeObject;
  },
};
