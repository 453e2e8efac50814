import { createHash, type Hash } from 'node:crypto';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { ArchiveIntegrityError, UnsupportedFormatVersionError } from './errors.ts';
import {
  ARCHIVE_FORMAT_VERSION,
  type EntryLocation,
  parseEntryPath,
  resourceKey,
  VERSION_ENTRY_PATH,
} from './layout.ts';
import { majorOf } from './manifest.ts';
import { type TarEntry, tarEntries } from './tar-entries.ts';
import type { ArchiveEntry } from './writer.ts';

/** The checksum and size a manifest records for one archive part. */
export interface ExpectedPart {
  sha256: string;
  size: number;
}

/** Opens a fresh stream of an archive part's bytes; called once per pass over the part. */
export type ArchiveSource = () => Readable | Promise<Readable>;

/** What a verified archive part holds. */
export interface ArchiveContents {
  sha256: string;
  size: number;
  /** Objects per `<resource>[.<group>]`, sorted by key. */
  counts: Record<string, number>;
  totalObjects: number;
}

type StructuralError = ArchiveIntegrityError | UnsupportedFormatVersionError;

/**
 * Streams one archive part once and throws unless it is sound: size and sha256 as the manifest says
 * (ArchiveIntegrityError), gzip and tar intact, `metadata/version` of a supported major version first
 * (UnsupportedFormatVersionError), every resource entry a JSON object. Size and checksum are judged
 * first, because "truncated" or "sha256 mismatch" explains a broken gzip stream better than zlib does.
 * Errors of the source stream itself (a reset connection, a missing object) pass through unchanged, so
 * callers can retry those and stop on integrity errors.
 */
export async function verifyArchive(
  source: ArchiveSource,
  expected: ExpectedPart,
  partName: string,
): Promise<ArchiveContents> {
  const meter = new PartMeter(expected, partName);
  const counts = new Map<string, number>();
  let total = 0;

  const input = new PassThrough();
  const gunzip = createGunzip();
  let gzipError: unknown;
  gunzip.on('error', (error) => {
    gzipError ??= error;
  });
  let structural: StructuralError | undefined;
  let tarFailure: StructuralError | undefined;
  const fail = (error: StructuralError) => {
    structural ??= error;
    // The remaining bytes are still hashed, but no longer unpacked.
    input.destroy();
  };
  const unpacking = pipeline(input, gunzip, async (tar: AsyncIterable<Buffer>) => {
    try {
      for await (const { location, path, body } of resourceEntries(tarEntries(tar), partName)) {
        parseObject(partName, path, body);
        const key = resourceKey(location.resource, location.group);
        counts.set(key, (counts.get(key) ?? 0) + 1);
        total += 1;
      }
    } catch (error) {
      // Decided here, while it is known which layer threw: the pipeline then fails gunzip with this error too.
      if (error !== gzipError) tarFailure = asStructural(partName, error);
      throw error;
    }
  });
  unpacking.catch((error: unknown) => fail(tarFailure ?? corrupt(partName, 'gzip', error)));

  const stream = await source();
  try {
    for await (const chunk of stream) {
      const bytes = meter.addWithinLimit(chunk);
      if (structural === undefined && !input.write(bytes)) await drainedOrClosed(input);
    }
    input.end();
    await unpacking.catch(() => {});
  } finally {
    stream.destroy();
    input.destroy();
    await unpacking.catch(() => {});
  }
  const sha256 = meter.check('');
  if (structural !== undefined) throw structural;
  return { sha256, size: meter.size, counts: sortedRecord(counts), totalObjects: total };
}

/**
 * Streams an archive part and checks only its size and sha256 against the manifest (no unpacking): the
 * cheap check for a copy of a part that verifyArchive has already judged sound at its source.
 */
export async function verifyArchiveDigest(
  source: ArchiveSource,
  expected: ExpectedPart,
  partName: string,
): Promise<void> {
  const meter = new PartMeter(expected, partName);
  const stream = await source();
  try {
    for await (const chunk of stream) meter.addWithinLimit(chunk);
  } finally {
    stream.destroy();
  }
  meter.check('');
}

/**
 * Yields every object of an archive part, after first streaming the whole part once to verify it
 * (verifyArchive), so nothing is yielded from an archive that does not match its manifest or is broken
 * anywhere. Entries other than resources are skipped.
 */
export async function* readArchive(
  source: ArchiveSource,
  expected: ExpectedPart,
  partName: string,
  options: ReadArchiveOptions = {},
): AsyncGenerator<ArchiveEntry, void, undefined> {
  const contents = await verifyArchive(source, expected, partName);
  options.checkContents?.(contents);
  yield* extractEntries(await source(), expected, partName);
}

/** Options of readArchive. */
export interface ReadArchiveOptions {
  /** Called after verification and before the first object is yielded; throw to refuse the archive. */
  checkContents?: (contents: ArchiveContents) => void;
}

