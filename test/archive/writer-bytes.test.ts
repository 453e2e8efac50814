import { describe, expect, it } from 'vitest';
import {
  type ArchiveBytesEntry,
  ArchiveWriter,
  InvalidArchiveEntryError,
  readArchive,
} from '../../src/archive/index.ts';
import { scanList } from '../../src/kube/list-scanner.ts';
import { drain, MemorySink, sourceOf, unpack } from './archive-helpers.ts';

const POD_TYPE = Buffer.from('"apiVersion":"v1","kind":"Pod"');

/** Writes byte entries into memory; returns the archive bytes and the writer's summary. */
async function writeBytes(entries: ArchiveBytesEntry[]) {
  const sink = new MemorySink();
  const writer = new ArchiveWriter(sink);
  for (const entry of entries) writer.appendBytes(entry);
  await writer.ready();
  const summary = await writer.finish();
  return { bytes: sink.bytes, summary };
}

/** A byte entry for a Pod in `shop`, cut where the scanner says managedFields is; null typeMeta leaves it out. */
function podEntry(name: string, json: string, typeMeta: Buffer | null = POD_TYPE): ArchiveBytesEntry {
  const list = Buffer.from(`{"items":[${json}]}`);
  const item = scanList(list).items[0];
  if (!item) throw new Error('the test JSON holds no item');
  return {
    resource: 'pods',
    group: '',
    namespace: 'shop',
    name,
    bytes: list.subarray(item.start, item.end),
    ...(typeMeta ? { typeMeta } : {}),
    ...(item.managedFields
      ? {
          managedFields: {
            start: item.managedFields.start - item.start,
            end: item.managedFields.end - item.start,
          },
        }
      : {}),
  };
}

