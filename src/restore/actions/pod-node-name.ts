import type { RestoreAction } from './types.ts';

/** Pods: the source's node does not exist in the target; the scheduler places the pod again. */
export const podNodeName: RestoreAction = {
  name: 'pod-node-name',
  appliesTo: (groupResource) => groupResource === 'pods',
  execute(object) {
    delete object.spec?.nodeName;
    return object;
  },
};
