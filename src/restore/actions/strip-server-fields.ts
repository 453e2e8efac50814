import type { RestoreAction } from './types.ts';

/** metadata fields the API server sets; carrying them over would be refused or would lie about the object. */
export const SERVER_SET_METADATA = [
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'selfLink',
  'managedFields',
  'ownerReferences',
  'generateName',
] as const;

/**
 * Every object: server-set metadata and status go. ownerReferences go too, because the owners' uids
 * change on restore and a dangling reference would have the garbage collector delete the object.
 */
export const stripServerFields: RestoreAction = {
  name: 'strip-server-fields',
  appliesTo: () => true,
  execute(object) {
    for (const field of SERVER_SET_METADATA) delete object.metadata[field];
    delete object.status;
    return object;
  },
};
