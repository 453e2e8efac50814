import { once } from 'node:events';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ArchiveIntegrityError,
  ArchiveWriter,
  BackupAlreadyExistsError,
  BackupNotFoundError,
  type BackupStore,
  LocalDirectoryStore,
  readBackup,
  verifyBackup,
} from '../../../src/archive/index.ts';
import { aManifest, configMap, drain } from '../archive-helpers.ts';

let directory: string;
let store: LocalDirectoryStore;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'eks-dr-local-store-'));
  store = new LocalDirectoryStore(directory);
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

/** Writes a complete backup of `objects` config maps through the store, as the snapshot use case will. */
async function writeBackup(target: BackupStore, name: string, objects = 3, created = '2024-05-01T12:00:00Z') {
  const writer = new ArchiveWriter(await target.openArchiveUpload(name));
  for (let i = 0; i < objects; i += 1) {
    await writer.add({
      resource: 'configmaps',
      group: '',
      namespace: 'app',
      name: `c${i}`,
      object: configMap(`c${i}`, 'app'),
    });
  }
  const summary = await writer.finish();
  return target.putManifest(
    name,
    aManifest({
      name,
      created,
      completed: created,
      counts: summary.counts,
      totalObjects: summary.totalObjects,
      parts: [{ name: `${name}.tar.gz`, sha256: summary.sha256, size: summary.size }],
    }),
  );
}

describe('LocalDirectoryStore', () => {
  it('writes <dir>/backups/<name>/manifest.json and <name>.tar.gz that read back verified', async () => {
    // Arrange
    const name = 'nightly-1';

    // Act
    await writeBackup(store, name, 5);
    const { items, error } = await drain(readBackup(store, name));

    // Assert
    expect(error).toBeUndefined();
    expect(items.map((item) => item.name)).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    expect((await readdir(join(directory, 'backups', name))).sort()).toEqual([
      'manifest.json',
      'nightly-1.tar.gz',
    ]);
    expect(await store.exists(name)).toBe(true);
    expect(store.describeBackup(name, 'manifest')).toBe(join(directory, 'backups', name, 'manifest.json'));
  });

  it('never overwrites a backup: a second upload of the name is refused before any byte is written', async () => {
    // Arrange
    await writeBackup(store, 'nightly-1');
    const archive = join(directory, 'backups', 'nightly-1', 'nightly-1.tar.gz');
    const before = await readFile(archive);

    const stored = await store.getManifest('nightly-1');

    // Act
    const upload = store.openArchiveUpload('nightly-1');
    const manifest = store.putManifest('nightly-1', stored);

    // Assert
    await expect(upload).rejects.toThrow(BackupAlreadyExistsError);
    await expect(upload).rejects.toThrow(
      /^backup nightly-1 at .*nightly-1: already exists and backups are never overwritten$/,
    );
    await expect(manifest).rejects.toThrow(BackupAlreadyExistsError);
    expect(await readFile(archive)).toEqual(before);
    expect(await readdir(join(directory, 'backups', 'nightly-1'))).toHaveLength(2);
  });

  it('refuses a name used by an incomplete backup (archive without manifest)', async () => {
    // Arrange
    const sink = await store.openArchiveUpload('half');
    await pipeline(async function* () {
      yield Buffer.from('bytes');
    }, sink);

    // Act
    const again = store.openArchiveUpload('half');

    // Assert
    await expect(again).rejects.toThrow(/incomplete backup \(archive without manifest\)/);
    expect(await store.exists('half')).toBe(false);
  });

  it('lets only one of two racing writers of the same name store its archive', async () => {
    // Arrange
    const first = await store.openArchiveUpload('race');
    const second = await store.openArchiveUpload('race');

    // Act
    const results = await Promise.allSettled([
      pipeline(async function* () {
        yield Buffer.from('first');
      }, first),
      pipeline(async function* () {
        yield Buffer.from('second');
      }, second),
    ]);

    // Assert
    const rejected = results.filter((result) => result.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as PromiseRejectedResult).reason).toBeInstanceOf(BackupAlreadyExistsError);
    expect(['first', 'second']).toContain(
      await readFile(join(directory, 'backups', 'race', 'race.tar.gz'), 'utf8'),
    );
    expect(await readdir(join(directory, 'backups', 'race'))).toEqual(['race.tar.gz']);
  });

  it('keeps the final name free until the archive is complete, and leaves nothing, not even its directory, when the upload is abandoned', async () => {
    // Arrange
    const sink = await store.openArchiveUpload('crashy');
    const writer = new ArchiveWriter(sink);
    await writer.add({
      resource: 'configmaps',
      group: '',
      namespace: 'a',
      name: 'b',
      object: configMap('b', 'a'),
    });
    const finalPath = join(directory, 'backups', 'crashy', 'crashy.tar.gz');
    const existsMidway = await stat(finalPath).then(
      () => true,
      () => false,
    );

    // Act
    await writer.abort(new Error('cluster unreachable'));

    // Assert
    expect(existsMidway).toBe(false);
    expect(await readdir(join(directory, 'backups'))).toEqual([]);
    const again = await store.openArchiveUpload('crashy');
    again.destroy();
    await once(again, 'close');
  });

  it('refuses a manifest whose part size differs from the stored archive', async () => {
    // Arrange
    const sink = await store.openArchiveUpload('sized');
    await pipeline(async function* () {
      yield Buffer.from('twelve bytes');
    }, sink);

    // Act
    const put = store.putManifest(
      'sized',
      aManifest({ name: 'sized', parts: [{ name: 'sized.tar.gz', sha256: 'b'.repeat(64), size: 13 }] }),
    );

    // Assert
    await expect(put).rejects.toThrow(ArchiveIntegrityError);
    await expect(put).rejects.toThrow(/sized\.tar\.gz: stored size 12 bytes, manifest says 13$/);
    expect(await store.exists('sized')).toBe(false);
  });

  it('lists complete backups newest first, skips incomplete ones and reports unreadable manifests', async () => {
    // Arrange
    await writeBackup(store, 'older', 1, '2024-05-01T00:00:00Z');
    await writeBackup(store, 'newer', 1, '2024-05-02T00:00:00Z');
    await writeBackup(store, 'broken', 1, '2024-05-03T00:00:00Z');
    await writeFile(join(directory, 'backups', 'broken', 'manifest.json'), '{"formatVersion":');
    await pipeline(
      async function* () {
        yield Buffer.from('x');
      },
      await store.openArchiveUpload('incomplete'),
    );

    // Act
    const listing = await store.list();

    // Assert
    expect(listing.backups.map((backup) => backup.name)).toEqual(['newer', 'older']);
    expect(listing.unreadable.map((backup) => backup.name)).toEqual(['broken']);
    expect(listing.unreadable[0]?.error.message).toContain('broken/manifest.json');
  });

  it('lists nothing in an empty directory', async () => {
    // Arrange
    const empty = new LocalDirectoryStore(join(directory, 'never-written'));

    // Act
    const listing = await empty.list();

    // Assert
    expect(listing).toEqual({ backups: [], unreadable: [] });
  });

  it('deletes a backup, complete or incomplete, and reports one that is not there', async () => {
    // Arrange
    await writeBackup(store, 'gone');
    await pipeline(
      async function* () {
        yield Buffer.from('x');
      },
      await store.openArchiveUpload('half'),
    );

    // Act
    await store.delete('gone');
    await store.delete('half');
    const missing = store.delete('gone');

    // Assert
    await expect(missing).rejects.toThrow(BackupNotFoundError);
    expect(await readdir(join(directory, 'backups'))).toEqual([]);
  });

  it('names the missing manifest.json when a backup is not there', async () => {
    // Arrange
    const name = 'absent';

    // Act
    const verify = verifyBackup(store, name);

    // Assert
    await expect(verify).rejects.toThrow(BackupNotFoundError);
    await expect(verify).rejects.toThrow(
      `backup absent: ${join(directory, 'backups', 'absent', 'manifest.json')}: manifest.json not found`,
    );
  });

  it('refuses a backup whose archive was truncated on disk, naming the archive file', async () => {
    // Arrange
    await writeBackup(store, 'cut', 50);
    const archive = join(directory, 'backups', 'cut', 'cut.tar.gz');
    const bytes = await readFile(archive);
    await writeFile(archive, bytes.subarray(0, bytes.length - 10));

    // Act
    const { items, error } = await drain(readBackup(store, 'cut'));

    // Assert
    expect(items).toEqual([]);
    expect(error).toBeInstanceOf(ArchiveIntegrityError);
    expect((error as Error).message).toBe(
      `${archive}: size ${bytes.length - 10} bytes, manifest says ${bytes.length} (truncated?)`,
    );
  });

  it('refuses a backup whose manifest counts differ from the archive', async () => {
    // Arrange
    await writeBackup(store, 'miscounted', 2);
    const manifestPath = join(directory, 'backups', 'miscounted', 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    await writeFile(
      manifestPath,
      JSON.stringify({ ...manifest, counts: { configmaps: 3 }, totalObjects: 3 }),
    );

    // Act
    const verify = verifyBackup(store, 'miscounted');

    // Assert
    await expect(verify).rejects.toThrow(
      'object counts differ from the manifest (configmaps: archive holds 2, manifest says 3)',
    );
  });
});

