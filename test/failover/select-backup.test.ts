import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ArchiveWriter,
  type BackupManifestInput,
  BackupNotFoundError,
  LocalDirectoryStore,
  type VolumeSnapshotRecord,
} from '../../src/archive/index.ts';
import { BackupNotVerifiedError, NoVerifiedBackupError } from '../../src/failover/errors.ts';
import { BackupSelector } from '../../src/failover/select-backup.ts';

const DR = 'eu-central-1';
const NOW = new Date('2024-05-01T13:00:00Z');

let directory: string;
let store: LocalDirectoryStore;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'eks-dr-select-'));
  store = new LocalDirectoryStore(directory);
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** Writes a real backup (archive + manifest) into the store; `manifest` bends the manifest. */
async function aBackup(name: string, created: string, manifest: Partial<BackupManifestInput> = {}) {
  const sink = await store.openArchiveUpload(name);
  const writer = new ArchiveWriter(sink, { mtime: new Date(created) });
  await writer.add({
    resource: 'configmaps',
    group: '',
    namespace: 'shop',
    name: 'settings',
    object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop' } },
  });
  await writer.add({
    resource: 'deployments',
    group: 'apps',
    namespace: 'shop',
    name: 'web',
    object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' } },
  });
  const summary = await writer.finish();
  await store.putManifest(name, {
    formatVersion: '1.1.0',
    name,
    cluster: { name: 'shop-prod' },
    created,
    completed: created,
    counts: summary.counts,
    totalObjects: summary.totalObjects,
    parts: [{ name: `${name}.tar.gz`, sha256: summary.sha256, size: summary.size }],
    sourceRegion: 'eu-west-1',
    copiedRegions: [DR],
    phase: 'Completed',
    ...manifest,
  });
}

function volume(copyState: 'completed' | 'pending'): VolumeSnapshotRecord {
  return {
    persistentVolume: 'pvc-1',
    volumeId: 'vol-1',
    snapshotId: 'snap-1',
    region: 'eu-west-1',
    state: 'completed',
    copies: [{ region: DR, snapshotId: 'snap-dr-1', state: copyState }],
  };
}

async function corrupt(name: string) {
  const path = store.describeBackup(name, 'archive');
  const bytes = await readFile(path);
  bytes.writeUInt8(bytes.readUInt8(20) ^ 0xff, 20);
  await writeFile(path, bytes);
}

const selector = () => new BackupSelector({ store, region: DR, now: () => NOW });

describe('BackupSelector', () => {
  it('picks the newest verified backup and reports its RPO', async () => {
    // Arrange
    await aBackup('shop-1100', '2024-05-01T11:00:00Z');
    await aBackup('shop-1200', '2024-05-01T12:00:00Z', { volumeSnapshots: [volume('completed')] });

    // Act
    const selected = await selector().select();

    // Assert
    expect(selected).toMatchObject({
      name: 'shop-1200',
      createdAt: '2024-05-01T12:00:00Z',
      rpoSeconds: 3600,
      objects: 2,
      volumes: 1,
      cluster: 'shop-prod',
      skipped: [],
    });
  });

  it('skips newer backups that are corrupt, not copied, partial or whose volume copies are pending', async () => {
    // Arrange
    await aBackup('shop-1000', '2024-05-01T10:00:00Z');
    await aBackup('shop-1100', '2024-05-01T11:00:00Z', { volumeSnapshots: [volume('pending')] });
    await aBackup('shop-1130', '2024-05-01T11:30:00Z', { phase: 'PartiallyFailed' });
    await aBackup('shop-1200', '2024-05-01T12:00:00Z', { copiedRegions: [] });
    await aBackup('shop-1230', '2024-05-01T12:30:00Z');
    await corrupt('shop-1230');

    // Act
    const selected = await selector().select();

    // Assert
    expect(selected.name).toBe('shop-1000');
    expect(selected.skipped.map((skip) => skip.name)).toEqual([
      'shop-1230',
      'shop-1200',
      'shop-1130',
      'shop-1100',
    ]);
    expect(selected.skipped[0]?.reason).toMatch(/sha256|gzip|size/);
    expect(selected.skipped[1]?.reason).toContain(`not copied to ${DR}`);
    expect(selected.skipped[2]?.reason).toContain('PartiallyFailed');
    expect(selected.skipped[3]?.reason).toContain('snap-1 of pvc-1 has no completed copy');
  });

  it('fails naming every skipped backup when none qualifies', async () => {
    // Arrange
    await aBackup('shop-1200', '2024-05-01T12:00:00Z', { copiedRegions: [] });

    // Act
    const attempt = selector().select();

    // Assert
    await expect(attempt).rejects.toThrow(NoVerifiedBackupError);
    await expect(attempt).rejects.toThrow(/shop-1200: not copied to eu-central-1/);
  });

  it('restores the named backup only when it verifies', async () => {
    // Arrange
    await aBackup('shop-1100', '2024-05-01T11:00:00Z');
    await aBackup('shop-1200', '2024-05-01T12:00:00Z');
    await corrupt('shop-1200');

    // Act
    const named = await selector().select({ backupName: 'shop-1100' });
    const corrupted = await selector()
      .select({ backupName: 'shop-1200' })
      .catch((error: unknown) => error);
    const missing = await selector()
      .select({ backupName: 'shop-0900' })
      .catch((error: unknown) => error);

    // Assert
    expect(named).toMatchObject({ name: 'shop-1100', rpoSeconds: 7200 });
    expect(corrupted).toBeInstanceOf(BackupNotVerifiedError);
    expect((corrupted as Error).message).toMatch(/backup shop-1200 is not verified: .*shop-1200\.tar\.gz/);
    expect(missing).toBeInstanceOf(BackupNotFoundError);
  });
});
