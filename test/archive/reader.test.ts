import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  ArchiveIntegrityError,
  readArchive,
  UnsupportedFormatVersionError,
  verifyArchive,
  verifyArchiveDigest,
} from '../../src/archive/index.ts';
import {
  configMap,
  drain,
  flipByte,
  handmadeArchive,
  sha256,
  sourceOf,
  writeArchive,
} from './archive-helpers.ts';

const PART = 'nightly.tar.gz';

async function sampleArchive() {
  const entries = Array.from({ length: 40 }, (_, i) => ({
    resource: i % 2 ? 'configmaps' : 'roles',
    group: i % 2 ? '' : 'rbac.authorization.k8s.io',
    namespace: `ns-${i % 3}`,
    name: `object-${i}`,
    object: {
      ...configMap(`object-${i}`, `ns-${i % 3}`, { value: `v${i}`.repeat(50) }),
      ...(i % 2 ? {} : { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role' }),
    },
  }));
  const { bytes, summary } = await writeArchive(entries);
  return { entries, bytes, expected: { sha256: summary.sha256, size: summary.size }, summary };
}

describe('readArchive', () => {
  it('yields every object with its location after verifying the archive', async () => {
    // Arrange
    const { entries, bytes, expected } = await sampleArchive();

    // Act
    const { items, error } = await drain(readArchive(sourceOf(bytes), expected, PART));

    // Assert
    expect(error).toBeUndefined();
    expect(items).toEqual(entries);
  });

  it('refuses a corrupted archive before yielding anything, naming the part', async () => {
    // Arrange
    const { bytes, expected } = await sampleArchive();
    const corrupted = flipByte(bytes, Math.floor(bytes.length / 2));

    // Act
    const { items, error } = await drain(readArchive(sourceOf(corrupted), expected, PART));

    // Assert
    expect(items).toEqual([]);
    expect(error).toBeInstanceOf(ArchiveIntegrityError);
    expect((error as Error).message).toMatch(/^nightly\.tar\.gz: sha256 mismatch: computed [0-9a-f]{64}/);
  });

  it('refuses a truncated archive before yielding anything and says it looks truncated', async () => {
    // Arrange
    const { bytes, expected } = await sampleArchive();
    const truncated = bytes.subarray(0, bytes.length - 100);

    // Act
    const { items, error } = await drain(readArchive(sourceOf(truncated), expected, PART));

    // Assert
    expect(items).toEqual([]);
    expect(error).toBeInstanceOf(ArchiveIntegrityError);
    expect((error as Error).message).toBe(
      `nightly.tar.gz: size ${truncated.length} bytes, manifest says ${bytes.length} (truncated?)`,
    );
  });

  it('refuses an intact archive whose manifest records another checksum', async () => {
    // Arrange
    const { bytes, expected } = await sampleArchive();
    const wrong = { ...expected, sha256: 'a'.repeat(64) };

    // Act
    const { items, error } = await drain(readArchive(sourceOf(bytes), wrong, PART));

    // Assert
    expect(items).toEqual([]);
    expect((error as Error).message).toContain(`manifest says ${'a'.repeat(64)}`);
  });

  it('refuses an archive with data beyond its recorded size without reading it all', async () => {
    // Arrange
    const { bytes, expected } = await sampleArchive();
    const longer = Buffer.concat([bytes, Buffer.alloc(1_000_000)]);

    // Act
    const { items, error } = await drain(readArchive(sourceOf(longer), expected, PART));

    // Assert
    expect(items).toEqual([]);
    expect((error as Error).message).toMatch(/^nightly\.tar\.gz: size over \d+ bytes/);
  });

  it('refuses an archive of another format major version before yielding anything', async () => {
    // Arrange
    const bytes = await handmadeArchive([
      { name: 'metadata/version', body: '2.0.0' },
      { name: 'resources/configmaps/namespaces/a/b.json', body: JSON.stringify(configMap('b', 'a')) },
    ]);

    // Act
    const { items, error } = await drain(
      readArchive(sourceOf(bytes), { sha256: sha256(bytes), size: bytes.length }, PART),
    );

    // Assert
    expect(items).toEqual([]);
    expect(error).toBeInstanceOf(UnsupportedFormatVersionError);
    expect((error as Error).message).toBe(
      'nightly.tar.gz metadata/version: has format version "2.0.0", this reader supports 1.x (1.1.0)',
    );
  });

  it('accepts a newer minor version of the format', async () => {
    // Arrange
    const bytes = await handmadeArchive([
      { name: 'metadata/version', body: '1.9.0\n' },
      { name: 'resources/configmaps/namespaces/a/b.json', body: JSON.stringify(configMap('b', 'a')) },
    ]);

    // Act
    const { items, error } = await drain(
      readArchive(sourceOf(bytes), { sha256: sha256(bytes), size: bytes.length }, PART),
    );

    // Assert
    expect(error).toBeUndefined();
    expect(items).toHaveLength(1);
  });

  it('refuses an archive whose objects come before metadata/version', async () => {
    // Arrange
    const bytes = await handmadeArchive([
      { name: 'resources/configmaps/namespaces/a/b.json', body: JSON.stringify(configMap('b', 'a')) },
      { name: 'metadata/version', body: '1.1.0' },
    ]);

    // Act
    const { items, error } = await drain(
      readArchive(sourceOf(bytes), { sha256: sha256(bytes), size: bytes.length }, PART),
    );

    // Assert
    expect(items).toEqual([]);
    expect(error).toBeInstanceOf(UnsupportedFormatVersionError);
    expect((error as Error).message).toContain('nightly.tar.gz metadata/version: has no format version');
  });

  it('refuses, before yielding anything, an archive whose checksum matches but whose last object is not JSON', async () => {
    // Arrange
    const bytes = await handmadeArchive([
      { name: 'metadata/version', body: '1.1.0' },
      { name: 'resources/configmaps/namespaces/a/good.json', body: JSON.stringify(configMap('good', 'a')) },
      { name: 'resources/configmaps/namespaces/a/bad.json', body: '{"kind": "ConfigMap",' },
    ]);

    // Act
    const { items, error } = await drain(
      readArchive(sourceOf(bytes), { sha256: sha256(bytes), size: bytes.length }, PART),
    );

    // Assert
    expect(items).toEqual([]);
    expect(error).toBeInstanceOf(ArchiveIntegrityError);
    expect((error as Error).message).toMatch(
      /^nightly\.tar\.gz: resources\/configmaps\/namespaces\/a\/bad\.json: not valid JSON/,
    );
  });

  it('refuses bytes that are not gzip even when the manifest records their checksum', async () => {
    // Arrange
    const bytes = Buffer.from('this is not a gzip stream at all'.repeat(100));

    // Act
    const { items, error } = await drain(
      readArchive(sourceOf(bytes), { sha256: sha256(bytes), size: bytes.length }, PART),
    );

    // Assert
    expect(items).toEqual([]);
    expect(error).toBeInstanceOf(ArchiveIntegrityError);
    expect((error as Error).message).toMatch(/^nightly\.tar\.gz: corrupt gzip stream: /);
  });

  it('refuses a gzip stream cut inside the tar even when the manifest records its checksum', async () => {
    // Arrange
    const { bytes } = await sampleArchive();
    const { gunzipSync, gzipSync } = await import('node:zlib');
    const cut = gzipSync(gunzipSync(bytes).subarray(0, 3000));

    // Act
    const { items, error } = await drain(
      readArchive(sourceOf(cut), { sha256: sha256(cut), size: cut.length }, PART),
    );

    // Assert
    expect(items).toEqual([]);
    expect(error).toBeInstanceOf(ArchiveIntegrityError);
    expect((error as Error).message).toMatch(
      /^nightly\.tar\.gz: corrupt tar stream: (after )?tar entry "resources\/[^"]+": the tar stream ends .*\(truncated\?\)$/,
    );
  });

  it('passes errors of the source stream through unchanged, so callers can retry them', async () => {
    // Arrange
    const { bytes, expected } = await sampleArchive();
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const failing = () =>
      Readable.from(
        (async function* () {
          yield bytes.subarray(0, 100);
          throw reset;
        })(),
      );

    // Act
    const { items, error } = await drain(readArchive(failing, expected, PART));

    // Assert
    expect(items).toEqual([]);
    expect(error).toBe(reset);
  });

  it('notices a part replaced between verification and extraction', async () => {
    // Arrange
    const { bytes, expected } = await sampleArchive();
    const other = (
      await writeArchive([
        { resource: 'configmaps', group: '', namespace: 'a', name: 'x', object: configMap('x', 'a') },
      ])
    ).bytes;
    let opened = 0;
    const source = () => (opened++ === 0 ? sourceOf(bytes)() : sourceOf(other)());

    // Act
    const { error } = await drain(readArchive(source, expected, PART));

    // Assert
    expect(error).toBeInstanceOf(ArchiveIntegrityError);
    expect((error as Error).message).toContain('since it was verified (was it overwritten?)');
  });
});

describe('verifyArchive', () => {
  it('returns the checksum, size and object counts of a sound archive', async () => {
    // Arrange
    const { bytes, expected, summary } = await sampleArchive();

    // Act
    const contents = await verifyArchive(sourceOf(bytes, 999), expected, PART);

    // Assert
    expect(contents).toEqual({
      sha256: summary.sha256,
      size: summary.size,
      counts: summary.counts,
      totalObjects: summary.totalObjects,
    });
  });
});

describe('verifyArchiveDigest', () => {
  it('accepts the recorded bytes and refuses one flipped bit', async () => {
    // Arrange
    const { bytes, expected } = await sampleArchive();
    const flipped = flipByte(bytes, 10);

    // Act
    const good = verifyArchiveDigest(sourceOf(bytes), expected, PART);
    const bad = verifyArchiveDigest(sourceOf(flipped), expected, PART);

    // Assert
    await expect(good).resolves.toBeUndefined();
    await expect(bad).rejects.toThrow(/^nightly\.tar\.gz: sha256 mismatch/);
  });
});
