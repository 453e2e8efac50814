import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArchiveWriter, type BackupManifestInput, LocalDirectoryStore } from '../../src/archive/index.ts';
import {
  exportVeleroBackup,
  metav1LabelSelector,
  VeleroExportError,
  veleroBackup,
} from '../../src/export/velero.ts';
import { aManifest, configMap, flipByte } from '../archive/archive-helpers.ts';

// The JSON fields of Velero's Backup, BackupSpec, BackupStatus and BackupProgress
// (pkg/apis/velero/v1/backup_types.go, json tags). Go's decoder ignores unknown fields silently, so a
// misspelt field would be lost without an error: every field the export writes must be one of these.
const BACKUP_FIELDS = ['apiVersion', 'kind', 'metadata', 'spec', 'status'];
const SPEC_FIELDS = [
  'metadata',
  'includedNamespaces',
  'excludedNamespaces',
  'includedResources',
  'excludedResources',
  'includedClusterScopedResources',
  'excludedClusterScopedResources',
  'includedNamespaceScopedResources',
  'excludedNamespaceScopedResources',
  'labelSelector',
  'orLabelSelectors',
  'snapshotVolumes',
  'ttl',
  'volumeGroupSnapshotLabelKey',
  'includeClusterResources',
  'hooks',
  'storageLocation',
  'volumeSnapshotLocations',
  'defaultVolumesToRestic',
  'defaultVolumesToFsBackup',
  'orderedResources',
  'csiSnapshotTimeout',
  'itemOperationTimeout',
  'resourcePolicy',
  'snapshotMoveData',
  'datamover',
  'uploaderConfig',
];
const STATUS_FIELDS = [
  'version',
  'formatVersion',
  'expiration',
  'phase',
  'queuePosition',
  'validationErrors',
  'startTimestamp',
  'completionTimestamp',
  'volumeSnapshotsAttempted',
  'volumeSnapshotsCompleted',
  'failureReason',
  'warnings',
  'errors',
  'progress',
  'csiVolumeSnapshotsAttempted',
  'csiVolumeSnapshotsCompleted',
  'backupItemOperationsAttempted',
  'backupItemOperationsCompleted',
  'backupItemOperationsFailed',
  'hookStatus',
];
// metav1.Time's UnmarshalJSON parses RFC 3339.
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

const objects = [
  {
    resource: 'namespaces',
    group: '',
    name: 'shop',
    object: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
  },
  {
    resource: 'configmaps',
    group: '',
    namespace: 'shop',
    name: 'b-config',
    object: configMap('b-config', 'shop'),
  },
  {
    resource: 'configmaps',
    group: '',
    namespace: 'shop',
    name: 'a-config',
    object: configMap('a-config', 'shop', { k: 'v' }),
  },
  {
    resource: 'deployments',
    group: 'apps',
    namespace: 'shop',
    name: 'web',
    object: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { replicas: 2 },
    },
  },
  {
    resource: 'widgets',
    group: 'example.com',
    namespace: 'shop',
    name: 'w1',
    object: {
      apiVersion: 'example.com/v1alpha1',
      kind: 'Widget',
      metadata: { name: 'w1', namespace: 'shop' },
    },
  },
];

