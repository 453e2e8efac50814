import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterAll, describe, expect, it } from 'vitest';
import { entryPath } from '../../src/archive/index.ts';
import { type TarEntriesOptions, TarFormatError, tarEntries } from '../../src/archive/tar-entries.ts';
import { paxRecord } from '../../src/archive/writer.ts';
import { configMap, writeArchive } from './archive-helpers.ts';

interface Read {
  path: string;
  type: string;
  size: number;
  body: string;
}

type Chunking = number | 'random';

// Feeds `bytes` in chunks of `chunking` bytes (or seeded random sizes, 1–1500) through one buffer that is
// overwritten for every chunk, so an entry that kept a view of a chunk instead of a copy would be garbled.
async function* chunksOf(bytes: Buffer, chunking: Chunking): AsyncGenerator<Uint8Array> {
  let seed = 42;
  const nextSize = () => {
    if (chunking !== 'random') return chunking;
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return 1 + (seed % 1500);
  };
  const reused = Buffer.alloc(Math.max(bytes.length, 1));
  for (let at = 0; at < bytes.length; ) {
    const size = Math.min(nextSize(), bytes.length - at);
    bytes.copy(reused, 0, at, at + size);
    reused.fill(0xee, size);
    yield reused.subarray(0, size);
    at += size;
  }
}

async function readTar(
  bytes: Buffer,
  chunking: Chunking = 4096,
  options?: TarEntriesOptions,
): Promise<Read[]> {
  const entries: Read[] = [];
  for await (const { path, type, size, body } of tarEntries(chunksOf(bytes, chunking), options)) {
    entries.push({ path, type, size, body: body.toString('utf8') });
  }
  return entries;
}

async function readError(bytes: Buffer, options?: TarEntriesOptions): Promise<TarFormatError> {
  try {
    await readTar(bytes, 4096, options);
  } catch (error) {
    if (error instanceof TarFormatError) return error;
    throw error;
  }
  throw new Error('expected the tar stream to be refused');
}

type PackEntry = { body?: string } & Parameters<tar.Pack['entry']>[0];

async function packWithTarStream(entries: PackEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const { body, ...header } of entries) {
    // Directories and symlinks come without a body, and entry()'s typings take none rather than undefined.
    if (body === undefined) pack.entry({ mtime: new Date(0), ...header });
    else pack.entry({ mtime: new Date(0), ...header }, body);
  }
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

// One header block written by hand, for what neither tar-stream nor our writer produces: GNU 'L' records,
// base-256 sizes, broken fields. `size` is the raw 12-byte field unless given as a number.
function header(name: string, size: number | Buffer | string, type = '0', magic = 'ustar\u000000'): Buffer {
  const block = Buffer.alloc(512);
  block.write(name, 0, 100, 'utf8');
  block.write('0000644\0', 100, 'ascii');
  if (typeof size === 'number') block.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  else if (typeof size === 'string') block.write(size, 124, 12, 'latin1');
  else size.copy(block, 124);
  block.write('00000000000\0', 136, 'ascii');
  block.write(type, 156, 'ascii');
  block.write(magic, 257, 'latin1');
  return withChecksum(block);
}

function withChecksum(block: Buffer): Buffer {
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return block;
}

function padded(body: string | Buffer): Buffer {
  const bytes = Buffer.from(body);
  return Buffer.concat([bytes, Buffer.alloc((512 - (bytes.length % 512)) % 512)]);
}

const END = Buffer.alloc(1024);
const LONG_NAME = `resources/configmaps/namespaces/shop/${'n'.repeat(150)}.json`;
const SPLIT_NAME = `resources/${'p'.repeat(70)}/${'q'.repeat(70)}/settings.json`;

const SAMPLE: PackEntry[] = [
  { name: 'metadata/version', body: '1.1.0' },
  { name: 'resources/configmaps/namespaces/shop/a.json', body: '{"a":1}' },
  { name: 'resources/', type: 'directory' },
  { name: 'resources/link', type: 'symlink', linkname: 'configmaps' },
  { name: SPLIT_NAME, body: 'split across prefix and name' },
  { name: LONG_NAME, body: 'x'.repeat(1500) },
  { name: 'resources/empty.json', body: '' },
  { name: 'resources/block.json', body: 'b'.repeat(512) },
];

