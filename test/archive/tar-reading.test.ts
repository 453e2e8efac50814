// How the archive reader reads tar (through tar-stream): archives of other writers, broken archives and
// the entry each error names, the per-entry size cap, the end of the archive, and streaming.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type ArchiveEntry,
  ArchiveIntegrityError,
  DEFAULT_MAX_ENTRY_BYTES,
  readArchive,
  type VerifyArchiveOptions,
  verifyArchive,
} from '../../src/archive/index.ts';
import { paxRecord } from '../../src/archive/writer.ts';
import {
  configMap,
  drain,
  handmadeTar,
  type PackEntry,
  sha256,
  sourceOf,
  writeArchive,
} from './archive-helpers.ts';

const PART = 'part.tar.gz';

// One header block written by hand, for what tar-stream's packer does not produce: GNU 'L' records,
// base-256 sizes, broken fields. `size` is the raw 12-byte field when given as bytes.
function header(name: string, size: number | Buffer, type = '0', magic = 'ustar\u000000'): Buffer {
  const block = Buffer.alloc(512);
  block.write(name, 0, 100, 'utf8');
  block.write('0000644\0', 100, 'ascii');
  if (typeof size === 'number') block.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  else size.copy(block, 124);
  block.write('00000000000\0', 136, 'ascii');
  block.write(type, 156, 'ascii');
  block.write(magic, 257, 'latin1');
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return block;
}

/** A file member written by hand: its header, its body, the padding to the next block. */
function member(name: string, body: string | Buffer, type = '0', magic?: string): Buffer {
  const bytes = Buffer.from(body);
  return Buffer.concat([header(name, bytes.length, type, magic), padded(bytes)]);
}

function padded(bytes: Buffer): Buffer {
  return Buffer.concat([bytes, Buffer.alloc((512 - (bytes.length % 512)) % 512)]);
}

const END = Buffer.alloc(1024);
const VERSION: PackEntry = { name: 'metadata/version', body: '1.1.0' };

function objectPath(namespace: string, name: string): string {
  return `resources/configmaps/namespaces/${namespace}/${name}.json`;
}

function object(namespace: string, name: string, data: Record<string, string> = {}) {
  return { resource: 'configmaps', group: '', namespace, name, object: configMap(name, namespace, data) };
}

function objectEntry(namespace: string, name: string, data: Record<string, string> = {}): PackEntry {
  return { name: objectPath(namespace, name), body: JSON.stringify(configMap(name, namespace, data)) };
}

/** gzips a tar, records its checksum and size as a manifest would, and reads it with readArchive. */
async function readTar(
  tarBytes: Buffer,
  options: VerifyArchiveOptions & { chunkSize?: number } = {},
): Promise<{ items: ArchiveEntry[]; error: unknown }> {
  const bytes = gzipSync(tarBytes);
  const expected = { sha256: sha256(bytes), size: bytes.length };
  return drain(readArchive(sourceOf(bytes, options.chunkSize), expected, PART, options));
}

async function readError(tarBytes: Buffer, options: VerifyArchiveOptions = {}): Promise<Error> {
  const { items, error } = await readTar(tarBytes, options);
  expect(items).toEqual([]);
  expect(error).toBeInstanceOf(ArchiveIntegrityError);
  return error as Error;
}

// A short name, one split across the ustar prefix and name fields, one only PAX can hold, a body of
// exactly one block and one of several, a directory and a symlink (neither is an object).
const LONG_NAME = 'n'.repeat(150);
const SPLIT_NAMESPACE = 'q'.repeat(60);
const SAMPLE: PackEntry[] = [
  VERSION,
  objectEntry('shop', 'a', { a: '1' }),
  { name: 'resources/', type: 'directory' },
  { name: 'resources/configmaps/namespaces/shop/link.json', type: 'symlink', linkname: 'a.json' },
  objectEntry(SPLIT_NAMESPACE, 'settings'),
  objectEntry('shop', LONG_NAME, { value: 'x'.repeat(1500) }),
  objectEntry('shop', 'block', { value: 'b'.repeat(512 - 105) }),
];
const SAMPLE_OBJECTS = [
  object('shop', 'a', { a: '1' }),
  object(SPLIT_NAMESPACE, 'settings'),
  object('shop', LONG_NAME, { value: 'x'.repeat(1500) }),
  object('shop', 'block', { value: 'b'.repeat(512 - 105) }),
];

