// What happens in DR while it serves the shop, one change of each kind a failback must carry home (an object
// created, a Deployment's image changed, an object deleted, data written to a volume), and the check that
// the primary holds them afterwards. The demo tells this story; the failback e2e test asserts it.
import type { SandboxWorld } from '../../sandbox/world.ts';
import type { ClusterClient } from '../../src/kube/cluster-client.ts';
import type { ApiResource, KubeObject } from '../../src/kube/kube-object.ts';

const DEPLOYMENTS: ApiResource = {
  group: 'apps',
  version: 'v1',
  resource: 'deployments',
  kind: 'Deployment',
  namespaced: true,
  verbs: ['get', 'update'],
};
const PROMOTIONS: ApiResource = {
  group: 'shop.example.com',
  version: 'v1',
  resource: 'promotions',
  kind: 'Promotion',
  namespaced: true,
  verbs: ['get', 'delete'],
};
const CONFIG_MAPS: ApiResource = {
  group: '',
  version: 'v1',
  resource: 'configmaps',
  kind: 'ConfigMap',
  namespaced: true,
  verbs: ['get'],
};

/** The changes made in DR, by name. */
export const DR_CHANGES = {
  created: { resource: CONFIG_MAPS, namespace: 'shop', name: 'orders-during-outage' },
  image: {
    deployment: 'api',
    value: '111122223333.dkr.ecr.eu-west-1.amazonaws.com/shop/api:1.43.0-hotfix',
  },
  deleted: {
    resource: PROMOTIONS,
    namespace: 'shop',
    name: 'spring-sale',
    label: 'promotions.shop.example.com shop/spring-sale',
  },
  volume: { persistentVolume: 'pvc-0b6f1c2a-db-0', data: 'orders v2, written in DR' },
} as const;

/** Makes the four changes in DR, through its API server and its EC2 volumes. */
export async function changeDr(world: SandboxWorld): Promise<void> {
  const { created, image, deleted, volume } = DR_CHANGES;
  world.dr.loadYaml(
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${created.name}\n  namespace: ${created.namespace}\ndata:\n  count: "42"\n`,
  );
  const client = await world.deps.cluster('dr');
  const api = (await client.get(DEPLOYMENTS, 'shop', image.deployment)) as KubeObject;
  const containers = (api.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec
    .containers;
  (containers[0] as { image: string }).image = image.value;
  await client.replace(DEPLOYMENTS, 'shop', api);
  await client.delete(deleted.resource, deleted.namespace, deleted.name);
  world.writeVolume('dr', volume.persistentVolume, volume.data);
}

/** The image of the shop's api Deployment in a cluster. */
export async function apiImageOf(client: ClusterClient): Promise<string | undefined> {
  const api = await client.get(DEPLOYMENTS, 'shop', DR_CHANGES.image.deployment);
  return (api?.spec as { template?: { spec?: { containers?: { image?: string }[] } } } | undefined)?.template
    ?.spec?.containers?.[0]?.image;
}

/** Which of the four changes the primary holds now. */
export interface CarriedHome {
  created: boolean;
  image: boolean;
  /** Still in the primary (kept unless the run was told to remove what DR deleted). */
  deletedStillInPrimary: boolean;
  volume: boolean;
}

/** Looks in the primary for each change made in DR. */
export async function carriedHome(world: SandboxWorld): Promise<CarriedHome> {
  const client = await world.deps.cluster('primary');
  const { created, deleted, volume } = DR_CHANGES;
  return {
    created: (await client.get(created.resource, created.namespace, created.name)) !== undefined,
    image: (await apiImageOf(client)) === DR_CHANGES.image.value,
    deletedStillInPrimary:
      (await client.get(deleted.resource, deleted.namespace, deleted.name)) !== undefined,
    volume: world.volumeData('primary', volume.persistentVolume) === volume.data,
  };
}