const SAMPLE_READ: Read[] = [
  { path: 'metadata/version', type: 'file', size: 5, body: '1.1.0' },
  { path: 'resources/configmaps/namespaces/shop/a.json', type: 'file', size: 7, body: '{"a":1}' },
  { path: 'resources/', type: 'directory', size: 0, body: '' },
  { path: 'resources/link', type: 'other', size: 0, body: '' },
  { path: SPLIT_NAME, type: 'file', size: 28, body: 'split across prefix and name' },
  { path: LONG_NAME, type: 'file', size: 1500, body: 'x'.repeat(1500) },
  { path: 'resources/empty.json', type: 'file', size: 0, body: '' },
  { path: 'resources/block.json', type: 'file', size: 512, body: 'b'.repeat(512) },
];

describe('tarEntries reading archives of other writers', () => {
  it('reads short, prefix-split and PAX long names, directories and symlinks written by tar-stream', async () => {
    // Arrange
    const bytes = await packWithTarStream(SAMPLE);

    // Act
    const entries = await readTar(bytes);

    // Assert
    expect(entries).toEqual(SAMPLE_READ);
  });

  it.each<Chunking>([1, 7, 511, 512, 513, 'random', 1 << 20])(
    'yields the same entries whatever the chunking (%s-byte chunks)',
    async (chunking) => {
      // Arrange
      const bytes = await packWithTarStream(SAMPLE);

      // Act
      const entries = await readTar(bytes, chunking);

      // Assert
      expect(entries).toEqual(SAMPLE_READ);
    },
  );

  it('reads a GNU long name record (type L) in front of the entry it names', async () => {
    // Arrange
    const longName = `${LONG_NAME}\0`;
    const bytes = Buffer.concat([
      header('././@LongLink', Buffer.byteLength(longName), 'L', 'ustar  \0'),
      padded(longName),
      header(LONG_NAME.slice(0, 100), 5, '0', 'ustar  \0'),
      padded('hello'),
      header('after.json', 2, '0', 'ustar  \0'),
      padded('{}'),
      END,
    ]);

    // Act
    const entries = await readTar(bytes, 7);

    // Assert
    expect(entries).toEqual([
      { path: LONG_NAME, type: 'file', size: 5, body: 'hello' },
      { path: 'after.json', type: 'file', size: 2, body: '{}' },
    ]);
  });

  it('reads a size in GNU base-256 and ignores PAX global headers', async () => {
    // Arrange
    const size = Buffer.alloc(12);
    size[0] = 0x80;
    size.writeUInt16BE(600, 10);
    const globalRecord = '20 comment=ignored\n';
    const bytes = Buffer.concat([
      header('pax_global_header', globalRecord.length, 'g'),
      padded(globalRecord),
      header('big.json', size),
      padded('z'.repeat(600)),
      END,
    ]);

    // Act
    const entries = await readTar(bytes);

    // Assert
    expect(entries).toEqual([{ path: 'big.json', type: 'file', size: 600, body: 'z'.repeat(600) }]);
  });

  it('takes path and size from a PAX extended header', async () => {
    // Arrange
    const records = `${paxRecord('path', LONG_NAME)}${paxRecord('size', '3')}`;
    const bytes = Buffer.concat([
      header('PaxHeader/x', Buffer.byteLength(records), 'x'),
      padded(records),
      header('truncated-name', 0),
      padded('abc'),
      END,
    ]);

    // Act
    const entries = await readTar(bytes, 513);

    // Assert
    expect(entries).toEqual([{ path: LONG_NAME, type: 'file', size: 3, body: 'abc' }]);
  });

  it('reads every entry our ArchiveWriter writes, including PAX long paths', async () => {
    // Arrange
    const objects = [
      { resource: 'configmaps', group: '', namespace: 'shop', name: 'settings' },
      { resource: 'roles', group: 'rbac.authorization.k8s.io', namespace: 'shop', name: 'r'.repeat(200) },
      { resource: 'namespaces', group: '', name: 'shop' },
    ].map((location) => ({
      ...location,
      object: configMap(location.name, 'shop', { value: 'v'.repeat(700) }),
    }));
    const { bytes } = await writeArchive(objects);

    // Act
    const entries = await readTar(gunzipSync(bytes), 'random');

    // Assert
    expect(entries.map(({ path, type }) => ({ path, type }))).toEqual([
      { path: 'metadata/version', type: 'file' },
      ...objects.map((object) => ({ path: entryPath(object), type: 'file' })),
    ]);
    expect(entries.slice(1).map(({ body }) => JSON.parse(body))).toEqual(objects.map((o) => o.object));
  });
});

