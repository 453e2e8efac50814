import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeApiSimulator } from '../../sandbox/kube/simulator.ts';
import type { LocalDirectoryStore } from '../../src/archive/stores/local-directory-store.ts';
import type { ClusterClient, HttpClusterClient } from '../../src/kube/cluster-client.ts';
import type { ApiResource, KubeObject } from '../../src/kube/kube-object.ts';
import { Restorer } from '../../src/restore/restorer.ts';
import { backUp, fastClient, startSimulator, temporaryStore } from './restore-harness.ts';

const BACKUP = 'dr-1';
const namespace = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } };

const aVolume = (volumeId: string) => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name: 'pv-orders' },
  spec: {
    capacity: { storage: '10Gi' },
    accessModes: ['ReadWriteOnce'],
    persistentVolumeReclaimPolicy: 'Delete',
    storageClassName: 'gp3',
    csi: { driver: 'ebs.csi.aws.com', volumeHandle: volumeId, fsType: 'ext4' },
    claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: 'shop', name: 'orders' },
  },
});

const claim = {
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name: 'orders', namespace: 'shop' },
  spec: {
    accessModes: ['ReadWriteOnce'],
    storageClassName: 'gp3',
    resources: { requests: { storage: '10Gi' } },
    volumeName: 'pv-orders',
  },
};

const podSpec = {
  containers: [{ name: 'db', image: 'postgres:16' }],
  volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'orders' } }],
};

const aDatabase = (replicas: number) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'db', namespace: 'shop' },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'db' } },
    template: { metadata: { labels: { app: 'db' } }, spec: podSpec },
  },
});

const barePod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'debug', namespace: 'shop' },
  spec: podSpec,
};

type Call = string;

/** The client's writes, in order, as `verb resource name [patch]`. */
function logging(client: ClusterClient, calls: Call[]): ClusterClient {
  const label = (resource: ApiResource, name: string | undefined) => `${resource.resource} ${name ?? ''}`;
  return {
    ...client,
    server: client.server,
    discover: () => client.discover(),
    serverVersion: () => client.serverVersion(),
    listPage: (request) => client.listPage(request),
    listRawPage: (request) => client.listRawPage(request),
    get: (resource, ns, name) => client.get(resource, ns, name),
    create: (resource, ns, object: KubeObject) => {
      calls.push(`create ${label(resource, object.metadata.name)}`);
      return client.create(resource, ns, object);
    },
    replace: (resource, ns, object: KubeObject) => {
      calls.push(`replace ${label(resource, object.metadata.name)}`);
      return client.replace(resource, ns, object);
    },
    mergePatch: (resource, ns, name, patch) => {
      calls.push(`patch ${label(resource, name)} ${JSON.stringify(patch)}`);
      return client.mergePatch(resource, ns, name, patch);
    },
    delete: (resource, ns, name) => {
      calls.push(`delete ${label(resource, name)}`);
      return client.delete(resource, ns, name);
    },
    close: () => client.close(),
  };
}

let source: KubeApiSimulator;
let target: KubeApiSimulator;
let store: LocalDirectoryStore;
let cleanup: () => Promise<void>;
let client: HttpClusterClient;

beforeEach(async () => {
  source = await startSimulator();
  target = await startSimulator();
  ({ store, cleanup } = await temporaryStore());
  client = fastClient(target);
});

afterEach(async () => {
  client.close();
  await source.stop();
  await target.stop();
  await cleanup();
});

async function restoreInto(calls: Call[] = []) {
  return new Restorer({ client: logging(client, calls), store, sleep: async () => {} }).restore({
    backupName: BACKUP,
    options: { existingResourcePolicy: 'update' },
  });
}

const PV_RESOURCE: ApiResource = {
  group: '',
  version: 'v1',
  resource: 'persistentvolumes',
  kind: 'PersistentVolume',
  namespaced: false,
  verbs: [],
};