describe('LocalDirectoryStore as an ObjectSink', () => {
  const put = async (key: string, text: string) => {
    const sink = await store.openObjectUpload(key, 'text/plain');
    sink.end(text);
    await new Promise<void>((resolve, reject) => sink.on('finish', resolve).on('error', reject));
  };

  it('writes an object at a key, finds it under its prefix, and never overwrites it', async () => {
    // Arrange
    await put('backups/x/velero-backup.json', 'first');

    // Act
    const second = put('backups/x/velero-backup.json', 'second');

    // Assert
    await expect(second).rejects.toThrow(
      `${join(directory, 'backups/x/velero-backup.json')}: already exists; objects are never overwritten`,
    );
    expect(await readFile(join(directory, 'backups/x/velero-backup.json'), 'utf8')).toBe('first');
    expect(await readdir(join(directory, 'backups/x'))).toEqual(['velero-backup.json']);
    expect(await store.firstKeyUnder('backups/x/')).toBe('backups/x/velero-backup.json');
    expect(await store.firstKeyUnder('backups/y/')).toBeUndefined();
  });

  it('refuses keys that would leave its directory', async () => {
    // Arrange: an empty store

    // Act
    const escaping = store.openObjectUpload('backups/../../etc/passwd', 'text/plain');

    // Assert
    await expect(escaping).rejects.toThrow(/must not contain "\." or "\.\." segments/);
  });
});
