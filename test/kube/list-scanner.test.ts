import { describe, expect, it } from 'vitest';
import { generateObjects, mulberry32 } from '../../sandbox/kube/generate.ts';
import { ListScanError, type ScannedItem, scanList } from '../../src/kube/list-scanner.ts';

type Json = Record<string, unknown>;

const MANAGED_FIELDS = [
  {
    manager: 'kubectl-client-side-apply',
    operation: 'Update',
    apiVersion: 'v1',
    time: '2024-05-01T12:00:00Z',
    fieldsType: 'FieldsV1',
    fieldsV1: { 'f:data': { '.': {}, 'f:key': {} }, 'f:metadata': { 'f:labels': { 'f:app': {} } } },
  },
];

/** The bytes of a List holding `items`, compact or pretty-printed. */
function listBytes(items: unknown[], options: { pretty?: boolean; metadata?: Json } = {}): Buffer {
  const list = { apiVersion: 'v1', kind: 'List', metadata: options.metadata ?? {}, items };
  return Buffer.from(options.pretty ? JSON.stringify(list, null, 2) : JSON.stringify(list));
}

/** The item's bytes with the managedFields range cut out, as the archive writer assembles them. */
function cutItem(body: Uint8Array, item: ScannedItem): string {
  const cut = item.managedFields ?? { start: item.end, end: item.end };
  return Buffer.concat([body.subarray(item.start, cut.start), body.subarray(cut.end, item.end)]).toString(
    'utf8',
  );
}

/** The object without metadata.managedFields (a deep copy). */
function withoutManagedFields(object: Json): Json {
  const copy = structuredClone(object);
  const metadata = copy.metadata as Json | undefined;
  if (metadata) delete metadata.managedFields;
  return copy;
}

/** The ListScanError a scan throws; fails the test when the scan succeeds. */
function scanError(body: string | Uint8Array): ListScanError {
  try {
    scanList(typeof body === 'string' ? Buffer.from(body) : body);
  } catch (error) {
    if (error instanceof ListScanError) return error;
    throw error;
  }
  throw new Error('expected the scan to fail');
}

