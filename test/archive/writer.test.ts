import { Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  ArchiveWriter,
  InvalidArchiveEntryError,
  parseEntryPath,
  readArchive,
} from '../../src/archive/index.ts';
import { configMap, drain, MemorySink, sha256, sourceOf, unpack, writeArchive } from './archive-helpers.ts';

describe('ArchiveWriter', () => {
  it('writes metadata/version first, then every object at its Velero path', async () => {
    // Arrange
    const entries = [
      {
        resource: 'deployments',
        group: 'apps',
        namespace: 'shop',
        name: 'web',
        object: { kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' } },
      },
      {
        resource: 'configmaps',
        group: '',
        namespace: 'shop',
        name: 'settings',
        object: configMap('settings', 'shop'),
      },
      {
        resource: 'namespaces',
        group: '',
        name: 'shop',
        object: { kind: 'Namespace', metadata: { name: 'shop' } },
      },
      {
        resource: 'clusterroles',
        group: 'rbac.authorization.k8s.io',
        namespace: '',
        name: 'viewer',
        object: { kind: 'ClusterRole', metadata: { name: 'viewer' } },
      },
    ];

    // Act
    const { bytes } = await writeArchive(entries);

    // Assert
    const unpacked = await unpack(bytes);
    expect(unpacked.map((entry) => entry.name)).toEqual([
      'metadata/version',
      'resources/deployments.apps/namespaces/shop/web.json',
      'resources/configmaps/namespaces/shop/settings.json',
      'resources/namespaces/cluster/shop.json',
      'resources/clusterroles.rbac.authorization.k8s.io/cluster/viewer.json',
    ]);
    expect(unpacked[0]?.body).toBe('1.1.0');
    expect(JSON.parse(unpacked[1]?.body ?? '')).toEqual(entries[0]?.object);
  });

  it("drops metadata.managedFields from the stored object and leaves the caller's object untouched", async () => {
    // Arrange
    const object = {
      kind: 'ConfigMap',
      metadata: { name: 'a', namespace: 'n', managedFields: [{ manager: 'kubectl', operation: 'Apply' }] },
      data: { key: 'value' },
    };

    // Act
    const { bytes } = await writeArchive([
      { resource: 'configmaps', group: '', namespace: 'n', name: 'a', object },
    ]);

    // Assert
    const stored = JSON.parse((await unpack(bytes))[1]?.body ?? '');
    expect(stored).toEqual({
      kind: 'ConfigMap',
      metadata: { name: 'a', namespace: 'n' },
      data: { key: 'value' },
    });
    expect(object.metadata.managedFields).toHaveLength(1);
  });

  it('drops managedFields of a frozen object too, by copying it', async () => {
    // Arrange
    const object = Object.freeze({
      kind: 'ConfigMap',
      metadata: Object.freeze({ name: 'a', namespace: 'n', managedFields: [{ manager: 'kubectl' }] }),
    });

    // Act
    const { bytes } = await writeArchive([
      { resource: 'configmaps', group: '', namespace: 'n', name: 'a', object },
    ]);

    // Assert
    expect(JSON.parse((await unpack(bytes))[1]?.body ?? '')).toEqual({
      kind: 'ConfigMap',
      metadata: { name: 'a', namespace: 'n' },
    });
  });

  it('takes a batch through append() and one ready(), in order, across several zlib input chunks', async () => {
    // Arrange
    const sink = new MemorySink();
    const writer = new ArchiveWriter(sink, { gzipLevel: 1 });
    // ~2 MB in all: more than one 512 KiB chunk, less than the 4 MiB the writer queues before waiting.
    const names = Array.from({ length: 500 }, (_, i) => `c${String(i).padStart(3, '0')}`);

    // Act
    for (const name of names)
      writer.append({
        resource: 'configmaps',
        group: '',
        namespace: 'n',
        name,
        object: configMap(name, 'n'),
      });
    await writer.ready();
    writer.append({
      resource: 'configmaps',
      group: '',
      namespace: 'n',
      name: 'big',
      object: { metadata: { name: 'big' }, data: { blob: 'y'.repeat(3 * 1024 * 1024) } },
    });
    const summary = await writer.finish();

    // Assert
    const unpacked = await unpack(sink.bytes);
    expect(unpacked.slice(1).map((e) => parseEntryPath(e.name)?.name)).toEqual([...names, 'big']);
    expect(JSON.parse(unpacked[1]?.body ?? '')).toEqual(configMap('c000', 'n'));
    expect(JSON.parse(unpacked.at(-1)?.body ?? '').data.blob).toHaveLength(3 * 1024 * 1024);
    expect(summary.totalObjects).toBe(501);
  });

  it('computes, while streaming, the sha256 and size of exactly the bytes the sink received, and the counts', async () => {
    // Arrange
    const entries = Array.from({ length: 500 }, (_, i) => ({
      resource: i % 2 ? 'configmaps' : 'deployments',
      group: i % 2 ? '' : 'apps',
      namespace: 'ns',
      name: `object-${i}`,
      object: configMap(`object-${i}`, 'ns', { index: String(i) }),
    }));

    // Act
    const { bytes, summary } = await writeArchive(entries);

    // Assert
    expect(summary.size).toBe(bytes.length);
    expect(summary.sha256).toBe(sha256(bytes));
    expect(summary.counts).toEqual({ configmaps: 250, 'deployments.apps': 250 });
    expect(summary.totalObjects).toBe(500);
  });

  it('gives byte-identical archives for identical input', async () => {
    // Arrange
    const entries = [
      { resource: 'configmaps', group: '', namespace: 'a', name: 'b', object: configMap('b', 'a') },
    ];

    // Act
    const first = await writeArchive(entries);
    const second = await writeArchive(entries);

    // Assert
    expect(first.summary.sha256).toBe(second.summary.sha256);
  });

  it('round-trips names too long for a plain tar header (PAX headers)', async () => {
    // Arrange
    const namespace = 'n'.repeat(63);
    const name = `${'x'.repeat(120)}.${'y'.repeat(120)}`;
    const entry = {
      resource: 'customresourcedefinitions',
      group: 'apiextensions.k8s.io',
      namespace,
      name,
      object: { ...configMap(name, namespace), apiVersion: 'apiextensions.k8s.io/v1' },
    };
    const { bytes, summary } = await writeArchive([entry]);

    // Act
    const { items, error } = await drain(readArchive(sourceOf(bytes), summary, 'long.tar.gz'));

    // Assert
    expect(error).toBeUndefined();
    expect(items).toEqual([entry]);
  });

  it.each([
    ['a resource with a "/"', { resource: 'config/maps', group: '', name: 'a', object: {} }, 'resource'],
    ['a dotted resource', { resource: 'deployments.apps', group: '', name: 'a', object: {} }, 'resource'],
    ['an empty name', { resource: 'configmaps', group: '', name: '', object: {} }, 'name'],
    [
      'a ".." namespace',
      { resource: 'configmaps', group: '', namespace: '..', name: 'a', object: {} },
      'namespace',
    ],
    ['an array object', { resource: 'configmaps', group: '', name: 'a', object: [] }, 'object'],
  ])('rejects %s before writing it and stays usable', async (_label, entry, field) => {
    // Arrange
    const sink = new MemorySink();
    const writer = new ArchiveWriter(sink);

    // Act
    const error = await writer.add(entry).catch((caught: unknown) => caught);
    await writer.add({
      resource: 'configmaps',
      group: '',
      namespace: 'x',
      name: 'ok',
      object: configMap('ok', 'x'),
    });
    const summary = await writer.finish();

    // Assert
    expect(error).toBeInstanceOf(InvalidArchiveEntryError);
    expect((error as InvalidArchiveEntryError).field).toBe(field);
    expect(summary.totalObjects).toBe(1);
    expect((await unpack(sink.bytes)).map((e) => parseEntryPath(e.name)?.name).filter(Boolean)).toEqual([
      'ok',
    ]);
  });

  it('stops accepting objects while the sink accepts no bytes (backpressure reaches add)', async () => {
    // Arrange
    const stalled = new Writable({ highWaterMark: 16 * 1024, write: () => {} }); // never calls back
    const writer = new ArchiveWriter(stalled, { gzipLevel: 0 });
    const body = 'x'.repeat(4096);
    let added = 0;

    // Act
    for (; added < 10_000; added += 1) {
      const adding = writer.add({
        resource: 'configmaps',
        group: '',
        namespace: 'n',
        name: `c${added}`,
        object: { body },
      });
      adding.catch(() => {}); // the one left pending rejects when the writer is aborted below
      const settled = await Promise.race([adding.then(() => true), delay(50).then(() => false)]);
      if (!settled) break;
    }
    await writer.abort(new Error('test over'));

    // Assert
    // 10,000 objects of 4.5 KB of tar would be 45 MB; the writer must have stopped once its queue (2 MiB),
    // the members held for the stalled sink (4 × 1 MiB), the chunk being filled (1 MiB) and the first
    // member handed on (1 MiB at level 0) were full: ~8 MiB, i.e. after ~1,900 objects.
    expect(added).toBeLessThan(2500);
  });

  it('writes 100k objects through a slow sink with a bounded amount of data in flight', async () => {
    // Arrange
    let unpackedBytesReceived = 0;
    const slowReader = new Writable({
      highWaterMark: 64 * 1024,
      write(chunk: Buffer, _encoding, callback) {
        unpackedBytesReceived += chunk.length;
        setImmediate(callback);
      },
    });
    // The sink unzips what it gets, so what the writer has produced can be compared with what arrived.
    const sink = createGunzip();
    sink.pipe(slowReader);
    const writer = new ArchiveWriter(sink, { gzipLevel: 1 });
    const padding = 'p'.repeat(700);
    let tarBytesAdded = 1024; // metadata/version: one header block and one data block
    let maxInFlight = 0;

    // Act
    for (let i = 0; i < 100_000; i += 1) {
      const object = configMap(`config-${i}`, `ns-${i % 50}`, { index: String(i), padding });
      await writer.add({
        resource: 'configmaps',
        group: '',
        namespace: `ns-${i % 50}`,
        name: `config-${i}`,
        object,
      });
      tarBytesAdded += 512 + Math.ceil(JSON.stringify(object).length / 512) * 512;
      maxInFlight = Math.max(maxInFlight, tarBytesAdded - unpackedBytesReceived);
    }
    const summary = await writer.finish();

    // Assert
    expect(summary.totalObjects).toBe(100_000);
    expect(tarBytesAdded).toBeGreaterThan(100_000_000);
    // Of 100+ MB of tar, only a few buffers are ever held: the queue (2 MiB), the members being compressed
    // (4 × 1 MiB), the chunk being filled (1 MiB) and compressed bytes queued at the 25:1-compressing sink,
    // counted here uncompressed (measured: about 11 MB).
    expect(maxInFlight).toBeLessThan(12 * 1024 * 1024);
  });

  it('destroys the sink with the reason when aborted, and refuses further objects', async () => {
    // Arrange
    const sink = new MemorySink();
    const writer = new ArchiveWriter(sink);
    await writer.add({
      resource: 'configmaps',
      group: '',
      namespace: 'n',
      name: 'a',
      object: configMap('a', 'n'),
    });
    const reason = new Error('listing failed');

    // Act
    await writer.abort(reason);
    const afterAbort = await writer
      .add({ resource: 'configmaps', group: '', name: 'b', object: {} })
      .catch((e: unknown) => e);

    // Assert
    expect(sink.destroyed).toBe(true);
    expect(sink.errored).toBe(reason);
    expect(afterAbort).toBeInstanceOf(Error);
    expect((afterAbort as Error).message).toContain('already failed');
  });

  it("rejects add and finish with the sink's error when the sink fails", async () => {
    // Arrange
    const failure = new Error('disk full');
    const failing = new Writable({ write: (_chunk, _encoding, callback) => callback(failure) });
    const writer = new ArchiveWriter(failing, { gzipLevel: 0 });

    // Act
    let error: unknown;
    // 64 KB objects: more than the writer holds (~7 MiB) before add waits, which is when the failure shows.
    for (let i = 0; i < 1000 && error === undefined; i += 1) {
      await writer
        .add({ resource: 'configmaps', group: '', name: `c${i}`, object: { body: 'x'.repeat(64 * 1024) } })
        .catch((caught: unknown) => {
          error = caught;
        });
    }

    // Assert
    expect(error).toBe(failure);
    await expect(writer.finish()).rejects.toThrow(/already failed/);
  });
});

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
