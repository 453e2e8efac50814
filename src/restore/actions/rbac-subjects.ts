// The privilege guard: a restore never grants what the plan did not ask for. A backup is data, and anyone
// who can write to its bucket can plant a RoleBinding; restored by a role that may bind anything, it would
// hand cluster-admin to everyone who can reach the API server. Bindings to the refused subjects
// (system:anonymous and system:unauthenticated, and whoever the plan adds) are left out and reported.
import type { KubeObject } from '../../kube/kube-object.ts';
import { isRecord } from '../../util/is-record.ts';
import type { RestoreAction } from './types.ts';

const BINDINGS = new Set([
  'rolebindings.rbac.authorization.k8s.io',
  'clusterrolebindings.rbac.authorization.k8s.io',
]);

/** A binding subject as the guard names it: `User:system:anonymous`, `ServiceAccount:ns/name`. */
export function subjectKey(subject: Record<string, unknown>): string {
  const kind = String(subject.kind ?? '');
  const name = String(subject.name ?? '');
  return kind === 'ServiceAccount' && typeof subject.namespace === 'string'
    ? `${kind}:${subject.namespace}/${name}`
    : `${kind}:${name}`;
}

export const rbacSubjects: RestoreAction = {
  name: 'rbac-subjects',
  appliesTo: (groupResource) => BINDINGS.has(groupResource),
  execute(object: KubeObject, context): KubeObject {
    const subjects = Array.isArray(object.subjects) ? object.subjects : [];
    const refused = subjects
      .filter(isRecord)
      .map(subjectKey)
      .filter((key) => context.options.refusedSubjects.has(key));
    if (refused.length > 0) {
      const roleRef = isRecord(object.roleRef) ? `${object.roleRef.kind} ${object.roleRef.name}` : 'a role';
      throw new Error(
        `refused: binds ${roleRef} to ${refused.join(', ')}; a restore grants nothing to these subjects unless the plan's privilegeGuard.allowSubjects names them`,
      );
    }
    return object;
  },
};
