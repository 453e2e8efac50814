import type { RestoreAction } from './types.ts';
import { recordsAt } from './util.ts';

/**
 * Services: the source cluster's clusterIP would collide with (or fall outside) the target's service
 * range, so the target allocates a new one; headless services (`None`) keep it, since that is their kind.
 * nodePorts are re-allocated too, as the source's may be taken.
 */
export const serviceAddresses: RestoreAction = {
  name: 'service-addresses',
  appliesTo: (groupResource) => groupResource === 'services',
  execute(object) {
    const spec = object.spec;
    if (!spec) return object;
    if (spec.clusterIP !== 'None') {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    }
    delete spec.healthCheckNodePort;
    for (const port of recordsAt(object, 'spec', 'ports')) delete port.nodePort;
    return object;
  },
};
