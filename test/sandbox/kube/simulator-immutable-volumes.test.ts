import { PatchStrategy, setHeaderOptions, type V1PersistentVolume } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiFailure, startSandbox } from '../../fixtures/kube-sandbox.ts';

type Sandbox = Awaited<ReturnType<typeof startSandbox>>;

const aVolume = (name: string, volumeId: string): V1PersistentVolume => ({
  metadata: { name },
  spec: {
    capacity: { storage: '10Gi' },
    accessModes: ['ReadWriteOnce'],
    persistentVolumeReclaimPolicy: 'Delete',
    storageClassName: 'gp3',
    csi: { driver: 'ebs.csi.aws.com', volumeHandle: volumeId, fsType: 'ext4' },
    claimRef: { namespace: 'default', name: 'data' },
  },
});

const aClaim = (volumeName: string | undefined, storage = '10Gi') => ({
  metadata: { name: 'data' },
  spec: {
    accessModes: ['ReadWriteOnce'],
    storageClassName: 'gp3',
    resources: { requests: { storage } },
    ...(volumeName !== undefined ? { volumeName } : {}),
  },
});

describe('Kubernetes API simulator: PersistentVolume and claim immutability', () => {
  let sandbox: Sandbox;

  beforeEach(async () => {
    sandbox = await startSandbox();
  });

  afterEach(async () => {
    await sandbox.simulator.stop();
  });

  it('refuses a replace that changes a PV volume source, naming the field as the API server does', async () => {
    // Arrange
    const created = await sandbox.core.createPersistentVolume({ body: aVolume('pv-1', 'vol-old') });
    const changed = aVolume('pv-1', 'vol-new');
    changed.metadata = { ...changed.metadata, resourceVersion: created.metadata?.resourceVersion };

    // Act
    const failure = await apiFailure(sandbox.core.replacePersistentVolume({ name: 'pv-1', body: changed }));
    const read = await sandbox.core.readPersistentVolume({ name: 'pv-1' });

    // Assert
    expect([failure.code, failure.status.reason]).toEqual([422, 'Invalid']);
    expect(failure.status.message).toBe(
      'PersistentVolume "pv-1" is invalid: spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation',
    );
    expect(failure.status.details).toMatchObject({
      name: 'pv-1',
      kind: 'PersistentVolume',
      causes: [{ reason: 'FieldValueForbidden', field: 'spec.persistentvolumesource' }],
    });
    expect(read.spec?.csi?.volumeHandle).toBe('vol-old');
  });

  it('refuses a merge patch of the volume handle and accepts one of the reclaim policy', async () => {
    // Arrange
    await sandbox.core.createPersistentVolume({ body: aVolume('pv-1', 'vol-old') });
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

    // Act
    const failure = await apiFailure(
      sandbox.core.patchPersistentVolume(
        { name: 'pv-1', body: { spec: { csi: { volumeHandle: 'vol-new' } } } },
        merge,
      ),
    );
    const retained = await sandbox.core.patchPersistentVolume(
      { name: 'pv-1', body: { spec: { persistentVolumeReclaimPolicy: 'Retain' } } },
      merge,
    );

    // Assert
    expect(failure.code).toBe(422);
    expect(retained.spec?.persistentVolumeReclaimPolicy).toBe('Retain');
    expect(retained.spec?.csi?.volumeHandle).toBe('vol-old');
  });

  it('refuses a claim whose bound volume changes, and lets its requests grow', async () => {
    // Arrange
    await sandbox.core.createNamespacedPersistentVolumeClaim({ namespace: 'default', body: aClaim('pv-1') });
    const merge = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

    // Act
    const failure = await apiFailure(
      sandbox.core.patchNamespacedPersistentVolumeClaim(
        { namespace: 'default', name: 'data', body: { spec: { volumeName: 'pv-2' } } },
        merge,
      ),
    );
    const grown = await sandbox.core.patchNamespacedPersistentVolumeClaim(
      { namespace: 'default', name: 'data', body: aClaim('pv-1', '20Gi') },
      merge,
    );

    // Assert
    expect([failure.code, failure.status.reason]).toEqual([422, 'Invalid']);
    expect(failure.status.message).toBe(
      'PersistentVolumeClaim "data" is invalid: spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims',
    );
    expect(grown.spec?.resources?.requests?.storage).toBe('20Gi');
    expect(grown.spec?.volumeName).toBe('pv-1');
  });

  it('lets the volume name of a claim be set while it is empty, as the binder does', async () => {
    // Arrange
    await sandbox.core.createNamespacedPersistentVolumeClaim({
      namespace: 'default',
      body: aClaim(undefined),
    });

    // Act
    const bound = await sandbox.core.patchNamespacedPersistentVolumeClaim(
      { namespace: 'default', name: 'data', body: { spec: { volumeName: 'pv-1' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );

    // Assert
    expect(bound.spec?.volumeName).toBe('pv-1');
  });
});