const gnuTar = (() => {
  const result = spawnSync('tar', ['--version'], { encoding: 'utf8' });
  return result.status === 0 && result.stdout.includes('GNU tar');
})();

describe.skipIf(!gnuTar)('tarEntries reading archives of GNU tar', () => {
  const root = mkdtempSync(join(tmpdir(), 'eks-dr-tar-entries-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const files: Record<string, string> = {
    'metadata/version': '1.1.0',
    'resources/configmaps/namespaces/shop/a.json': '{"a":1}',
    [SPLIT_NAME]: 'prefix',
    'resources/big.json': 'g'.repeat(5000),
    'resources/empty.json': '',
  };
  const make = (withLongName: boolean) => {
    const dir = mkdtempSync(join(root, 'tree-'));
    const all = withLongName ? { ...files, [LONG_NAME]: 'long' } : files;
    for (const [path, body] of Object.entries(all)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), body);
    }
    symlinkSync('a.json', join(dir, 'resources/configmaps/namespaces/shop/link'));
    return { dir, all };
  };

  it.each([
    ['gnu', true],
    ['posix', true],
    ['ustar', false],
  ] as const)('reads a --format=%s archive', async (format, withLongName) => {
    // Arrange
    const { dir, all } = make(withLongName);
    const bytes = execFileSync(
      'tar',
      [`--format=${format}`, '--sort=name', '-cf', '-', '-C', dir, 'metadata', 'resources'],
      {
        maxBuffer: 64 * 1024 * 1024,
      },
    );

    // Act
    const entries = await readTar(bytes, 'random');

    // Assert
    const read = Object.fromEntries(entries.filter((e) => e.type === 'file').map((e) => [e.path, e.body]));
    expect(read).toEqual(all);
    expect(entries.find((e) => e.path.endsWith('/link'))?.type).toBe('other');
    expect(entries.filter((e) => e.type === 'directory').map((e) => e.path)).toContain('metadata/');
  });
});