let dir: string;
let source: LocalDirectoryStore;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eks-dr-velero-export-'));
  source = new LocalDirectoryStore(join(dir, 'source'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeBackup(name: string, overrides: Partial<BackupManifestInput> = {}, entries = objects) {
  const writer = new ArchiveWriter(await source.openArchiveUpload(name), {
    mtime: new Date('2024-05-01T12:00:00Z'),
  });
  for (const entry of entries) await writer.add(entry);
  const summary = await writer.finish();
  await source.putManifest(
    name,
    aManifest({
      name,
      counts: summary.counts,
      totalObjects: summary.totalObjects,
      parts: [{ name: `${name}.tar.gz`, sha256: summary.sha256, size: summary.size }],
      ...overrides,
    }),
  );
}

/** Every file of a tar.gz, read with tar-stream, with its header mode. */
async function untar(bytes: Buffer): Promise<{ name: string; mode: number | undefined; body: Buffer }[]> {
  const extract = tar.extract();
  Readable.from([gunzipSync(bytes)]).pipe(extract as unknown as NodeJS.WritableStream);
  const files: { name: string; mode: number | undefined; body: Buffer }[] = [];
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(Buffer.from(chunk as Uint8Array));
    files.push({ name: entry.header.name, mode: entry.header.mode, body: Buffer.concat(chunks) });
  }
  return files;
}

const exportTo = (name: string, to: string, options = {}) =>
  exportVeleroBackup(source, name, new LocalDirectoryStore(join(dir, to)), options);

describe('exportVeleroBackup', () => {
  it('writes exactly velero-backup.json, <name>.tar.gz and <name>-resource-list.json.gz under backups/<name>/', async () => {
    // Arrange
    await writeBackup('nightly');

    // Act
    const result = await exportTo('nightly', 'bsl');

    // Assert
    expect((await readdir(join(dir, 'bsl'))).sort()).toEqual(['backups']);
    expect((await readdir(join(dir, 'bsl/backups/nightly'))).sort()).toEqual([
      'nightly-resource-list.json.gz',
      'nightly.tar.gz',
      'velero-backup.json',
    ]);
    expect(result).toMatchObject({ name: 'nightly', phase: 'Completed', totalObjects: 5, warnings: [] });
    expect(result.files.metadata).toBe(join(dir, 'bsl/backups/nightly/velero-backup.json'));
  });

  it('puts metadata/version first with "1.1.0\\n" and every item at its plain and preferred-version path, mode 0755', async () => {
    // Arrange
    await writeBackup('nightly');

    // Act
    await exportTo('nightly', 'bsl');

    // Assert
    const files = await untar(await readFile(join(dir, 'bsl/backups/nightly/nightly.tar.gz')));
    expect(files[0]?.name).toBe('metadata/version');
    expect(files[0]?.body.toString('utf8')).toBe('1.1.0\n');
    expect(files.every((file) => file.mode === 0o755)).toBe(true);
    expect(
      files
        .map((file) => file.name)
        .slice(1)
        .sort(),
    ).toEqual(
      [
        'resources/namespaces/cluster/shop.json',
        'resources/namespaces/v1-preferredversion/cluster/shop.json',
        'resources/configmaps/namespaces/shop/a-config.json',
        'resources/configmaps/v1-preferredversion/namespaces/shop/a-config.json',
        'resources/configmaps/namespaces/shop/b-config.json',
        'resources/configmaps/v1-preferredversion/namespaces/shop/b-config.json',
        'resources/deployments.apps/namespaces/shop/web.json',
        'resources/deployments.apps/v1-preferredversion/namespaces/shop/web.json',
        'resources/widgets.example.com/namespaces/shop/w1.json',
        'resources/widgets.example.com/v1alpha1-preferredversion/namespaces/shop/w1.json',
      ].sort(),
    );
    const body = (path: string) => files.find((file) => file.name === path)?.body.toString('utf8');
    const web = body('resources/deployments.apps/namespaces/shop/web.json');
    expect(JSON.parse(web ?? '')).toEqual(objects[3]?.object);
    expect(body('resources/deployments.apps/v1-preferredversion/namespaces/shop/web.json')).toBe(web);
  });

  it('produces byte-identical archives for the same backup', async () => {
    // Arrange
    await writeBackup('nightly');

    // Act
    await exportTo('nightly', 'one');
    await exportTo('nightly', 'two');

    // Assert
    const one = await readFile(join(dir, 'one/backups/nightly/nightly.tar.gz'));
    expect(one.equals(await readFile(join(dir, 'two/backups/nightly/nightly.tar.gz')))).toBe(true);
  });

  it('writes velero-backup.json as the velero.io/v1 Backup of a finished backup', async () => {
    // Arrange
    await writeBackup('nightly', {
      created: '2024-05-01T12:00:00.250Z',
      filters: {
        includeNamespaces: ['shop'],
        excludeResources: ['pods'],
        labelSelector: 'app=web,tier!=db',
        includeClusterResources: true,
      },
      warnings: ['one thing'],
      phase: 'PartiallyFailed',
    });

    // Act
    await exportTo('nightly', 'bsl', { storageLocation: 'primary' });

    // Assert
    const text = await readFile(join(dir, 'bsl/backups/nightly/velero-backup.json'), 'utf8');
    const backup = JSON.parse(text);
    expect(backup).toEqual({
      apiVersion: 'velero.io/v1',
      kind: 'Backup',
      metadata: { name: 'nightly', namespace: 'velero', labels: { 'velero.io/storage-location': 'primary' } },
      spec: {
        includedNamespaces: ['shop'],
        excludedResources: ['pods'],
        labelSelector: {
          matchLabels: { app: 'web' },
          matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['db'] }],
        },
        includeClusterResources: true,
        storageLocation: 'primary',
      },
      status: {
        version: 1,
        formatVersion: '1.1.0',
        phase: 'PartiallyFailed',
        startTimestamp: '2024-05-01T12:00:00Z',
        completionTimestamp: '2024-05-01T12:01:00Z',
        progress: { totalItems: 5, itemsBackedUp: 5 },
        warnings: 1,
      },
    });
    expect(Object.keys(backup).filter((key) => !BACKUP_FIELDS.includes(key))).toEqual([]);
    expect(Object.keys(backup.spec).filter((key) => !SPEC_FIELDS.includes(key))).toEqual([]);
    expect(Object.keys(backup.status).filter((key) => !STATUS_FIELDS.includes(key))).toEqual([]);
    expect(backup.status.startTimestamp).toMatch(RFC3339);
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('writes the resource list as Velero does: <apiVersion>/<Kind> keys, sorted ns/name entries, json.Encoder newline', async () => {
    // Arrange
    await writeBackup('nightly');

    // Act
    await exportTo('nightly', 'bsl');

    // Assert
    const text = gunzipSync(
      await readFile(join(dir, 'bsl/backups/nightly/nightly-resource-list.json.gz')),
    ).toString('utf8');
    expect(text).toBe(
      `${JSON.stringify({
        'apps/v1/Deployment': ['shop/web'],
        'example.com/v1alpha1/Widget': ['shop/w1'],
        'v1/ConfigMap': ['shop/a-config', 'shop/b-config'],
        'v1/Namespace': ['shop'],
      })}\n`,
    );
  });

  it('refuses a destination whose backups/<name>/ holds anything, naming it and leaving it alone', async () => {
    // Arrange
    await writeBackup('nightly');
    await mkdir(join(dir, 'bsl/backups/nightly'), { recursive: true });
    await writeFile(join(dir, 'bsl/backups/nightly/velero-backup.json'), 'theirs');

    // Act
    const exporting = exportTo('nightly', 'bsl');

    // Assert
    await expect(exporting).rejects.toThrow(VeleroExportError);
    await expect(exporting).rejects.toThrow(/backups\/nightly already holds .*velero-backup\.json/);
    expect(await readdir(join(dir, 'bsl/backups/nightly'))).toEqual(['velero-backup.json']);
    expect(await readFile(join(dir, 'bsl/backups/nightly/velero-backup.json'), 'utf8')).toBe('theirs');
  });

  it('refuses exporting into the eks-dr store the backup lives in', async () => {
    // Arrange
    await writeBackup('nightly');

    // Act
    const exporting = exportTo('nightly', 'source');

    // Assert
    await expect(exporting).rejects.toThrow(
      /already holds .*manifest\.json|already holds .*nightly\.tar\.gz/,
    );
  });

  it('exports nothing from a backup that does not verify', async () => {
    // Arrange
    await writeBackup('nightly');
    const archive = join(dir, 'source/backups/nightly/nightly.tar.gz');
    const bytes = await readFile(archive);
    await writeFile(archive, flipByte(bytes, Math.floor(bytes.length / 2)));

    // Act
    const exporting = exportTo('nightly', 'bsl');

    // Assert
    await expect(exporting).rejects.toThrow(/nightly\.tar\.gz/);
    const left = await readdir(join(dir, 'bsl/backups')).catch(() => []);
    expect(left).toEqual([]);
  });

  it('refuses a Failed backup before writing anything', async () => {
    // Arrange
    await writeBackup('broken', { phase: 'Failed' });

    // Act
    const exporting = exportTo('broken', 'bsl');

    // Assert
    await expect(exporting).rejects.toThrow(/phase is Failed/);
    await expect(readdir(join(dir, 'bsl'))).rejects.toThrow(/ENOENT/);
  });

  it('refuses a storage location name Velero could not use', async () => {
    // Arrange
    await writeBackup('nightly');

    // Act
    const exporting = exportTo('nightly', 'bsl', { storageLocation: 'Not_A_Name' });

    // Assert
    await expect(exporting).rejects.toThrow(/storage location "Not_A_Name"/);
  });
});

describe('metav1LabelSelector', () => {
  it('turns a selector string into matchLabels and matchExpressions', () => {
    // Arrange
    const text = 'app=web,tier in (a,b),!legacy,env,zone notin (x)';

    // Act
    const selector = metav1LabelSelector(text);

    // Assert
    expect(selector).toEqual({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'env', operator: 'Exists' },
        { key: 'legacy', operator: 'DoesNotExist' },
        { key: 'tier', operator: 'In', values: ['a', 'b'] },
        { key: 'zone', operator: 'NotIn', values: ['x'] },
      ],
    });
  });

  it('gives up on gt/lt, which metav1.LabelSelector has no operator for, and the Backup says so', () => {
    // Arrange
    const manifest = {
      ...aManifest(),
      filters: { labelSelector: 'rank>3' },
      volumeSnapshots: [],
      copiedRegions: [],
      warnings: [],
    };

    // Act
    const { backup, warnings } = veleroBackup(manifest as never, {
      storageLocation: 'default',
      namespace: 'velero',
    });

    // Assert
    expect(metav1LabelSelector('rank>3')).toBeUndefined();
    expect((backup.spec as Record<string, unknown>).labelSelector).toBeUndefined();
    expect(warnings).toEqual([expect.stringMatching(/rank>3.*gt\/lt/)]);
  });
});
