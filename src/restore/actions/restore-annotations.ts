import type { RestoreAction } from './types.ts';

/** Names the backup an object was restored from, as Velero's velero.io/backup-name label does. */
export const RESTORED_FROM_ANNOTATION = 'eks-dr.io/restored-from';
/** Names the restore that created the object, so a create retried after a lost answer knows its own object. */
export const RESTORE_ID_ANNOTATION = 'eks-dr.io/restore-id';

/**
 * The namespace an object (for a Namespace, its name) had in the backup, set by namespace mapping when it
 * moved the object: a failback reads it to find the primary's counterpart of what DR holds (deleted-in-dr.ts).
 */
export const RESTORED_FROM_NAMESPACE_ANNOTATION = 'eks-dr.io/restored-from-namespace';

/** Every object: the DR plan's extra annotations, then where it was restored from. */
export const restoreAnnotations: RestoreAction = {
  name: 'restore-annotations',
  appliesTo: () => true,
  execute(object, context) {
    object.metadata.annotations = {
      ...(object.metadata.annotations ?? {}),
      ...context.options.overrides.annotations,
      [RESTORED_FROM_ANNOTATION]: context.backupName,
      [RESTORE_ID_ANNOTATION]: context.restoreId,
    };
    return object;
  },
};
