// The snapshot step as a retried workflow step takes it: the PVs come back from the snapshot that wrote them
// (the archive is not read again), a completed backup is found without touching the cluster, and an
// archive left without a manifest is discarded and taken again.
import type { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeApiSimulator } from '../../sandbox/kube/simulator.ts';
import { LocalDirectoryStore } from '../../src/archive/stores/local-directory-store.ts';
import { backupOnce } from '../../src/backup/backup-service.ts';
import type { HttpClusterClient } from '../../src/kube/cluster-client.ts';
import { persistentVolumesOf } from '../../src/volumes/index.ts';
import { aConfigMap, aNamespace } from '../fixtures/kube-objects.ts';
import { startSimulator, temporaryStore } from '../restore/restore-harness.ts';
import { aCsiPv, anOtherPv } from '../volumes/pv-fixtures.ts';
import { fastClient } from './snapshot-harness.ts';

const NAME = 'shop-backup-1';
const REQUEST = { name: NAME, clusterName: 'shop-prod' };

// Counts the archive reads, which a step that already holds the PVs must not need.
class CountingStore extends LocalDirectoryStore {
  reads = 0;
  override openArchiveRead(name: string): Promise<Readable> {
    this.reads += 1;
    return super.openArchiveRead(name);
  }
}

let simulator: KubeApiSimulator;
let client: HttpClusterClient;
let store: CountingStore;
let removeStore: () => Promise<void>;
let connects: number;
const connect = async () => {
  connects += 1;
  return client;
};

beforeEach(async () => {
  simulator = await startSimulator();
  simulator.load([
    aNamespace('shop').build(),
    aConfigMap('web-config').inNamespace('shop').build(),
    aCsiPv('pv-data', 'vol-0123456789abcdef0', { zone: 'eu-west-1a' }),
    anOtherPv('pv-nfs', { nfs: { server: '10.0.0.9', path: '/exports' } }),
  ]);
  client = fastClient(simulator);
  const temporary = await temporaryStore();
  removeStore = temporary.cleanup;
  store = new CountingStore(temporary.directory);
  connects = 0;
});

afterEach(async () => {
  client.close();
  await simulator.stop();
  await removeStore();
});

describe('backupOnce', () => {
  it('hands back the PVs it archived, the same as reading them back, without reading the archive', async () => {
    // Arrange
    const deps = { store, connect };

    // Act
    const backup = await backupOnce(deps, REQUEST);
    const handedBack = await backup.persistentVolumes();
    const readsWhileTaking = store.reads;
    const readBack = await persistentVolumesOf(store, NAME);

    // Assert
    expect(backup.existed).toBe(false);
    expect(readsWhileTaking).toBe(0);
    expect(handedBack.map((pv) => pv.metadata.name)).toEqual(['pv-data', 'pv-nfs']);
    expect(handedBack.map((pv) => pv.spec)).toEqual(readBack.map((pv) => pv.spec));
    expect(connects).toBe(1);
  });

  it('finds a backup an earlier attempt completed without connecting, and reads its PVs back', async () => {
    // Arrange
    const first = await backupOnce({ store, connect }, REQUEST);
    connects = 0;

    // Act
    const again = await backupOnce({ store, connect }, REQUEST);
    const pvs = await again.persistentVolumes();

    // Assert
    expect(again.existed).toBe(true);
    expect(again.manifest).toEqual(first.manifest);
    expect(connects).toBe(0);
    expect(store.reads).toBeGreaterThan(0);
    expect(pvs.map((pv) => pv.metadata.name)).toEqual(['pv-data', 'pv-nfs']);
  });

  it('discards an archive an attempt left without a manifest and takes the backup again', async () => {
    // Arrange
    const upload = await store.openArchiveUpload(NAME);
    await new Promise<void>((resolve, reject) =>
      upload.end('truncated', (error?: Error | null) => (error ? reject(error) : resolve())),
    );

    // Act
    const backup = await backupOnce({ store, connect }, REQUEST);

    // Assert
    expect(backup.existed).toBe(false);
    expect(backup.manifest.totalObjects).toBeGreaterThan(0);
    expect(await store.exists(NAME)).toBe(true);
  });
});