describe('readArchive reading the tar of other writers', () => {
  it('reads short, prefix-split and PAX long names, skipping directories and symlinks (tar-stream)', async () => {
    // Arrange
    const bytes = await handmadeTar(SAMPLE);

    // Act
    const { items, error } = await readTar(bytes);

    // Assert
    expect(error).toBeUndefined();
    expect(items).toEqual(SAMPLE_OBJECTS);
    expect(JSON.stringify(configMap('block', 'shop', { value: 'b'.repeat(512 - 105) }))).toHaveLength(512);
  });

  it.each([1, 7, 511, 512, 513, 1 << 20])(
    'yields the same objects whatever the chunking of the stored bytes (%s-byte chunks)',
    async (chunkSize) => {
      // Arrange
      const bytes = await handmadeTar(SAMPLE);

      // Act
      const { items, error } = await readTar(bytes, { chunkSize });

      // Assert
      expect(error).toBeUndefined();
      expect(items).toEqual(SAMPLE_OBJECTS);
    },
  );

  it('reads a GNU long name record (type L) in front of the entry it names', async () => {
    // Arrange
    const path = objectPath('shop', LONG_NAME);
    const body = JSON.stringify(configMap(LONG_NAME, 'shop'));
    const bytes = Buffer.concat([
      member('metadata/version', '1.1.0', '0', 'ustar  \0'),
      member('././@LongLink', `${path}\0`, 'L', 'ustar  \0'),
      member(path.slice(0, 100), body, '0', 'ustar  \0'),
      member(objectPath('shop', 'after'), JSON.stringify(configMap('after', 'shop')), '0', 'ustar  \0'),
      END,
    ]);

    // Act
    const { items, error } = await readTar(bytes, { chunkSize: 7 });

    // Assert
    expect(error).toBeUndefined();
    expect(items).toEqual([object('shop', LONG_NAME), object('shop', 'after')]);
  });

  it('reads a size in GNU base-256 and ignores PAX global headers', async () => {
    // Arrange
    const body = JSON.stringify(configMap('big', 'shop', { value: 'z'.repeat(600) }));
    const size = Buffer.alloc(12);
    size[0] = 0x80;
    size.writeUInt16BE(body.length, 10);
    const bytes = Buffer.concat([
      member('pax_global_header', '20 comment=ignored\n', 'g'),
      member('metadata/version', '1.1.0'),
      header(objectPath('shop', 'big'), size),
      padded(Buffer.from(body)),
      END,
    ]);

    // Act
    const { items, error } = await readTar(bytes);

    // Assert
    expect(error).toBeUndefined();
    expect(items).toEqual([object('shop', 'big', { value: 'z'.repeat(600) })]);
  });

  it('takes path and size from a PAX extended header over the header fields', async () => {
    // Arrange
    const path = objectPath('shop', LONG_NAME);
    const body = JSON.stringify(configMap(LONG_NAME, 'shop'));
    const records = `${paxRecord('path', path)}${paxRecord('size', String(body.length))}`;
    const bytes = Buffer.concat([
      member('metadata/version', '1.1.0'),
      member('PaxHeader/x', records, 'x'),
      header('truncated-name', 0),
      padded(Buffer.from(body)),
      END,
    ]);

    // Act
    const { items, error } = await readTar(bytes, { chunkSize: 513 });

    // Assert
    expect(error).toBeUndefined();
    expect(items).toEqual([object('shop', LONG_NAME)]);
  });
});