describe('restore onto an existing PersistentVolume with another volume (failback)', () => {
  it('replaces the bound PV and its claim after releasing them, retaining the old volume', async () => {
    // Arrange
    source.load([namespace, aVolume('vol-dr'), claim, aDatabase(2)]);
    target.load([namespace, aVolume('vol-primary'), claim, aDatabase(3), barePod]);
    await backUp(source, store, BACKUP);
    const calls: Call[] = [];

    // Act
    const result = await restoreInto(calls);

    // Assert
    expect(result.phase).toBe('Completed');
    const pv = result.objects.find((o) => o.groupResource === 'persistentvolumes');
    expect(pv?.replacedVolume).toEqual({
      persistentVolume: 'pv-orders',
      retainedVolumeId: 'vol-primary',
      volumeId: 'vol-dr',
      claim: 'shop/orders',
    });
    expect(pv?.message).toContain('old volume vol-primary retained');
    const order = (call: string) => calls.findIndex((c) => c.startsWith(call));
    expect(order('patch deployments db {"spec":{"replicas":0}}')).toBeGreaterThanOrEqual(0);
    expect(order('delete pods debug')).toBeGreaterThan(order('patch deployments db'));
    expect(
      order('patch persistentvolumes pv-orders {"spec":{"persistentVolumeReclaimPolicy":"Retain"}}'),
    ).toBeGreaterThan(order('delete pods debug'));
    expect(order('delete persistentvolumeclaims orders')).toBeGreaterThan(order('patch persistentvolumes'));
    expect(order('delete persistentvolumes pv-orders')).toBeGreaterThan(
      order('delete persistentvolumeclaims'),
    );
    const live = await client.get(PV_RESOURCE, undefined, 'pv-orders');
    expect(live?.spec?.csi).toMatchObject({ volumeHandle: 'vol-dr' });
    expect(result.objects.find((o) => o.groupResource === 'persistentvolumeclaims')?.outcome).toBe('created');
    const deployment = await client.get(
      { ...PV_RESOURCE, group: 'apps', resource: 'deployments', kind: 'Deployment', namespaced: true },
      'shop',
      'db',
    );
    expect(deployment?.spec?.replicas).toBe(2);
  });

  it('updates a PV on the same volume in place, deleting nothing', async () => {
    // Arrange
    source.load([namespace, aVolume('vol-same'), claim, aDatabase(2)]);
    target.load([namespace, aVolume('vol-same'), claim, aDatabase(3)]);
    await backUp(source, store, BACKUP);
    const calls: Call[] = [];

    // Act
    const result = await restoreInto(calls);

    // Assert
    expect(result.phase).toBe('Completed');
    expect(result.objects.some((o) => o.replacedVolume !== undefined)).toBe(false);
    expect(calls.filter((c) => c.startsWith('delete') || c.startsWith('patch'))).toEqual([]);
    expect(calls).toContain('replace persistentvolumes pv-orders');
  });

  it('completes a replacement that stopped after the old PV was deleted, and a re-run changes nothing more', async () => {
    // Arrange: the claim and the PV are gone, as after a crash between the deletes and the create.
    source.load([namespace, aVolume('vol-dr'), claim, aDatabase(2)]);
    target.load([namespace, aDatabase(0)]);
    await backUp(source, store, BACKUP);

    // Act
    const first = await restoreInto();
    const again = await restoreInto();

    // Assert
    expect(first.phase).toBe('Completed');
    expect(first.objects.find((o) => o.groupResource === 'persistentvolumes')?.outcome).toBe('created');
    expect(again.phase).toBe('Completed');
    expect(again.objects.some((o) => o.replacedVolume !== undefined)).toBe(false);
    const live = await client.get(PV_RESOURCE, undefined, 'pv-orders');
    expect(live?.spec?.csi).toMatchObject({ volumeHandle: 'vol-dr' });
  });

  it('fails the PV naming its claim when a pod keeps using it', async () => {
    // Arrange: a pod owned by something the restore does not scale never goes.
    source.load([namespace, aVolume('vol-dr'), claim]);
    const owned = {
      ...barePod,
      metadata: {
        ...barePod.metadata,
        ownerReferences: [{ apiVersion: 'example.com/v1', kind: 'Operator', name: 'x', uid: 'u-1' }],
      },
    };
    target.load([namespace, aVolume('vol-primary'), claim, owned]);
    await backUp(source, store, BACKUP);
    let clock = 0;
    const restorer = new Restorer({
      client,
      store,
      now: () => new Date(clock),
      sleep: async (ms) => {
        clock += ms;
      },
    });

    // Act
    const result = await restorer.restore({
      backupName: BACKUP,
      options: { existingResourcePolicy: 'update' },
    });

    // Assert
    const pv = result.objects.find((o) => o.groupResource === 'persistentvolumes');
    expect(pv?.outcome).toBe('failed');
    expect(pv?.message).toContain('PersistentVolumeClaim shop/orders: still used by pod(s) debug');
    const live = await client.get(PV_RESOURCE, undefined, 'pv-orders');
    expect(live?.spec?.csi).toMatchObject({ volumeHandle: 'vol-primary' });
  });
});
