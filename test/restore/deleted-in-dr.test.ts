// What DR deleted, as a failback finds it: objects the failover's backup carried into DR that DR's snapshot no
// longer holds, limited to what a restore brings, named when the primary still has them and deleted only
// when asked; over real backups of two simulators in a local store.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeApiSimulator } from '../../sandbox/kube/simulator.ts';
import type { LocalDirectoryStore } from '../../src/archive/stores/local-directory-store.ts';
import type { ArchiveEntry } from '../../src/archive/writer.ts';
import type { HttpClusterClient } from '../../src/kube/cluster-client.ts';
import {
  deletedInDrOf,
  namespaceMappingOf,
  objectRef,
  RESTORED_FROM_ANNOTATION,
  RESTORED_FROM_NAMESPACE_ANNOTATION,
  recoveryRestoreRequest,
  restoredFromOf,
  settleDeletedInDr,
} from '../../src/restore/index.ts';
import { aPlan } from '../failover/failover-fixtures.ts';
import { aConfigMap, aNamespace } from '../fixtures/kube-objects.ts';
import { backUp, fastClient, startSimulator, temporaryStore } from './restore-harness.ts';

const FAILOVER_BACKUP = 'shop-backup-1';
const DR_SNAPSHOT = 'shop-failback-1';

function entry(
  resource: string,
  namespace: string | undefined,
  name: string,
  object: unknown = {},
): ArchiveEntry {
  const metadata = { name, ...(namespace ? { namespace } : {}) };
  return {
    resource,
    group: '',
    ...(namespace ? { namespace } : {}),
    name,
    object: { metadata, ...(object as object) },
  };
}

describe('deletedInDrOf', () => {
  it('names what the failover carried into DR and DR no longer holds, and nothing a restore never brings', () => {
    // Arrange
    const owned = { metadata: { name: 'api-1', namespace: 'shop', ownerReferences: [{ controller: true }] } };
    const restoredFrom = [
      entry('configmaps', 'shop', 'kept'),
      entry('configmaps', 'shop', 'deleted'),
      entry('namespaces', undefined, 'old-shop'),
      entry('pods', 'shop', 'api-1', owned),
      entry('events', 'shop', 'api-1.17f'),
      entry('configmaps', 'shop', 'deleted'),
    ];
    const drSnapshot = [entry('configmaps', 'shop', 'kept'), entry('configmaps', 'shop', 'made-in-dr')];

    // Act
    const deleted = deletedInDrOf(restoredFrom, drSnapshot).map(objectRef);

    // Assert
    expect(deleted).toEqual(['configmaps shop/deleted', 'namespaces old-shop']);
  });

  it('follows the namespace mapping the failover used, naming the objects where the primary has them', () => {
    // Arrange: the failover moved shop to shop-dr; DR then deleted one ConfigMap and the whole ops-dr.
    const moved = (resource: string, namespace: string | undefined, name: string, from: string) =>
      entry(resource, namespace, name, {
        metadata: {
          name,
          ...(namespace ? { namespace } : {}),
          annotations: {
            [RESTORED_FROM_ANNOTATION]: FAILOVER_BACKUP,
            [RESTORED_FROM_NAMESPACE_ANNOTATION]: from,
          },
        },
      });
    const restoredFrom = [
      entry('namespaces', undefined, 'shop'),
      entry('configmaps', 'shop', 'kept'),
      entry('configmaps', 'shop', 'deleted'),
      entry('configmaps', 'ops', 'settings'),
    ];
    const drSnapshot = [
      moved('namespaces', undefined, 'shop-dr', 'shop'),
      moved('configmaps', 'shop-dr', 'kept', 'shop'),
      // Moved by another backup's restore: not this failover's mapping.
      entry('configmaps', 'elsewhere', 'x', {
        metadata: {
          name: 'x',
          namespace: 'elsewhere',
          annotations: { [RESTORED_FROM_ANNOTATION]: 'other', [RESTORED_FROM_NAMESPACE_ANNOTATION]: 'ops' },
        },
      }),
    ];

    // Act
    const mapping = namespaceMappingOf(drSnapshot, FAILOVER_BACKUP);
    const deleted = deletedInDrOf(restoredFrom, drSnapshot, mapping).map(objectRef);

    // Assert
    expect(Object.fromEntries(mapping)).toEqual({ shop: 'shop-dr' });
    expect(deleted).toEqual(['configmaps shop/deleted', 'configmaps ops/settings']);
  });

  it('reads the backups DR was restored from off the restored-from annotation of its objects', () => {
    // Arrange
    const annotated = (name: string, from: string) => ({
      metadata: { name, namespace: 'shop', annotations: { [RESTORED_FROM_ANNOTATION]: from } },
    });
    const drSnapshot = [
      entry('configmaps', 'shop', 'a', annotated('a', 'shop-backup-2')),
      entry('configmaps', 'shop', 'b', annotated('b', 'shop-backup-1')),
      entry('configmaps', 'shop', 'c', annotated('c', 'shop-backup-2')),
      entry('configmaps', 'shop', 'made-in-dr'),
    ];

    // Act
    const names = restoredFromOf(drSnapshot);

    // Assert
    expect(names).toEqual(['shop-backup-1', 'shop-backup-2']);
  });
});

