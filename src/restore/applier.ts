import type { ClusterClient } from '../kube/cluster-client.ts';
import {
  KubeAlreadyExistsError,
  KubeAuthError,
  KubeConflictError,
  KubeConnectionError,
  KubeRequestError,
} from '../kube/errors.ts';
import type { ApiResource, KubeObject } from '../kube/kube-object.ts';
import { sleep as realSleep } from '../util/retry.ts';
import { RESTORE_ID_ANNOTATION } from './actions/restore-annotations.ts';
import type { ExistingResourcePolicy } from './options.ts';
import type { PlannedObject } from './planner.ts';
import type { ObjectOutcome, ObjectOutcomeKind } from './result.ts';
import {
  type ReplacedVolume,
  replacePersistentVolume,
  type VolumeReplaceDeps,
  volumeSourceChanged,
} from './volume-replacement.ts';

/** How often an `update` re-reads the live object after a Conflict before giving up. @default 5 */
export const DEFAULT_CONFLICT_RETRIES = 5;

/** An error after which no further object can succeed (bad credentials, the server gone): the restore stops. */
export function isFatalForRestore(error: unknown): boolean {
  return error instanceof KubeAuthError || error instanceof KubeConnectionError;
}

/** What applying one object needs besides the object. */
export interface ApplyContext {
  client: ClusterClient;
  policy: ExistingResourcePolicy;
  restoreId: string;
  conflictRetries?: number;
  /** Clock and sleep for replacing a PV whose volume changed (waiting for its claim's pods to go). */
  volumeReplace?: Omit<VolumeReplaceDeps, 'client'>;
}

/** The outcome of one object, and the error that should stop the whole restore, if any. */
export interface AppliedObject {
  outcome: ObjectOutcome;
  fatal?: unknown;
}

/**
 * Creates one planned object. On AlreadyExists: an object carrying this restore's id is our own (a create
 * whose answer was lost and was retried) and counts as created; otherwise `none` skips it and `update`
 * replaces it at the live resourceVersion, re-reading after a Conflict. Transient errors were already
 * retried by the client; anything left is this object's failure, with the API's message.
 */
export async function applyPlannedObject(
  entry: PlannedObject,
  context: ApplyContext,
): Promise<AppliedObject> {
  const result = (outcome: ObjectOutcomeKind, message?: string, replaced?: ReplacedVolume): ObjectOutcome => {
    const outcomeRecord: ObjectOutcome = {
      index: entry.index,
      groupResource: entry.groupResource,
      name: entry.name,
      outcome,
    };
    if (entry.namespace !== undefined) outcomeRecord.namespace = entry.namespace;
    if (message !== undefined) outcomeRecord.message = message;
    if (replaced !== undefined) outcomeRecord.replacedVolume = replaced;
    return outcomeRecord;
  };
  if (entry.error !== undefined || entry.object === undefined)
    return { outcome: result('failed', entry.error ?? 'nothing to apply') };
  if (entry.resolution.state === 'unresolved') return { outcome: result('failed', entry.resolution.message) };
  if (entry.resolution.state === 'awaiting-crd') {
    return {
      outcome: result(
        'failed',
        `no resource ${entry.groupResource} in the target cluster: CRD ${entry.resolution.crd} is not Established`,
      ),
    };
  }
  const resource = entry.resolution.resource;
  const object = { ...entry.object, apiVersion: apiVersionOf(resource) };
  try {
    const applied = await createOrResolve(resource, entry.namespace, object, context);
    if (typeof applied === 'string') return { outcome: result(applied) };
    const message = `replaced: its volume changed${applied.retainedVolumeId ? `; old volume ${applied.retainedVolumeId} retained` : ''}`;
    return { outcome: result('updated', message, applied) };
  } catch (error) {
    return {
      outcome: result('failed', messageOf(error)),
      ...(isFatalForRestore(error) ? { fatal: error } : {}),
    };
  }
}

async function createOrResolve(
  resource: ApiResource,
  namespace: string | undefined,
  object: KubeObject,
  context: ApplyContext,
): Promise<ObjectOutcomeKind | ReplacedVolume> {
  const { client } = context;
  const name = object.metadata.name ?? '';
  try {
    await client.create(resource, namespace, object);
    return 'created';
  } catch (error) {
    if (!(error instanceof KubeAlreadyExistsError)) throw error;
  }
  let live = await client.get(resource, namespace, name);
  if (live?.metadata.annotations?.[RESTORE_ID_ANNOTATION] === context.restoreId) return 'created';
  if (context.policy === 'none') return 'skipped-exists';
  const attempts = context.conflictRetries ?? DEFAULT_CONFLICT_RETRIES;
  for (let attempt = 1; ; attempt++) {
    try {
      if (live === undefined) {
        // Deleted between our create and our read: create it after all.
        await client.create(resource, namespace, object);
        return 'created';
      }
      if (isPersistentVolume(resource) && volumeSourceChanged(live, object)) {
        // A PV's volume source is immutable: an update would be refused, so it is replaced.
        return await replacePersistentVolume(live, object, {
          client,
          now: () => new Date(),
          sleep: realSleep,
          ...context.volumeReplace,
        });
      }
      const metadata = { ...object.metadata, resourceVersion: live.metadata.resourceVersion };
      await client.replace(resource, namespace, { ...object, metadata });
      return 'updated';
    } catch (error) {
      const retry = error instanceof KubeConflictError || error instanceof KubeAlreadyExistsError;
      if (!retry || attempt >= attempts) throw error;
      live = await client.get(resource, namespace, name);
    }
  }
}

function isPersistentVolume(resource: ApiResource): boolean {
  return resource.group === '' && resource.resource === 'persistentvolumes';
}

function apiVersionOf(resource: ApiResource): string {
  return resource.group ? `${resource.group}/${resource.version}` : resource.version;
}

/** The API's own words for a failure: `422 Invalid: <message>`, without our request line. */
export function messageOf(error: unknown): string {
  if (error instanceof KubeRequestError) {
    const prefix = `${error.target.method} ${error.target.path}: `;
    return error.message.startsWith(prefix) ? error.message.slice(prefix.length) : error.message;
  }
  return error instanceof Error ? error.message : String(error);
}
