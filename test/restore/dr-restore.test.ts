// The DR restore use case over a real backup in a local store, a Kubernetes simulator as the target and the
// EC2 stand-in of the DR region: the volume stage, the objects in chunks, stall and failure, cleanup.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeApiSimulator } from '../../sandbox/kube/simulator.ts';
import type { BackupManifest, BackupManifestInput, VolumeSnapshotRecord } from '../../src/archive/index.ts';
import { LocalDirectoryStore } from '../../src/archive/stores/local-directory-store.ts';
import type { HttpClusterClient } from '../../src/kube/cluster-client.ts';
import type { ApiResource } from '../../src/kube/kube-object.ts';
import {
  DrRestore,
  type DrRestoreDeps,
  type DrRestoreRequest,
  type DrVolumes,
  drRestoreStateSchema,
  MAX_STALLED_CHUNKS,
  RestoreFailedError,
  RestoreStalledError,
  restoredObjectsOf,
} from '../../src/restore/index.ts';
import { findEbsVolumes, VolumeBackupper, VolumeRestorer } from '../../src/volumes/index.ts';
import { aConfigMap, aNamespace } from '../fixtures/kube-objects.ts';
import { aCsiPv } from '../volumes/pv-fixtures.ts';
import { aWorld, DR, DR_KEY, SOURCE, type World } from '../volumes/world.ts';
import { backUp, fastClient, startSimulator, temporaryStore } from './restore-harness.ts';

const BACKUP = 'shop-backup-1';
const PERSISTENT_VOLUMES: ApiResource = {
  group: '',
  version: 'v1',
  resource: 'persistentvolumes',
  kind: 'PersistentVolume',
  namespaced: false,
  verbs: ['get', 'list', 'create', 'delete'],
};

// Writes every manifest with the DR copies of the volume snapshots, as the backup workflow's copy step does.
class StoreWithSnapshots extends LocalDirectoryStore {
  records: VolumeSnapshotRecord[] = [];
  override putManifest(name: string, manifest: BackupManifestInput): Promise<BackupManifest> {
    return super.putManifest(name, { ...manifest, volumeSnapshots: this.records });
  }
}

let source: KubeApiSimulator;
let target: KubeApiSimulator;
let client: HttpClusterClient;
let store: StoreWithSnapshots;
let world: World;
let removeStore: () => Promise<void>;

/** Two EBS-backed PVs in source zone a, their snapshots copied to DR, and a namespace; backed up. */
beforeEach(async () => {
  [source, target] = await Promise.all([startSimulator(), startSimulator()]);
  client = fastClient(target);
  world = aWorld();
  const temporary = await temporaryStore();
  removeStore = temporary.cleanup;
  store = new StoreWithSnapshots(temporary.directory);
  const pvs = ['pv-data', 'pv-logs'].map((name) =>
    aCsiPv(name, world.source.addVolume({ availabilityZone: `${SOURCE}a`, sizeGi: 8 }), {
      zone: `${SOURCE}a`,
      size: '8Gi',
    }),
  );
  const backupper = new VolumeBackupper({
    from: world.source,
    to: world.dr,
    sleep: world.sleep,
    now: world.clock,
  });
  store.records = await backupper.runToCompletion(BACKUP, findEbsVolumes(pvs).volumes, {
    kmsKeyId: DR_KEY,
  });
  source.load([aNamespace('shop').build(), aConfigMap('web-config').inNamespace('shop').build(), ...pvs]);
  await backUp(source, store, BACKUP);
});

afterEach(async () => {
  client.close();
  await Promise.all([source.stop(), target.stop()]);
  await removeStore();
});

function drVolumes(): DrVolumes {
  return {
    restorer: new VolumeRestorer({
      to: world.dr,
      sleep: world.sleep,
      now: world.clock,
      limits: { pollIntervalMs: 2_000 },
    }),
    options: {
      restoreName: 'shop-failover-1',
      availabilityZones: [`${DR}b`],
      zoneMap: { [`${SOURCE}a`]: `${DR}a` },
    },
    region: DR,
    pollIntervalMs: 2_000,
  };
}

/** A DrRestore into the target; `connects` counts the cluster connections it asked for. */
function aDrRestore(overrides: Partial<DrRestoreDeps> = {}) {
  const connects = { count: 0 };
  const restore = new DrRestore({
    store,
    connect: async () => {
      connects.count += 1;
      return client;
    },
    volumes: drVolumes(),
    sleep: world.sleep,
    ...overrides,
  });
  return { restore, connects };
}

const request = (options: DrRestoreRequest['options'] = {}): DrRestoreRequest => ({
  backupName: BACKUP,
  restoreId: 'shop-failover-1',
  options,
});

