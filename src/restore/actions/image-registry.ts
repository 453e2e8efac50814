import type { RestoreAction } from './types.ts';
import { carriesPodSpec, podSpecsOf } from './util.ts';

const CONTAINER_LISTS = ['containers', 'initContainers', 'ephemeralContainers'] as const;

/**
 * Image registry rewrite: a DR region pulls from its own ECR replica, so every image of a pod (or a pod
 * template) that starts with a `from` prefix gets the `to` prefix instead. The first matching rule wins.
 */
export const imageRegistry: RestoreAction = {
  name: 'image-registry',
  appliesTo: (groupResource) => carriesPodSpec(groupResource),
  execute(object, context) {
    const rewrites = context.options.overrides.imageRegistries;
    if (rewrites.length === 0) return object;
    for (const podSpec of podSpecsOf(context.groupResource, object)) {
      for (const list of CONTAINER_LISTS) {
        const containers = podSpec[list];
        if (!Array.isArray(containers)) continue;
        for (const container of containers) {
          if (typeof container?.image !== 'string') continue;
          const rule = rewrites.find((r) => container.image.startsWith(r.from));
          if (rule) container.image = rule.to + container.image.slice(rule.from.length);
        }
      }
    }
    return object;
  },
};