async function* extractEntries(
  input: Readable,
  expected: ExpectedPart,
  partName: string,
): AsyncGenerator<ArchiveEntry, void, undefined> {
  const digest = new PartMeter(expected, partName);
  // Once one stream fails, the pipeline destroys the others with the same error; the first to fail says
  // whether the bytes are corrupt (gzip) or the source could not deliver them (retryable).
  let sourceFailure: { error: unknown } | undefined;
  input.on('error', (error) => {
    sourceFailure ??= { error };
  });
  const gunzip = createGunzip();
  let gzipFailure: { error: unknown } | undefined;
  gunzip.on('error', (error) => {
    gzipFailure ??= { error };
  });
  const meter = async function* (chunks: AsyncIterable<unknown>) {
    for await (const chunk of chunks) yield digest.add(chunk);
  };
  // tarEntries pulls from gunzip, so the pipeline reads the source only as fast as entries are taken.
  const feeding = pipeline(input, meter, gunzip);
  feeding.catch(() => {}); // judged below, once the entries are read or have failed

  try {
    for await (const { location, path, body } of resourceEntries(tarEntries(gunzip), partName)) {
      yield { ...location, object: parseObject(partName, path, body) };
    }
    await feeding;
  } catch (error) {
    if (sourceFailure !== undefined) throw sourceFailure.error;
    if (gzipFailure !== undefined && gzipFailure.error === error) throw corrupt(partName, 'gzip', error);
    throw asStructural(partName, error);
  } finally {
    input.destroy();
    gunzip.destroy();
    await feeding.catch(() => {});
  }
  // The part was verified a moment ago; this catches it being replaced between the two reads.
  digest.check(' since it was verified (was it overwritten?)');
}

/** The resource entries of a tar stream, after checking that `metadata/version` comes first and is supported. */
async function* resourceEntries(
  entries: AsyncIterable<TarEntry>,
  partName: string,
): AsyncGenerator<{ location: EntryLocation; path: string; body: Buffer }, void, undefined> {
  let sawVersion = false;
  for await (const { path, type, body } of entries) {
    if (path === VERSION_ENTRY_PATH) {
      checkVersion(partName, body.toString('utf8'));
      sawVersion = true;
      continue;
    }
    const location = type === 'file' ? parseEntryPath(path) : undefined;
    if (location === undefined) continue;
    if (!sawVersion) throw missingVersion(partName);
    yield { location, path, body };
  }
  if (!sawVersion) throw missingVersion(partName);
}

function asStructural(partName: string, error: unknown): StructuralError {
  if (error instanceof ArchiveIntegrityError || error instanceof UnsupportedFormatVersionError) return error;
  return corrupt(partName, 'tar', error);
}

function corrupt(partName: string, layer: 'gzip' | 'tar', cause: unknown): ArchiveIntegrityError {
  if (cause instanceof ArchiveIntegrityError) return cause;
  const message = cause instanceof Error ? cause.message : String(cause);
  return new ArchiveIntegrityError(partName, `corrupt ${layer} stream: ${message}`, { cause });
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

function parseObject(partName: string, path: string, body: Buffer): Record<string, unknown> {
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
  return object as Record<string, unknown>;
}

/** Counts and hashes the bytes of one archive part, and judges them against its manifest entry. */
class PartMeter {
  readonly #hash: Hash = createHash('sha256');
  size = 0;

  constructor(
    private readonly expected: ExpectedPart,
    private readonly partName: string,
  ) {}

  add(chunk: unknown): Buffer {
    const bytes = toBuffer(chunk);
    this.size += bytes.byteLength;
    this.#hash.update(bytes);
    return bytes;
  }

  /** As add, but refuses at once when the part grows past the manifest's size. */
  addWithinLimit(chunk: unknown): Buffer {
    const bytes = this.add(chunk);
    if (this.size > this.expected.size) {
      // No need to read on: it is wrong already, and an oversized object could be arbitrarily large.
      throw new ArchiveIntegrityError(
        this.partName,
        `size over ${this.expected.size} bytes, manifest says ${this.expected.size} (extra data or wrong manifest?)`,
      );
    }
    return bytes;
  }

  /** Throws unless size and sha256 are the manifest's; returns the sha256. */
  check(suffix: string): string {
    const { expected, partName, size } = this;
    if (size !== expected.size) {
      const hint = size < expected.size ? ' (truncated?)' : '';
      throw new ArchiveIntegrityError(
        partName,
        `size ${size} bytes, manifest says ${expected.size}${hint}${suffix}`,
      );
    }
    const actual = this.#hash.digest('hex');
    if (actual !== expected.sha256.toLowerCase()) {
      throw new ArchiveIntegrityError(
        partName,
        `sha256 mismatch${suffix}: computed ${actual}, manifest says ${expected.sha256}`,
      );
    }
    return actual;
  }
}

function sortedRecord(counts: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
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
