import { createHash, type Hash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { ArchiveIntegrityError, UnsupportedFormatVersionError } from './errors.ts';
import { ARCHIVE_FORMAT_VERSION, parseEntryPath, VERSION_ENTRY_PATH } from './layout.ts';
import { majorOf } from './manifest.ts';
import type { ArchiveEntry } from './writer.ts';

/** The checksum and size a manifest records for one archive part. */
export interface ExpectedPart {
  sha256: string;
  size: number;
}

/**
 * Streams one archive part and throws ArchiveIntegrityError unless its size and sha256 match the manifest.
 * Errors of the source stream itself (a reset connection, a missing object) pass through unchanged, so
 * callers can retry those and stop on integrity errors.
 */
export async function verifyArchive(
  source: () => Readable,
  expected: ExpectedPart,
  partName: string,
): Promise<void> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of source()) {
    const bytes = toBuffer(chunk);
    size += bytes.byteLength;
    if (size > expected.size) {
      // No need to read on: it is wrong already, and an oversized object could be arbitrarily large.
      throw new ArchiveIntegrityError(
        partName,
        `size over ${expected.size} bytes, manifest says ${expected.size} (extra data or wrong manifest?)`,
      );
    }
    hash.update(bytes);
  }
  checkDigest(partName, expected, hash, size, '');
}

/**
 * Yields every object of an archive part, after first streaming the whole part once to verify it, so
 * nothing is yielded from an archive that does not match its manifest. Entries other than resources are skipped.
 */
export async function* readArchive(
  source: () => Readable,
  expected: ExpectedPart,
  partName: string,
): AsyncGenerator<ArchiveEntry, void, undefined> {
  await verifyArchive(source, expected, partName);
  yield* extractEntries(source(), expected, partName);
}

type Origin = 'source' | 'gzip' | 'tar';

async function* extractEntries(
  input: Readable,
  expected: ExpectedPart,
  partName: string,
): AsyncGenerator<ArchiveEntry, void, undefined> {
  const gunzip = createGunzip();
  const extract = tar.extract();
  const hash = createHash('sha256');
  let size = 0;
  // Once one stream fails, the pipeline destroys the others with the same error; the first to fail says
  // whether the bytes are corrupt (gzip, tar) or the source could not deliver them (retryable).
  let firstFailure: { origin: Origin; error: unknown } | undefined;
  const noteFailure = (origin: Origin) => (error: unknown) => {
    firstFailure ??= { origin, error };
  };
  input.on('error', noteFailure('source'));
  gunzip.on('error', noteFailure('gzip'));
  extract.on('error', noteFailure('tar'));

  const meter = async function* (chunks: AsyncIterable<unknown>) {
    for await (const chunk of chunks) {
      const bytes = toBuffer(chunk);
      hash.update(bytes);
      size += bytes.byteLength;
      yield bytes;
    }
  };
  const feed = async (chunks: AsyncIterable<Buffer>) => {
    for await (const chunk of chunks) {
      if (!extract.write(chunk)) await drainedOrClosed(extract);
      if (extract.destroyed) return;
    }
    extract.end(null); // streamx's typings insist on an argument; null means "no final chunk"
  };
  const feeding = pipeline(input, meter, gunzip, feed);
  feeding.catch((error: unknown) => extract.destroy(error as Error));

  let sawVersion = false;
  try {
    for await (const entry of extract) {
      const path = entry.header.name;
      if (path === VERSION_ENTRY_PATH) {
        checkVersion(partName, (await readAll(entry)).toString('utf8'));
        sawVersion = true;
        continue;
      }
      const location = entry.header.type === 'file' ? parseEntryPath(path) : undefined;
      if (location === undefined) {
        entry.resume();
        continue;
      }
      if (!sawVersion) throw missingVersion(partName);
      const object = parseObject(partName, path, await readAll(entry));
      yield { ...location, object };
    }
    if (!sawVersion) throw missingVersion(partName);
    await feeding;
  } catch (error) {
    throw classify(error, firstFailure, partName);
  } finally {
    input.destroy();
    gunzip.destroy();
    extract.destroy();
    await feeding.catch(() => {});
  }
  // The part was verified a moment ago; this catches it being replaced between the two reads.
  checkDigest(partName, expected, hash, size, ' since it was verified (was it overwritten?)');
}

function classify(
  error: unknown,
  firstFailure: { origin: Origin; error: unknown } | undefined,
  partName: string,
) {
  if (error instanceof ArchiveIntegrityError || error instanceof UnsupportedFormatVersionError) return error;
  if (firstFailure?.origin === 'source') return firstFailure.error;
  const cause = firstFailure?.error ?? error;
  const what = firstFailure?.origin === 'gzip' ? 'corrupt gzip stream' : 'corrupt tar stream';
  return new ArchiveIntegrityError(partName, `${what}: ${(cause as Error)?.message ?? String(cause)}`, {
    cause,
  });
}

function checkVersion(partName: string, text: string): void {
  const version = text.trim();
  if (majorOf(version) !== majorOf(ARCHIVE_FORMAT_VERSION)) {
    throw new UnsupportedFormatVersionError(
      `${partName} ${VERSION_ENTRY_PATH}`,
      version,
      ARCHIVE_FORMAT_VERSION,
    );
  }
}

function missingVersion(partName: string): UnsupportedFormatVersionError {
  return new UnsupportedFormatVersionError(
    `${partName} ${VERSION_ENTRY_PATH}`,
    undefined,
    ARCHIVE_FORMAT_VERSION,
  );
}

function parseObject(partName: string, path: string, body: Buffer): unknown {
  let object: unknown;
  try {
    object = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new ArchiveIntegrityError(partName, `${path}: not valid JSON (${(error as Error).message})`, {
      cause: error,
    });
  }
  if (typeof object !== 'object' || object === null || Array.isArray(object)) {
    throw new ArchiveIntegrityError(partName, `${path}: expected a JSON object`);
  }
  return object;
}

function checkDigest(
  partName: string,
  expected: ExpectedPart,
  hash: Hash,
  size: number,
  suffix: string,
): void {
  if (size !== expected.size) {
    const hint = size < expected.size ? ' (truncated?)' : '';
    throw new ArchiveIntegrityError(
      partName,
      `size ${size} bytes, manifest says ${expected.size}${hint}${suffix}`,
    );
  }
  const actual = hash.digest('hex');
  if (actual !== expected.sha256.toLowerCase()) {
    throw new ArchiveIntegrityError(
      partName,
      `sha256 mismatch${suffix}: computed ${actual}, manifest says ${expected.sha256}`,
    );
  }
}

async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(toBuffer(chunk));
  return Buffer.concat(chunks);
}

function drainedOrClosed(stream: NodeJS.EventEmitter): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk);
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError(`archive source yielded ${typeof chunk}, expected bytes`);
}
