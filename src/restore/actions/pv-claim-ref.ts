import type { RestoreAction } from './types.ts';
import { recordAt } from './util.ts';

/**
 * PersistentVolumes: the claimRef's uid and resourceVersion name the source's claim; kept, they would
 * leave the volume bound to a claim that never exists. Name and namespace stay so it binds to the restored claim.
 */
export const pvClaimRef: RestoreAction = {
  name: 'pv-claim-ref',
  appliesTo: (groupResource) => groupResource === 'persistentvolumes',
  execute(object) {
    const claimRef = recordAt(object, 'spec', 'claimRef');
    if (claimRef) {
      delete claimRef.uid;
      delete claimRef.resourceVersion;
    }
    return object;
  },
};