const gnuTar = (() => {
  const result = spawnSync('tar', ['--version'], { encoding: 'utf8' });
  return result.status === 0 && result.stdout.includes('GNU tar');
})();

describe.skipIf(!gnuTar)('readArchive reading archives of GNU tar', () => {
  const root = mkdtempSync(join(tmpdir(), 'eks-dr-tar-reading-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const objects = [
    object('shop', 'a', { a: '1' }),
    object('shop', 'big', { value: 'g'.repeat(5000) }),
    object(SPLIT_NAMESPACE, 'settings'),
  ];
  const make = (withLongName: boolean) => {
    const dir = mkdtempSync(join(root, 'tree-'));
    const all = withLongName ? [...objects, object('shop', LONG_NAME)] : objects;
    const files: Record<string, string> = { 'metadata/version': '1.1.0' };
    for (const entry of all) files[objectPath(entry.namespace, entry.name)] = JSON.stringify(entry.object);
    for (const [path, body] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), body);
    }
    symlinkSync('a.json', join(dir, objectPath('shop', 'link')));
    return { dir, all };
  };

  it.each([
    ['gnu', true],
    ['posix', true],
    ['ustar', false],
  ] as const)('reads a --format=%s archive, zero-padded to its record size', async (format, withLongName) => {
    // Arrange
    const { dir, all } = make(withLongName);
    const bytes = execFileSync(
      'tar',
      [`--format=${format}`, '--sort=name', '-cf', '-', '-C', dir, 'metadata', 'resources'],
      { maxBuffer: 64 * 1024 * 1024 },
    );

    // Act
    const { items, error } = await readTar(bytes, { chunkSize: 1000 });

    // Assert
    expect(bytes.length % 10240).toBe(0);
    expect(error).toBeUndefined();
    const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : 1);
    expect([...items].sort(byName)).toEqual([...all].sort(byName));
  });
});

describe('readArchive refusing unsound tar, naming the entry', () => {
  it('refuses a header whose checksum does not match, naming the entry before it', async () => {
    // Arrange
    const bytes = await handmadeTar([VERSION, objectEntry('shop', 'a')]);
    bytes[1024 + 20] = 0x41; // in the second entry's name

    // Act
    const error = await readError(bytes);

    // Assert
    expect(error.message).toBe(
      'part.tar.gz: corrupt tar stream: after tar entry "metadata/version": Invalid tar header. Maybe the tar is corrupted or it needs to be gunzipped?',
    );
  });

  it('refuses gzip bytes that are not a tar archive', async () => {
    // Arrange
    const bytes = Buffer.from('{"this is":"json, not tar"}'.repeat(40));

    // Act
    const error = await readError(bytes);

    // Assert
    expect(error.message).toMatch(
      /^part\.tar\.gz: corrupt tar stream: at the first tar header: Invalid tar header/,
    );
  });

  it('refuses a header without ustar magic', async () => {
    // Arrange
    const bytes = Buffer.concat([member('metadata/version', '1.1.0', '0', 'garbage'), END]);

    // Act
    const error = await readError(bytes);

    // Assert
    expect(error.message).toBe(
      'part.tar.gz: corrupt tar stream: at the first tar header: Invalid tar header: unknown format.',
    );
  });

  it('refuses a tar cut inside a header', async () => {
    // Arrange
    const bytes = (await handmadeTar([VERSION, objectEntry('shop', 'a')])).subarray(0, 1024 + 300);

    // Act
    const error = await readError(bytes);

    // Assert
    expect(error.message).toBe(
      'part.tar.gz: corrupt tar stream: after tar entry "metadata/version": the tar stream ends part-way through a header or padding (truncated?)',
    );
  });

  it('refuses a tar cut inside a body, naming the entry and how much of it there is', async () => {
    // Arrange
    const path = objectPath('shop', 'a');
    const bytes = Buffer.concat([
      member('metadata/version', '1.1.0'),
      header(path, 1500),
      Buffer.from('y'.repeat(1000)),
    ]);

    // Act
    const error = await readError(bytes);

    // Assert
    expect(error.message).toBe(
      `part.tar.gz: corrupt tar stream: tar entry "${path}": the tar stream ends after 1000 of its 1500 bytes (truncated?)`,
    );
  });

  it('refuses a tar cut inside the padding after a body', async () => {
    // Arrange
    const path = objectPath('shop', 'a');
    const body = JSON.stringify(configMap('a', 'shop'));
    const bytes = Buffer.concat([
      member('metadata/version', '1.1.0'),
      header(path, body.length),
      Buffer.from(body),
      Buffer.alloc(10),
    ]);

    // Act
    const error = await readError(bytes);

    // Assert
    expect(error.message).toBe(
      `part.tar.gz: corrupt tar stream: after tar entry "${path}": the tar stream ends part-way through a header or padding (truncated?)`,
    );
  });
});