describe('recoveryRestoreRequest', () => {
  const ids = { backupName: DR_SNAPSHOT, restoreId: 'shop-failback-1' };

  it('looks for what DR deleted only into the primary, removing it when the guard settled so', () => {
    // Arrange
    const plan = aPlan();

    // Act
    const intoDr = recoveryRestoreRequest(plan, 'dr', { ...ids, guard: { removeDeletedInDr: true } });
    const reported = recoveryRestoreRequest(plan, 'primary', { ...ids, guard: { removeDeletedInDr: false } });
    const removed = recoveryRestoreRequest(plan, 'primary', { ...ids, guard: { removeDeletedInDr: true } });

    // Assert
    expect('deletedInDr' in intoDr).toBe(false);
    expect(reported.deletedInDr).toBe('report');
    expect(removed).toMatchObject({
      ...ids,
      deletedInDr: 'remove',
      options: { existingResourcePolicy: 'update' },
    });
  });

  it('allows an unsigned backup only when the guard settled allowUnsigned (execution input)', () => {
    // Arrange
    const plan = aPlan();

    // Act
    const allowed = recoveryRestoreRequest(plan, 'dr', { ...ids, guard: { allowUnsigned: true } });
    const refused = recoveryRestoreRequest(plan, 'primary', { ...ids, guard: {} });

    // Assert
    expect(allowed.allowUnsigned).toBe(true);
    expect(refused.allowUnsigned).toBeUndefined();
  });

  it("falls back to the plan's failback.removeDeletedInDr when the guard did not settle it", () => {
    // Arrange
    const plan = aPlan((raw) => {
      raw.failback = { removeDeletedInDr: true };
    });

    // Act
    const request = recoveryRestoreRequest(plan, 'primary', { ...ids, guard: { removeDeletedInDr: 'yes' } });

    // Assert
    expect(request.deletedInDr).toBe('remove');
  });
});

describe('settleDeletedInDr', () => {
  let primary: KubeApiSimulator;
  let dr: KubeApiSimulator;
  let client: HttpClusterClient;
  let store: LocalDirectoryStore;
  let cleanup: () => Promise<void>;
  const restored = { [RESTORED_FROM_ANNOTATION]: FAILOVER_BACKUP };

  /** The primary as the failover's backup found it; DR as the failover made it, then changed while it served. */
  beforeEach(async () => {
    [primary, dr] = await Promise.all([startSimulator(), startSimulator()]);
    client = fastClient(primary);
    ({ store, cleanup } = await temporaryStore());
    primary.load([
      aNamespace('shop').build(),
      aConfigMap('kept').inNamespace('shop').build(),
      aConfigMap('sale').inNamespace('shop').build(),
    ]);
    await backUp(primary, store, FAILOVER_BACKUP);
    // Made in the primary after its last backup: DR never saw it, so DR cannot have deleted it.
    primary.load([aConfigMap('after-last-backup').inNamespace('shop').build()]);
    dr.load([
      aNamespace('shop').withAnnotations(restored).build(),
      aConfigMap('kept').inNamespace('shop').withAnnotations(restored).build(),
      aConfigMap('made-in-dr').inNamespace('shop').build(),
    ]);
    await backUp(dr, store, DR_SNAPSHOT);
  });

  afterEach(async () => {
    client.close();
    await Promise.all([primary.stop(), dr.stop()]);
    await cleanup();
  });

  it('reports what DR deleted that the primary still has, and leaves it there', async () => {
    // Arrange
    const deps = { store, client };

    // Act
    const report = await settleDeletedInDr(deps, DR_SNAPSHOT, 'report');

    // Assert
    expect(report).toEqual({
      deletedInDr: ['configmaps shop/sale'],
      removedFromPrimary: [],
      comparedWith: [FAILOVER_BACKUP],
      missingBackups: [],
    });
    expect(primary.count('configmaps')).toBe(3);
  });

  it('removes it from the primary in mode remove, and nothing else', async () => {
    // Arrange
    const deps = { store, client };

    // Act
    const report = await settleDeletedInDr(deps, DR_SNAPSHOT, 'remove');
    const again = await settleDeletedInDr(deps, DR_SNAPSHOT, 'remove');

    // Assert
    expect(report.removedFromPrimary).toEqual(['configmaps shop/sale']);
    expect(again.deletedInDr).toEqual([]);
    const left = [...(primary.store.existingTable('configmaps')?.objects.keys() ?? [])].sort();
    expect(left).toEqual(['shop/after-last-backup', 'shop/kept']);
  });

  it('names a backup DR came from that the store no longer holds, instead of failing', async () => {
    // Arrange
    await store.delete(FAILOVER_BACKUP);

    // Act
    const report = await settleDeletedInDr({ store, client }, DR_SNAPSHOT, 'remove');

    // Assert
    expect(report).toEqual({
      deletedInDr: [],
      removedFromPrimary: [],
      comparedWith: [],
      missingBackups: [FAILOVER_BACKUP],
    });
    expect(primary.count('configmaps')).toBe(3);
  });
});