describe('tarEntries refusing unsound archives', () => {
  it('refuses a header whose checksum does not match, naming its offset', async () => {
    // Arrange
    const bytes = await packWithTarStream(SAMPLE.slice(0, 2));
    bytes[1024 + 20] = 0x41; // in the second entry's name

    // Act
    const error = await readError(bytes);

    // Assert
    expect(error.offset).toBe(1024);
    expect(error.message).toMatch(
      /^tar stream at byte 1024: header checksum [0-7]+ does not match the header's bytes \([0-7]+\): corrupt/,
    );
  });

  it('refuses bytes that are not a tar archive', async () => {
    // Arrange
    const bytes = Buffer.from('{"this is":"json, not tar"}'.repeat(40));

    // Act
    const error = await readError(bytes);

    // Assert
    expect(error.message).toMatch(/^tar stream at byte 0: header checksum .* not a tar archive/);
  });

  it('refuses an archive cut inside a header', async () => {
    // Arrange
    const bytes = (await packWithTarStream(SAMPLE.slice(0, 2))).subarray(0, 1024 + 300);

    // Act
    const error = await readError(bytes);

    // Assert
    expect(error.message).toBe(
      "tar stream at byte 1024: the archive ends after 300 of a header's 512 bytes (truncated?)",
    );
  });

  it('refuses an archive cut inside a body, naming the entry', async () => {
    // Arrange
    const bytes = Buffer.concat([header('resources/a.json', 1500), Buffer.from('y'.repeat(1000))]);

    // Act
    const error = await readError(bytes);

    // Assert
    expect(error).toMatchObject({ offset: 0, entryPath: 'resources/a.json' });
    expect(error.message).toBe(
      'tar entry "resources/a.json" at byte 0: the archive ends after 1000 of the 1500 bytes that follow the header (truncated?)',
    );
  });

  it('refuses an archive cut inside the padding after a body', async () => {
    // Arrange
    const bytes = Buffer.concat([header('a.json', 10), Buffer.from('0123456789'), Buffer.alloc(100)]);

    // Act
    const error = await readError(bytes);

    // Assert
    expect(error.message).toContain('"a.json" at byte 0: the archive ends after 110 of the 512 bytes');
  });

  it('refuses an archive cut at an entry boundary, before its end blocks', async () => {
    // Arrange
    const bytes = (await packWithTarStream(SAMPLE.slice(0, 2))).subarray(0, 2048);

    // Act
    const error = await readError(bytes);

    // Assert
    expect(error.message).toBe(
      'tar stream at byte 2048: the archive ends after the last entry, without the zero blocks that mark its end (truncated?)',
    );
  });

  it('accepts one zero block then the end, and zero padding after the end blocks', async () => {
    // Arrange
    const entry = Buffer.concat([header('a.json', 2), padded('{}')]);
    const oneBlock = Buffer.concat([entry, Buffer.alloc(512)]);
    const recordPadded = Buffer.concat([entry, Buffer.alloc(10240 - 1024)]);

    // Act
    const fromOneBlock = await readTar(oneBlock);
    const fromPadded = await readTar(recordPadded, 100);

    // Assert
    const expected = [{ path: 'a.json', type: 'file', size: 2, body: '{}' }];
    expect(fromOneBlock).toEqual(expected);
    expect(fromPadded).toEqual(expected);
  });

  it('refuses data after the end-of-archive block instead of silently dropping it', async () => {
    // Arrange
    const first = await packWithTarStream(SAMPLE.slice(0, 1));
    const concatenated = Buffer.concat([first, await packWithTarStream(SAMPLE.slice(1, 2))]);

    // Act
    const error = await readError(concatenated);

    // Assert
    expect(error.message).toBe(
      `tar stream at byte ${first.length}: data follows the end-of-archive zero block`,
    );
  });

  it.each([
    ['does not end at its newline', '99 path=resources/a.json\n', '"99"'],
    ['is not a number', 'path=resources/a.json\n', '"path=resources/a.jso"'],
  ])('refuses a PAX record whose length %s', async (_case, records, quoted) => {
    // Arrange
    const bytes = Buffer.concat([
      header('PaxHeader/a', records.length, 'x'),
      padded(records),
      header('a', 0),
      END,
    ]);

    // Act
    const error = await readError(bytes);

    // Assert
    expect(error.offset).toBe(512);
    expect(error.message).toBe(`tar stream at byte 512: PAX record has a malformed length ${quoted}`);
  });

  it('refuses a size field that is not a number, naming the entry', async () => {
    // Arrange
    const bytes = Buffer.concat([header('resources/a.json', '00000x12345\0'), END]);

    // Act
    const error = await readError(bytes);

    // Assert
    expect(error.message).toBe(
      'tar entry "resources/a.json" at byte 0: header size field "00000x12345\\u0000" is not an octal number',
    );
  });

  it('refuses a header without ustar magic', async () => {
    // Arrange
    const bytes = Buffer.concat([header('a.json', 0, '0', 'garbage'), END]);

    // Act
    const error = await readError(bytes);

    // Assert
    expect(error.message).toMatch(/^tar stream at byte 0: header has no ustar magic \("garbage/);
  });

  it('refuses a file larger than maxEntryBytes before reading its body, naming it', async () => {
    // Arrange
    const bytes = await packWithTarStream([{ name: 'resources/huge.json', body: 'h'.repeat(5000) }]);

    // Act
    const error = await readError(bytes, { maxEntryBytes: 4096 });

    // Assert
    expect(error.message).toBe(
      'tar entry "resources/huge.json" at byte 0: body of 5000 bytes is over the limit of 4096 bytes',
    );
  });
});

describe('tarEntries and its chunk source', () => {
  it('pulls chunks only as entries are asked for, and lets the source go when the caller stops', async () => {
    // Arrange
    const entries = await Promise.all(
      ['a', 'b', 'c'].map((name) => packWithTarStream([{ name, body: name.repeat(600) }])),
    );
    const chunks = entries.map((bytes) => bytes.subarray(0, 2048));
    let pulled = 0;
    let released = false;
    const source = (async function* () {
      try {
        for (const chunk of chunks) {
          pulled += 1;
          yield chunk;
        }
      } finally {
        released = true;
      }
    })();

    // Act
    const reader = tarEntries(source);
    const first = await reader.next();
    const pulledForFirst = pulled;
    await reader.return();

    // Assert
    expect(first.value).toMatchObject({ path: 'a', size: 600 });
    expect(pulledForFirst).toBe(1);
    expect(released).toBe(true);
  });

  it('passes errors of the chunk source through unchanged', async () => {
    // Arrange
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const bytes = await packWithTarStream(SAMPLE);
    const source = (async function* () {
      yield bytes.subarray(0, 700);
      throw reset;
    })();

    // Act
    const read = (async () => {
      for await (const _ of tarEntries(source)) {
        // drain
      }
    })();

    // Assert
    await expect(read).rejects.toBe(reset);
  });
});