describe('readArchive and verifyArchive with maxEntryBytes', () => {
  // A header that claims 1 GiB over 1 MiB of body: what a hostile writer puts in a small archive.
  const claimsGiB = () => {
    const path = objectPath('shop', 'huge');
    return Buffer.concat([
      member('metadata/version', '1.1.0'),
      header(path, 1024 ** 3),
      Buffer.alloc(1024 ** 2),
    ]);
  };

  it('refuses an entry whose header declares more than the cap, naming it, before reading its body', async () => {
    // Arrange
    const bytes = gzipSync(claimsGiB());
    const expected = { sha256: sha256(bytes), size: bytes.length };

    // Act
    const verifying = verifyArchive(sourceOf(bytes), expected, PART, { maxEntryBytes: 1024 ** 2 });
    const reading = drain(readArchive(sourceOf(bytes), expected, PART, { maxEntryBytes: 1024 ** 2 }));

    // Assert
    const message = `part.tar.gz: tar entry "${objectPath('shop', 'huge')}": 1073741824 bytes, over the limit of 1048576 bytes per entry`;
    await expect(verifying).rejects.toThrow(new ArchiveIntegrityError(PART, message.slice(PART.length + 2)));
    const { items, error } = await reading;
    expect(items).toEqual([]);
    expect((error as Error).message).toBe(message);
  });

  it('refuses it under the default cap too: no object a cluster served is near 1 GiB', async () => {
    // Arrange
    const bytes = claimsGiB();

    // Act
    const error = await readError(bytes);

    // Assert
    expect(error.message).toContain(
      `1073741824 bytes, over the limit of ${DEFAULT_MAX_ENTRY_BYTES} bytes per entry`,
    );
  });

  it('with the cap lifted, reads on and refuses the same archive only as truncated', async () => {
    // Arrange
    const bytes = claimsGiB();

    // Act
    const error = await readError(bytes, { maxEntryBytes: Number.POSITIVE_INFINITY });

    // Assert
    expect(error.message).toContain('the tar stream ends after 1048576 of its 1073741824 bytes (truncated?)');
  });

  it('accepts an entry of exactly the cap and refuses it one byte under', async () => {
    // Arrange
    const entry = objectEntry('shop', 'a', { value: 'v'.repeat(1000) });
    const size = Buffer.byteLength(entry.body ?? '');
    const bytes = await handmadeTar([VERSION, entry]);

    // Act
    const atCap = await readTar(bytes, { maxEntryBytes: size });
    const underCap = await readTar(bytes, { maxEntryBytes: size - 1 });

    // Assert
    expect(atCap.error).toBeUndefined();
    expect(atCap.items).toEqual([object('shop', 'a', { value: 'v'.repeat(1000) })]);
    expect((underCap.error as Error).message).toContain(`${size} bytes, over the limit of ${size - 1} bytes`);
  });

  it('refuses a cap that is not a number of bytes, naming the option', async () => {
    // Arrange
    const { bytes, summary } = await writeArchive([object('shop', 'a')]);

    // Act
    const verifying = verifyArchive(sourceOf(bytes), summary, PART, { maxEntryBytes: -1 });

    // Assert
    await expect(verifying).rejects.toThrow(
      /^maxEntryBytes must be a number of bytes \(0 or more\), got -1$/,
    );
  });
});