describe('DrRestore.chunk', () => {
  it('makes the DR volumes in the mapped zone, points the restored PVs at them and records what it created', async () => {
    // Arrange
    const { restore } = aDrRestore();

    // Act
    const answer = await restore.chunk(request(), null);

    // Assert
    expect(answer).toMatchObject({
      done: true,
      continuation: null,
      phase: 'Completed',
      volumes: 2,
      namespaces: ['default', 'kube-node-lease', 'kube-public', 'kube-system', 'shop'],
      createdNamespaces: ['shop'],
      createdPersistentVolumes: ['pv-data', 'pv-logs'],
      failures: [],
    });
    const drVolumeIds = world.dr.listVolumes().map((volume) => volume.id);
    expect(answer.createdVolumes).toEqual([...drVolumeIds].sort());
    expect(world.dr.listVolumes().map((volume) => volume.availabilityZone)).toEqual([`${DR}a`, `${DR}a`]);
    const restored = await client.get(PERSISTENT_VOLUMES, undefined, 'pv-data');
    expect(restored?.spec?.csi).toMatchObject({ volumeHandle: expect.toBeOneOf(drVolumeIds) });
  });

  it('stops in the volume stage at its deadline without connecting to the cluster, and carries on from the state', async () => {
    // Arrange: the real clock is past the deadline, so the volumes are looked at once
    const { restore, connects } = aDrRestore({ clock: () => new Date(1_000) });

    // Act
    const first = await restore.chunk(request(), null, 1_000);
    const connectsInFirst = connects.count;
    const state = drRestoreStateSchema.parse(JSON.parse(JSON.stringify(first.continuation)));
    world.advance(60_000);
    const second = await restore.chunk(request(), state, 1_000 + 1);

    // Assert
    expect(first).toMatchObject({ done: false, phase: 'InProgress', volumes: 0 });
    expect(first.continuation?.stage).toBe('volumes');
    expect(first.createdVolumes).toHaveLength(2);
    expect(connectsInFirst).toBe(0);
    expect(second).toMatchObject({ done: true, volumes: 2, createdVolumes: first.createdVolumes });
    expect(world.dr.listVolumes()).toHaveLength(2);
  });

  it('restores into the primary (no volumes) without reading the snapshots or making a volume', async () => {
    // Arrange
    const { restore } = aDrRestore({ volumes: undefined });

    // Act
    const answer = await restore.chunk(request({ namespaceMapping: { shop: 'shop-rehearsal' } }), null);

    // Assert
    expect(answer).toMatchObject({ done: true, volumes: 0, createdVolumes: [] });
    expect(answer.createdNamespaces).toEqual(['shop-rehearsal']);
    expect(world.dr.listVolumes()).toHaveLength(0);
  });

  it(`throws RestoreStalledError after ${MAX_STALLED_CHUNKS} chunks in a row that applied nothing`, async () => {
    // Arrange: every chunk's deadline has passed before its first object
    const { restore } = aDrRestore({ volumes: undefined, clock: () => new Date(5_000) });
    let state = null;

    // Act
    const errors: unknown[] = [];
    for (let chunk = 0; chunk < MAX_STALLED_CHUNKS; chunk++) {
      try {
        state = (await restore.chunk(request(), state, 0)).continuation;
      } catch (error) {
        errors.push(error);
      }
    }

    // Assert
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(RestoreStalledError);
    expect((errors[0] as Error).message).toMatch(
      new RegExp(
        `^restore of backup ${BACKUP} made no progress in ${MAX_STALLED_CHUNKS} invocations at object 0`,
      ),
    );
  });

  it('throws RestoreFailedError naming the backup when the restore cannot run at all', async () => {
    // Arrange
    const { restore } = aDrRestore({ volumes: undefined });

    // Act
    const call = restore.chunk({ ...request(), backupName: 'no-such-backup' }, null);

    // Assert
    await expect(call).rejects.toThrow(RestoreFailedError);
    await expect(call).rejects.toThrow(/^restore of backup no-such-backup failed: BackupNotFoundError/);
  });
});

describe('DrRestore.cleanup', () => {
  it('deletes what the restore created, then its DR volumes, reading them back from its answer', async () => {
    // Arrange
    const { restore } = aDrRestore();
    const answer = await restore.chunk(request(), null);
    const restored = restoredObjectsOf(JSON.parse(JSON.stringify(answer)));

    // Act
    const report = await restore.cleanup(restored, world.now() + 60_000);

    // Assert
    expect(report).toEqual({
      deletedNamespaces: ['shop'],
      deletedPersistentVolumes: ['pv-data', 'pv-logs'],
      deletedVolumes: answer.createdVolumes,
      volumesLeft: [],
    });
    expect(await client.get(PERSISTENT_VOLUMES, undefined, 'pv-data')).toBeUndefined();
    expect(world.dr.listVolumes()).toHaveLength(0);
  });
});

describe('restoredObjectsOf', () => {
  it('keeps the strings of the created lists and ignores anything else', () => {
    // Arrange
    const answer = { createdNamespaces: ['shop', 7, null], createdPersistentVolumes: 'pv-data' };

    // Act
    const restored = restoredObjectsOf(answer);

    // Assert
    expect(restored).toEqual({ namespaces: ['shop'], persistentVolumes: [], volumeIds: [] });
    expect(restoredObjectsOf(undefined)).toEqual({ namespaces: [], persistentVolumes: [], volumeIds: [] });
  });
});
