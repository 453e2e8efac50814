import type { KubeObject } from '../../kube/kube-object.ts';
import type { ResolvedRestoreOptions } from '../options.ts';

/** What an action knows about the object it rewrites and the restore it is part of. */
export interface RestoreActionContext {
  /** `deployments.apps`, `configmaps`, ... */
  groupResource: string;
  /** The object's namespace in the backup (before namespace mapping). */
  sourceNamespace: string | undefined;
  backupName: string;
  /** Identifies one restore across its chunks; written on every object so a retried create knows its own work. */
  restoreId: string;
  options: ResolvedRestoreOptions;
}

/** One small per-kind rewrite, as Velero's restore item actions: a predicate and an in-place change. */
export interface RestoreAction {
  readonly name: string;
  appliesTo(groupResource: string, object: KubeObject): boolean;
  /** Rewrites `object` (a private copy) and returns it. */
  execute(object: KubeObject, context: RestoreActionContext): KubeObject;
}