describe('scanList', () => {
  it('finds every item span, name and namespace, and whether each carries apiVersion and kind', () => {
    // Arrange
    const items = [
      { metadata: { name: 'settings', namespace: 'shop' }, data: { a: '1' } },
      {
        apiVersion: 'example.com/v1',
        kind: 'Widget',
        metadata: { namespace: 'ops', name: 'gizmo', labels: { name: 'not-this' } },
        spec: { metadata: { name: 'nested-not-this' }, size: 3 },
      },
      { kind: 'Namespace', metadata: { name: 'cluster-wide' } },
    ];
    const body = listBytes(items);

    // Act
    const scanned = scanList(body);

    // Assert
    expect(scanned.items.map((item) => JSON.parse(body.toString('utf8', item.start, item.end)))).toEqual(
      items,
    );
    expect(scanned.items.map(({ name, namespace }) => ({ name, namespace }))).toEqual([
      { name: 'settings', namespace: 'shop' },
      { name: 'gizmo', namespace: 'ops' },
      { name: 'cluster-wide', namespace: undefined },
    ]);
    expect(scanned.items.map(({ hasApiVersion, hasKind }) => [hasApiVersion, hasKind])).toEqual([
      [false, false],
      [true, true],
      [false, true],
    ]);
    expect(scanned.items.every((item) => item.managedFields === undefined)).toBe(true);
  });

  it('reports the List metadata span with its continue token and resourceVersion', () => {
    // Arrange
    const metadata = { resourceVersion: '12345', continue: 'eyJydiI6MTIzNDV9', remainingItemCount: 7 };
    const body = listBytes([{ metadata: { name: 'a' } }], { metadata });

    // Act
    const scanned = scanList(body);

    // Assert
    expect(scanned.metadata).toBeDefined();
    const span = scanned.metadata ?? { start: 0, end: 0 };
    expect(JSON.parse(body.toString('utf8', span.start, span.end))).toEqual(metadata);
  });

  it('scans an empty items array, and a List without metadata', () => {
    // Arrange
    const body = Buffer.from('{"kind":"List","items":[]}');

    // Act
    const scanned = scanList(body);

    // Assert
    expect(scanned).toEqual({ items: [] });
  });

  it.each([
    ['first', (mf: unknown) => ({ managedFields: mf, name: 'a', namespace: 'n', uid: 'u' })],
    ['middle', (mf: unknown) => ({ name: 'a', managedFields: mf, namespace: 'n' })],
    ['last', (mf: unknown) => ({ name: 'a', namespace: 'n', managedFields: mf })],
    ['only', (mf: unknown) => ({ managedFields: mf })],
  ])('cuts managedFields as the %s member of metadata, compact and pretty-printed', (_where, metadataOf) => {
    for (const pretty of [false, true]) {
      // Arrange
      const item = { metadata: metadataOf(MANAGED_FIELDS), data: { key: 'value' } };
      const body = listBytes([item, { metadata: { name: 'b', managedFields: [] } }], { pretty });

      // Act
      const scanned = scanList(body);

      // Assert
      expect(scanned.items).toHaveLength(2);
      const [first, second] = scanned.items as [ScannedItem, ScannedItem];
      expect(first.managedFields).toBeDefined();
      expect(JSON.parse(cutItem(body, first))).toEqual(withoutManagedFields(item));
      expect(JSON.parse(cutItem(body, second))).toEqual({ metadata: { name: 'b' } });
    }
  });

  it('cuts managedFields whose value is null or an empty array, with whitespace around the colon', () => {
    // Arrange
    const body = Buffer.from(
      '{"items":[ { "metadata" : { "name" : "a" , "managedFields" : null } } ,\n' +
        '\t{"metadata":{"managedFields" :\r\n[ ] ,"name":"b"}}]}',
    );

    // Act
    const scanned = scanList(body);

    // Assert
    expect(scanned.items.map((item) => JSON.parse(cutItem(body, item)))).toEqual([
      { metadata: { name: 'a' } },
      { metadata: { name: 'b' } },
    ]);
  });

  it('leaves alone a managedFields key outside an item’s metadata', () => {
    // Arrange
    const item = { spec: { managedFields: [1] }, metadata: { name: 'a', labels: { managedFields: 'x' } } };
    const body = listBytes([item]);

    // Act
    const scanned = scanList(body);

    // Assert
    expect(scanned.items[0]?.managedFields).toBeUndefined();
    expect(JSON.parse(cutItem(body, scanned.items[0] as ScannedItem))).toEqual(item);
  });

  it.each([
    ['escaped quotes', 'say \\"hi\\" \\"'],
    ['backslashes right before the closing quote', 'C:\\\\dir\\\\'],
    ['a \\u escape', 'caf\\u00e9 \\u65e5'],
    ['raw UTF-8', 'café 日本 😀'],
    ['a long string with escapes near the end', `${'x'.repeat(90)}\\"\\\\\\"\\\\`],
    ['a long string with a backslash run before the end', `${'y'.repeat(63)}\\\\${'z'.repeat(70)}\\\\\\\\`],
    ['a string of 100 KB', 'a'.repeat(100 * 1024)],
    ['a string of 100 KB with escapes near the end', `${'b'.repeat(100 * 1024)}\\"}]\\\\`],
    ['a string of 100 KB with an escaped quote every 97 bytes', `${'c'.repeat(96)}\\"`.repeat(1100)],
  ])('walks strings with %s', (_what, json) => {
    // Arrange: the string as a data value, a label value and a key, in two items
    const text = JSON.parse(`"${json}"`) as string;
    const items = [
      { metadata: { name: 'a', labels: { l: text } }, data: { [text]: text } },
      { metadata: { name: 'b', managedFields: [{ manager: text }] }, data: { v: text } },
    ];
    const body = listBytes(items);

    // Act
    const scanned = scanList(body);

    // Assert
    expect(scanned.items.map((item) => item.name)).toEqual(['a', 'b']);
    expect(JSON.parse(body.toString('utf8', scanned.items[0]?.start, scanned.items[0]?.end))).toEqual(
      items[0],
    );
    expect(JSON.parse(cutItem(body, scanned.items[1] as ScannedItem))).toEqual(
      withoutManagedFields(items[1] as Json),
    );
  });

  it('decodes a name or namespace that holds escapes or UTF-8', () => {
    // Arrange
    const body = Buffer.from(
      '{"items":[{"metadata":{"name":"caf\\u00e9\\"q\\\\","namespace":"\\u65e5\\/x"}},' +
        '{"metadata":{"name":"日本","namespace":"é"}}]}',
    );

    // Act
    const scanned = scanList(body);

    // Assert
    expect(scanned.items.map(({ name, namespace }) => ({ name, namespace }))).toEqual([
      { name: 'café"q\\', namespace: '日/x' },
      { name: '日本', namespace: 'é' },
    ]);
  });

  it('scans a body that is a view into a larger buffer', () => {
    // Arrange: the answer sits in the middle of a pooled buffer, as small HTTP bodies do
    const list = listBytes([{ metadata: { name: 'caf\u00e9', namespace: 'x' } }]);
    const pool = Buffer.concat([Buffer.from('{"name":"wrong"}'), list, Buffer.from('garbage')]);
    const body = pool.subarray(16, 16 + list.length);

    // Act
    const scanned = scanList(body);

    // Assert
    expect(scanned.items[0]).toMatchObject({
      name: 'café',
      namespace: 'x',
      start: list.indexOf('{"metadata"'),
    });
  });

  it.each([
    ['not an object', '[{"items":[]}]', 0, 'expected a JSON object'],
    ['empty', '', 0, 'expected a JSON object'],
    ['only whitespace', '  \n', 3, 'expected a JSON object'],
    ['"items" an object', '{"items":{}}', 9, '"items" is not an array'],
    ['an item that is an array', '{"items":[{},[]]}', 13, 'an element of "items" is not an object'],
    ['an unclosed string', '{"items":[{"metadata":{"name":"abc}]}', 30, 'string is not closed'],
    ['an unclosed long string', `{"a":"${'x'.repeat(200)}`, 5, 'string is not closed'],
    ['a string ending in an escaped quote', `{"a":"${'x'.repeat(100)}\\"}`, 5, 'string is not closed'],
    ['a control character in a string', '{"a":"x\ty"}', 7, 'control character'],
    ['unbalanced brackets {]', '{"a":[1}', 7, 'unbalanced brackets'],
    ['unbalanced brackets [}', '{"a":{"b":1]}', 11, 'unbalanced brackets'],
    ['a bare ]', '{]', 1, 'expected a member name'],
    ['a trailing comma in an object', '{"a":1,}', 7, 'expected a member name'],
    ['a trailing comma in an array', '{"a":[1,]}', 8, 'unexpected byte 0x5d'],
    ['a missing colon', '{"a" 1}', 5, 'expected ":"'],
    ['a missing comma', '{"a":1 "b":2}', 7, 'expected ","'],
    ['a key that is not a string', '{a:1}', 1, 'expected a member name'],
    ['trailing content', '{"items":[]} {}', 13, 'content after the end'],
    ['an unknown literal', '{"items":[{"ok":tru}]}', 16, 'unknown literal "tru"'],
    ['a longer unknown literal', '{"ok":nullx}', 6, 'unknown literal'],
    ['a truncated body', '{"items":[{"metadata":{"name":"a"}}', 35, 'ends early'],
    ['a body cut after a colon', '{"items":', 9, 'ends early'],
  ])('refuses %s with the offset of the fault', (_what, body, offset, reason) => {
    // Arrange: the body above

    // Act
    const error = scanError(body);

    // Assert
    expect(error.name).toBe('ListScanError');
    expect(error.offset).toBe(offset);
    expect(error.message).toContain(`at byte ${offset}`);
    expect(error.message).toContain(reason);
  });

  it('refuses a body truncated anywhere inside a real List', () => {
    // Arrange
    const body = listBytes(
      [
        { metadata: { name: 'a', managedFields: MANAGED_FIELDS }, data: { 'k"ey': 'v\\' } },
        { metadata: { name: 'b' }, spec: { n: 1.5e3, t: true, f: false, z: null } },
      ],
      { metadata: { resourceVersion: '9' } },
    );

    // Act
    const outcomes = Array.from({ length: body.length - 1 }, (_, cut) => {
      try {
        scanList(body.subarray(0, cut + 1));
        return 'accepted';
      } catch (error) {
        return error instanceof ListScanError && error.offset <= cut + 1 ? 'refused' : String(error);
      }
    });

    // Assert: every proper prefix is refused with an offset inside it, and the whole body is accepted
    expect(outcomes.filter((outcome) => outcome !== 'refused')).toEqual([]);
    expect(scanList(body).items).toHaveLength(2);
  });

  it('refuses nesting deeper than 512 levels instead of overflowing', () => {
    // Arrange
    const body = `{"a":${'['.repeat(600)}${']'.repeat(600)}}`;

    // Act
    const error = scanError(body);

    // Assert
    expect(error.message).toContain('nested deeper than 512');
    // The List object is depth 1, so the 512th array (at byte 5 + 511) is one level too many
    expect(error.offset).toBe(5 + 511);
  });

  // A scalar element must not vanish silently: the snapshot would miss an object of the List.
  it('refuses an element of "items" that is not an object', () => {
    // Arrange
    const body = '{"items":[1,{"metadata":{"name":"a"}}]}';

    // Act
    const error = scanError(body);

    // Assert
    expect(error.offset).toBe(10);
    expect(error.message).toContain('an element of "items" is not an object');
  });

  it('refuses an "items" member that is a string', () => {
    // Arrange
    const body = '{"items":"x"}';

    // Act
    const error = scanError(body);

    // Assert
    expect(error.offset).toBe(9);
    expect(error.message).toContain('"items" is not an array');
  });

  it('takes "items": null as an empty List, as JSON.parse-based readers do', () => {
    // Arrange
    const body = Buffer.from('{"kind":"ConfigMapList","items":null,"metadata":{"resourceVersion":"7"}}');

    // Act
    const scanned = scanList(body);

    // Assert
    expect(scanned.items).toEqual([]);
    expect(scanned.metadata).toBeDefined();
  });

  it('matches JSON.parse on 2,000 generated objects, compact and pretty-printed', () => {
    // Arrange: generated objects, some with managedFields in varying places, some without apiVersion/kind
    const random = mulberry32(7);
    const objects = [...generateObjects(2000, { seed: 3, objectsPerNamespace: 200 })].map(
      (manifest, index) => {
        const object = structuredClone(manifest) as Json & { metadata: Json };
        if (random() < 0.4) {
          const entries = Object.entries(object.metadata);
          const at = Math.floor(random() * (entries.length + 1));
          entries.splice(at, 0, ['managedFields', MANAGED_FIELDS]);
          object.metadata = Object.fromEntries(entries);
        }
        if (index % 3 === 0) {
          delete object.apiVersion;
          delete object.kind;
        }
        return object;
      },
    );
    const bodies = [listBytes(objects), listBytes(objects, { pretty: true })];

    for (const body of bodies) {
      // Act
      const scanned = scanList(body);

      // Assert
      expect(scanned.items).toHaveLength(objects.length);
      const mismatches = scanned.items.filter((item, index) => {
        const object = objects[index] as Json & { metadata: Json };
        const expected = withoutManagedFields(object);
        return (
          JSON.stringify(JSON.parse(cutItem(body, item))) !== JSON.stringify(expected) ||
          item.name !== object.metadata.name ||
          item.namespace !== object.metadata.namespace ||
          item.hasApiVersion !== 'apiVersion' in object ||
          item.hasKind !== 'kind' in object ||
          (item.managedFields !== undefined) !== 'managedFields' in object.metadata
        );
      });
      expect(mismatches).toEqual([]);
      expect(scanned.items.filter((item) => item.managedFields).length).toBeGreaterThan(600);
    }
  });
});