// The manifest's size and sha256 cover the whole gzip stream, so the reader keeps no end-of-archive checks
// of its own (see tarFiles in src/archive/reader.ts); these say what it does instead.
describe('readArchive at the end of the tar', () => {
  it('reads a tar that lacks its zero blocks inside a sealed gzip stream: completeness is the manifest’s to judge', async () => {
    // Arrange
    const whole = await handmadeTar([VERSION, objectEntry('shop', 'a')]);

    // Act
    const { items, error } = await readTar(whole.subarray(0, whole.length - 1024));

    // Assert
    expect(error).toBeUndefined();
    expect(items).toEqual([object('shop', 'a')]);
  });

  it('reads the entries of a second tar after the zero blocks of the first, rather than dropping them', async () => {
    // Arrange
    const first = await handmadeTar([VERSION, objectEntry('shop', 'a')]);
    const second = await handmadeTar([objectEntry('shop', 'b')]);

    // Act
    const { items, error } = await readTar(Buffer.concat([first, second]));

    // Assert
    expect(error).toBeUndefined();
    expect(items).toEqual([object('shop', 'a'), object('shop', 'b')]);
  });

  it('refuses bytes after the zero blocks that are not a tar header', async () => {
    // Arrange
    const whole = await handmadeTar([VERSION, objectEntry('shop', 'a')]);
    const trailing = Buffer.from('trailing data, not a header '.repeat(20));

    // Act
    const error = await readError(Buffer.concat([whole, trailing]));

    // Assert
    expect(error.message).toMatch(
      /^part\.tar\.gz: corrupt tar stream: after tar entry "resources\/configmaps\/namespaces\/shop\/a\.json": Invalid tar header/,
    );
  });
});

describe('readArchive streaming the part', () => {
  it('reads the part again only as far as objects are taken, and lets it go when the caller stops', async () => {
    // Arrange
    // Hex digests do not compress away, so the part is large next to the buffers between it and tar.
    const value = (i: number) =>
      Array.from({ length: 30 }, (_, j) => sha256(Buffer.from(`${i}.${j}`))).join('');
    const entries = Array.from({ length: 1000 }, (_, i) =>
      object('shop', `object-${i}`, { value: value(i) }),
    );
    const { bytes, summary } = await writeArchive(entries);
    const opened: { read: number; destroyed: boolean }[] = [];
    const source = () => {
      const stream = sourceOf(bytes, 16 * 1024)();
      const pass = { read: 0, destroyed: false };
      opened.push(pass);
      stream.on('data', (chunk: Buffer) => {
        pass.read += chunk.length;
      });
      stream.on('close', () => {
        pass.destroyed = true;
      });
      return stream;
    };

    // Act
    const reader = readArchive(source, summary, PART);
    const first = await reader.next();
    await reader.return();

    // Assert
    expect(first.value).toEqual(entries[0]);
    expect(opened).toHaveLength(2);
    expect(opened[0]?.read).toBe(bytes.length);
    expect(opened[1]?.read).toBeLessThan(bytes.length / 4);
    expect(opened[1]?.destroyed).toBe(true);
  });

  it('passes errors of the source on the second pass through unchanged', async () => {
    // Arrange
    const { bytes, summary } = await writeArchive([object('shop', 'a'), object('shop', 'b')]);
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    let opened = 0;
    const source = () =>
      opened++ === 0
        ? sourceOf(bytes)()
        : Readable.from(
            (async function* () {
              yield bytes.subarray(0, 20);
              throw reset;
            })(),
          );

    // Act
    const { items, error } = await drain(readArchive(source, summary, PART));

    // Assert
    expect(items).toEqual([]);
    expect(error).toBe(reset);
  });
});
