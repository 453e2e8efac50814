import { isRecord } from '../../util/is-record.ts';
import type { RestoreAction } from './types.ts';
import { recordAt } from './util.ts';

/** The labels the Job controller derives from the Job's uid, which changes on restore. */
export const CONTROLLER_UID_LABELS = ['controller-uid', 'batch.kubernetes.io/controller-uid'] as const;

/**
 * Jobs: the selector and template labels carry the source Job's uid; the API server refuses a
 * selector that does not match the new uid, so both go and the server generates them again.
 */
export const jobControllerUid: RestoreAction = {
  name: 'job-controller-uid',
  appliesTo: (groupResource) => groupResource === 'jobs.batch',
  execute(object) {
    const spec = object.spec;
    if (!spec) return object;
    const matchLabels = recordAt(spec, 'selector', 'matchLabels');
    if (matchLabels) for (const label of CONTROLLER_UID_LABELS) delete matchLabels[label];
    const selector = recordAt(spec, 'selector');
    const expressions = selector?.matchExpressions;
    const selectorEmpty =
      selector !== undefined &&
      Object.keys(matchLabels ?? {}).length === 0 &&
      !(Array.isArray(expressions) && expressions.length > 0);
    // A generated selector is regenerated only when none is given and manualSelector is not set.
    if (selectorEmpty && spec.manualSelector !== true) delete spec.selector;
    for (const labels of [recordAt(spec, 'template', 'metadata', 'labels'), object.metadata.labels]) {
      if (isRecord(labels)) for (const label of CONTROLLER_UID_LABELS) delete labels[label];
    }
    return object;
  },
};
