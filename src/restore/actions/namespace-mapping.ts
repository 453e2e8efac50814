import type { KubeObject } from '../../kube/kube-object.ts';
import { RESTORED_FROM_NAMESPACE_ANNOTATION } from './restore-annotations.ts';
import type { RestoreAction } from './types.ts';
import { recordAt, recordsAt } from './util.ts';

const BINDINGS = new Set([
  'rolebindings.rbac.authorization.k8s.io',
  'clusterrolebindings.rbac.authorization.k8s.io',
]);

/**
 * Moves objects from source to target namespaces: the object's namespace, a Namespace's own name,
 * the namespaces of binding subjects (service accounts of a mapped namespace keep their permissions)
 * and a PV's claimRef (so it binds to the claim in its new namespace). A moved object is annotated with
 * the namespace it came from.
 */
export const namespaceMapping: RestoreAction = {
  name: 'namespace-mapping',
  appliesTo: () => true,
  execute(object, context) {
    const mapping = context.options.namespaceMapping;
    if (mapping.size === 0) return object;
    const mapped = (namespace: unknown) =>
      typeof namespace === 'string' ? mapping.get(namespace) : undefined;
    const namespace = mapped(object.metadata.namespace);
    if (namespace !== undefined) {
      movedFrom(object, object.metadata.namespace);
      object.metadata.namespace = namespace;
    }
    if (context.groupResource === 'namespaces') {
      const name = mapped(object.metadata.name);
      if (name !== undefined) {
        movedFrom(object, object.metadata.name);
        object.metadata.name = name;
        // The well-known label the API server sets from the name must follow it.
        const labels = object.metadata.labels;
        if (labels?.['kubernetes.io/metadata.name'] !== undefined)
          labels['kubernetes.io/metadata.name'] = name;
      }
    }
    if (BINDINGS.has(context.groupResource)) {
      for (const subject of recordsAt(object, 'subjects')) {
        const target = mapped(subject.namespace);
        if (target !== undefined) subject.namespace = target;
      }
    }
    if (context.groupResource === 'persistentvolumes') {
      const claimRef = recordAt(object, 'spec', 'claimRef');
      const target = mapped(claimRef?.namespace);
      if (claimRef && target !== undefined) claimRef.namespace = target;
    }
    return object;
  },
};

// Remembers where the backup had the object, so a failback can match DR's copy with the primary's.
function movedFrom(object: KubeObject, from: string | undefined): void {
  if (from === undefined) return;
  object.metadata.annotations = {
    ...object.metadata.annotations,
    [RESTORED_FROM_NAMESPACE_ANNOTATION]: from,
  };
}
