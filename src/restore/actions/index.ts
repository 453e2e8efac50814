// The default restore actions, in the order they run: the privilege guard first (it refuses, never
// rewrites), then cleaning (what the source server set),
// then per-kind fixes, then the mapping to target namespaces, then the DR plan's overrides, and the
// restore's own annotations last so nothing overwrites them.
import { imageRegistry } from './image-registry.ts';
import { jobControllerUid } from './job-controller-uid.ts';
import { namespaceMapping } from './namespace-mapping.ts';
import { podNodeName } from './pod-node-name.ts';
import { pvClaimRef } from './pv-claim-ref.ts';
import { pvVolume } from './pv-volume.ts';
import { rbacSubjects } from './rbac-subjects.ts';
import { replicasOverride } from './replicas-override.ts';
import { restoreAnnotations } from './restore-annotations.ts';
import { serviceAddresses } from './service-addresses.ts';
import { storageClass } from './storage-class.ts';
import { stripServerFields } from './strip-server-fields.ts';
import type { RestoreAction } from './types.ts';

/** Every action a restore runs, in order. */
export const DEFAULT_RESTORE_ACTIONS: readonly RestoreAction[] = [
  rbacSubjects,
  stripServerFields,
  serviceAddresses,
  podNodeName,
  pvClaimRef,
  jobControllerUid,
  pvVolume,
  namespaceMapping,
  replicasOverride,
  imageRegistry,
  storageClass,
  restoreAnnotations,
];

export { imageRegistry } from './image-registry.ts';
export { CONTROLLER_UID_LABELS, jobControllerUid } from './job-controller-uid.ts';
export { namespaceMapping } from './namespace-mapping.ts';
export { podNodeName } from './pod-node-name.ts';
export { pvClaimRef } from './pv-claim-ref.ts';
export { pvVolume } from './pv-volume.ts';
export { rbacSubjects, subjectKey } from './rbac-subjects.ts';
export { replicasOverride, SCALABLE_WORKLOADS, scaledReplicas } from './replicas-override.ts';
export {
  RESTORE_ID_ANNOTATION,
  RESTORED_FROM_ANNOTATION,
  RESTORED_FROM_NAMESPACE_ANNOTATION,
  restoreAnnotations,
} from './restore-annotations.ts';
export { serviceAddresses } from './service-addresses.ts';
export { storageClass } from './storage-class.ts';
export { SERVER_SET_METADATA, stripServerFields } from './strip-server-fields.ts';
export type { RestoreAction, RestoreActionContext } from './types.ts';
