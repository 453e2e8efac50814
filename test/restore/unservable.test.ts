// Objects the target cannot take are found before the first write (issue 16): a resource it does not
// serve, and a body whose kind is not the resource's. The restore refuses, naming them, and writes nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeApiSimulator } from '../../sandbox/kube/simulator.ts';
import type { ArchiveEntry } from '../../src/archive/index.ts';
import type { LocalDirectoryStore } from '../../src/archive/stores/local-directory-store.ts';
import type { HttpClusterClient } from '../../src/kube/cluster-client.ts';
import { Restorer } from '../../src/restore/restorer.ts';
import { storeEntries } from '../archive/archive-helpers.ts';
import { fastClient, recording, startSimulator, temporaryStore } from './restore-harness.ts';

let target: KubeApiSimulator;
let store: LocalDirectoryStore;
let cleanup: () => Promise<void>;
let client: HttpClusterClient;

beforeEach(async () => {
  target = await startSimulator();
  ({ store, cleanup } = await temporaryStore());
  client = fastClient(target);
});

afterEach(async () => {
  client.close();
  await target.stop();
  await cleanup();
});

const configMap = (name: string): ArchiveEntry => ({
  resource: 'configmaps',
  group: '',
  namespace: 'shop',
  name,
  object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'shop' }, data: { a: '1' } },
});

describe('objects the target cannot take', () => {
  it('refuses the restore before the first write, naming a resource the target does not serve', async () => {
    // Arrange: a Widget whose CRD is neither in the backup nor in the target.
    await storeEntries(store, 'no-crd', [
      configMap('a'),
      {
        resource: 'widgets',
        group: 'example.com',
        namespace: 'shop',
        name: 'w',
        object: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'shop' } },
      },
    ]);
    const recorder = recording(client);

    // Act
    const result = await new Restorer({ client: recorder, store }).restore({ backupName: 'no-crd' });

    // Assert
    expect(recorder.created).toEqual([]);
    expect(result.phase).toBe('Failed');
    expect(result.error?.name).toBe('UnservableObjectsError');
    expect(result.error?.message).toContain(
      'refused before writing anything: 1 object the target cluster cannot take (widgets.example.com shop/w: no resource widgets.example.com in the target cluster (is its CRD or API installed?))',
    );
  });

  it('refuses a body whose kind is not the resource it is archived under', async () => {
    // Arrange: a Secret's body in the configmaps directory (same API group, so the archive reader lets it by).
    const secret: ArchiveEntry = {
      resource: 'configmaps',
      group: '',
      namespace: 'shop',
      name: 'creds',
      object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'shop' }, data: {} },
    };
    await storeEntries(store, 'wrong-kind', [configMap('a'), secret]);
    const recorder = recording(client);

    // Act
    const result = await new Restorer({ client: recorder, store }).restore({ backupName: 'wrong-kind' });

    // Assert
    expect(recorder.created).toEqual([]);
    expect(result.error?.message).toContain(
      'configmaps shop/creds: archived under configmaps, which serves kind ConfigMap, but the object says kind Secret',
    );
  });
});