/** The error a call throws; fails the test when it returns. */
function thrown(call: () => unknown): Error {
  try {
    call();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to throw');
}

describe('ArchiveWriter.appendBytes', () => {
  it('puts typeMeta first and leaves managedFields out, keeping the rest byte for byte', async () => {
    // Arrange
    const json =
      '{"metadata":{"name":"web","managedFields":[{"manager":"kubectl"}],"namespace":"shop"},"spec":{"a":"é 日本"}}';
    const entry = podEntry('web', json);

    // Act
    const { bytes } = await writeBytes([entry]);

    // Assert
    const body = (await unpack(bytes)).find(
      (e) => e.name === 'resources/pods/namespaces/shop/web.json',
    )?.body;
    expect(body).toBe(
      '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","namespace":"shop"},"spec":{"a":"é 日本"}}',
    );
    expect(Object.keys(JSON.parse(body ?? '{}'))).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
  });

  it.each([
    ['{}', '{"apiVersion":"v1","kind":"Pod"}'],
    ['{ \n }', '{"apiVersion":"v1","kind":"Pod" \n }'],
  ])('writes an empty object %j with typeMeta and no stray comma', async (json, expected) => {
    // Arrange
    const entry: ArchiveBytesEntry = {
      resource: 'pods',
      group: '',
      namespace: 'shop',
      name: 'empty',
      bytes: Buffer.from(json),
      typeMeta: POD_TYPE,
    };

    // Act
    const { bytes } = await writeBytes([entry]);

    // Assert
    const body = (await unpack(bytes))[1]?.body ?? '';
    expect(body).toBe(expected);
    expect(JSON.parse(body)).toEqual({ apiVersion: 'v1', kind: 'Pod' });
  });

  it('copies an object as it is when it has no typeMeta and no managedFields', async () => {
    // Arrange
    const json = '{ "apiVersion": "example.com/v1", "kind": "Widget",\n  "metadata": {"name": "w"} }';
    const entry: ArchiveBytesEntry = {
      resource: 'widgets',
      group: 'example.com',
      namespace: 'shop',
      name: 'w',
      bytes: Buffer.from(json),
    };

    // Act
    const { bytes } = await writeBytes([entry]);

    // Assert
    expect((await unpack(bytes))[1]).toEqual({
      name: 'resources/widgets.example.com/namespaces/shop/w.json',
      body: json,
    });
  });

  it('writes the object bytes with managedFields dropped, counts kept (read back by tar-stream, as written)', async () => {
    // Arrange: managedFields first, middle, last and only member of metadata, pretty-printed or not
    const metadatas = [
      { managedFields: [{ manager: 'a' }], name: 'p0', namespace: 'shop' },
      { name: 'p1', managedFields: [{ manager: 'b', fieldsV1: { 'f:x': {} } }], namespace: 'shop' },
      { name: 'p2', namespace: 'shop', managedFields: [] },
      { managedFields: null },
      { name: 'p4', namespace: 'shop' },
    ];
    const objects = metadatas.map((metadata, i) => ({ metadata, spec: { i, text: 'x'.repeat(i * 300) } }));
    const entries = objects.map((object, i) =>
      podEntry(`p${i}`, JSON.stringify(object, null, i % 2 === 0 ? undefined : 2), i === 4 ? null : POD_TYPE),
    );

    // Act
    const { bytes, summary } = await writeBytes(entries);
    // The reader would refuse p3 (no name) and p4 (no apiVersion): these are bytes as given, not objects.
    const files = (await unpack(bytes)).filter((file) => file.name.startsWith('resources/'));

    // Assert
    const expected = objects.map((object, i) => {
      const { managedFields: _dropped, ...metadata } = object.metadata as Record<string, unknown>;
      return {
        name: `resources/pods/namespaces/shop/p${i}.json`,
        object: { ...(i === 4 ? {} : { apiVersion: 'v1', kind: 'Pod' }), ...object, metadata },
      };
    });
    expect(files.map((file) => ({ name: file.name, object: JSON.parse(file.body) }))).toEqual(expected);
    expect(summary.counts).toEqual({ pods: 5 });
    expect(summary.totalObjects).toBe(5);
  });

  it('mixes byte entries and object entries in one archive', async () => {
    // Arrange
    const sink = new MemorySink();
    const writer = new ArchiveWriter(sink);
    const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'shop' } };

    // Act
    writer.appendBytes(podEntry('p', '{"metadata":{"name":"p","namespace":"shop"}}'));
    writer.append({ resource: 'configmaps', group: '', namespace: 'shop', name: 'c', object });
    const summary = await writer.finish();
    const { items, error } = await drain(readArchive(sourceOf(sink.bytes), summary, 'mixed.tar.gz'));

    // Assert
    expect(error).toBeUndefined();
    expect(items.map((item) => item.object)).toEqual([
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'shop' } },
      object,
    ]);
    expect(summary.counts).toEqual({ configmaps: 1, pods: 1 });
  });

  it('writes thousands of byte entries across many gzip members', async () => {
    // Arrange: ~9 MB of tar, so the writer hands zlib several 1 MiB chunks
    const filler = 'z'.repeat(3000);
    const entries = Array.from({ length: 2500 }, (_, i) =>
      podEntry(
        `p${i}`,
        `{"metadata":{"name":"p${i}","managedFields":[{"m":"${filler}"}],"namespace":"shop"},"data":"${i}${filler}"}`,
      ),
    );

    // Act
    const { bytes, summary } = await writeBytes(entries);
    const { items, error } = await drain(readArchive(sourceOf(bytes, 64 * 1024), summary, 'many.tar.gz'));

    // Assert
    expect(error).toBeUndefined();
    expect(summary.totalObjects).toBe(2500);
    expect(items).toHaveLength(2500);
    expect(items[1234]?.object).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p1234', namespace: 'shop' },
      data: `1234${filler}`,
    });
    expect(items.every((item) => !JSON.stringify(item.object).includes('managedFields'))).toBe(true);
  });

  it.each([
    ['not starting with {', ' {"a":1}', undefined],
    ['not ending with }', '{"a":1} ', undefined],
    ['an array', '[{"a":1}]', undefined],
    ['empty', '', undefined],
    ['a lone brace', '{', undefined],
    ['a cut that starts at the opening brace', '{"a":1}', { start: 0, end: 2 }],
    ['a cut that takes the closing brace', '{"a":1}', { start: 1, end: 7 }],
    ['a cut past the end', '{"a":1}', { start: 3, end: 40 }],
    ['a cut that ends before it starts', '{"a":1}', { start: 4, end: 3 }],
  ])(
    'refuses bytes %s, naming the entry path, and writes nothing for it',
    async (_what, json, managedFields) => {
      // Arrange
      const sink = new MemorySink();
      const writer = new ArchiveWriter(sink);
      const entry: ArchiveBytesEntry = {
        resource: 'configmaps',
        group: '',
        namespace: 'shop',
        name: 'bad',
        bytes: Buffer.from(json),
        typeMeta: Buffer.from('"apiVersion":"v1","kind":"ConfigMap"'),
        ...(managedFields ? { managedFields } : {}),
      };

      // Act
      const error = thrown(() => writer.appendBytes(entry));
      const { managedFields: _cut, ...rest } = entry;
      writer.appendBytes({ ...rest, name: 'good', bytes: Buffer.from('{"b":2}') });
      const summary = await writer.finish();

      // Assert
      expect(error).toBeInstanceOf(InvalidArchiveEntryError);
      expect(error.message).toContain('"resources/configmaps/namespaces/shop/bad.json"');
      expect(summary.totalObjects).toBe(1);
      expect(await unpack(sink.bytes)).toEqual([
        { name: 'metadata/version', body: '1.1.0' },
        {
          name: 'resources/configmaps/namespaces/shop/good.json',
          body: '{"apiVersion":"v1","kind":"ConfigMap","b":2}',
        },
      ]);
    },
  );
});
