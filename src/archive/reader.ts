import { createHash, type Hash } from 'node:crypto';
import { PassThrough, type Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { isRecord } from '../util/is-record.ts';
import { ArchiveIntegrityError, UnsupportedFormatVersionError } from './errors.ts';
import {
  ARCHIVE_FORMAT_VERSION,
  type EntryLocation,
  parseEntryPath,
  resourceKey,
  VERSION_ENTRY_PATH,
} from './layout.ts';
import { majorOf } from './manifest.ts';
import type { ArchiveEntry } from './writer.ts';

/** The checksum and size a manifest records for one archive part. */
export interface ExpectedPart {
  sha256: string;
  size: number;
  /** Bytes of the tar inside, when the manifest records it: unpacking more is refused at the first byte over. */
  contentBytes?: number | undefined;
}

/**
 * Largest entry body read unless told otherwise. The API server refuses request bodies over 3 MiB, and etcd
 * holds at most 1.5 MiB per object, so no object a cluster served can be near this in JSON; an archive entry
 * that is names something no cluster made, and would otherwise be held in memory whole.
 */
export const DEFAULT_MAX_ENTRY_BYTES = 4 * 1024 * 1024;

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

/** Options of verifyArchive; readArchive takes them too. */
export interface VerifyArchiveOptions {
  /**
   * Largest entry body, in bytes, held in memory: an entry whose tar header declares more is refused,
   * naming it, before any of its body is read.
   * @default DEFAULT_MAX_ENTRY_BYTES
   */
  maxEntryBytes?: number;
}

/**
 * Streams one archive part once and throws unless it is sound: size and sha256 as the manifest says
 * (ArchiveIntegrityError), gzip and tar intact, `metadata/version` of a supported major version first
 * (UnsupportedFormatVersionError), every resource entry a JSON object within `maxEntryBytes`. Size and
 * checksum are judged first, because "truncated" or "sha256 mismatch" explains a broken gzip stream
 * better than zlib does. Errors of the source stream itself (a reset connection, a missing object) pass
 * through unchanged, so callers can retry those and stop on integrity errors.
 */
export async function verifyArchive(
  source: ArchiveSource,
  expected: ExpectedPart,
  partName: string,
  options: VerifyArchiveOptions = {},
): Promise<ArchiveContents> {
  const limits = readLimits(expected, options);
  const meter = new PartMeter(expected, partName);
  const counts = new Map<string, number>();
  let total = 0;

  const stream = await source();
  // Fed by the loop below rather than piped from the source, so that the whole part is hashed even when
  // unpacking has already failed.
  const input = new PassThrough();
  let structural: StructuralError | undefined;
  const unpacking = (async () => {
    for await (const { location, path, body } of resourceEntries(
      tarFiles([input], partName, limits),
      partName,
    )) {
      checkIdentity(partName, path, location, parseObject(partName, path, body));
      const key = resourceKey(location.resource, location.group);
      counts.set(key, (counts.get(key) ?? 0) + 1);
      total += 1;
    }
  })();
  unpacking.catch((error: unknown) => {
    structural ??= asStructural(partName, error);
    // The remaining bytes are still hashed, but no longer unpacked.
    input.destroy();
  });

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
  const contents = await verifyArchive(source, expected, partName, options);
  options.checkContents?.(contents);
  yield* extractEntries(await source(), expected, partName, readLimits(expected, options));
}

/** Options of readArchive. */
export interface ReadArchiveOptions extends VerifyArchiveOptions {
  /** Called after verification and before the first object is yielded; throw to refuse the archive. */
  checkContents?: (contents: ArchiveContents) => void;
}

async function* extractEntries(
  input: Readable,
  expected: ExpectedPart,
  partName: string,
  limits: ReadLimits,
): AsyncGenerator<ArchiveEntry, void, undefined> {
  const digest = new PartMeter(expected, partName);
  const meter = new Transform({
    transform(chunk: unknown, _encoding, done) {
      try {
        done(null, digest.add(chunk));
      } catch (error) {
        done(error as Error);
      }
    },
  });
  try {
    for await (const { location, path, body } of resourceEntries(
      tarFiles([input, meter], partName, limits),
      partName,
    )) {
      const object = parseObject(partName, path, body);
      checkIdentity(partName, path, location, object);
      yield { ...location, object };
    }
  } finally {
    input.destroy();
  }
  // The part was verified a moment ago; this catches it being replaced between the two reads.
  digest.check(' since it was verified (was it overwritten?)');
}

/** A regular file of a tar stream, its body read whole. */
interface TarFile {
  path: string;
  body: Buffer;
}

type Layer = 'source' | 'gzip' | 'tar';

const GUNZIP_CHUNK_BYTES = 64 * 1024;

/**
 * Yields the regular files of a gzip'd tar stream as tar-stream reads them, taking bytes from `source`
 * (a chain of streams, piped in order) only as fast as files are taken. Errors of the source pass
 * through unchanged; broken gzip or tar, and a file over `maxEntryBytes`, are ArchiveIntegrityErrors
 * naming the part and, for tar, the entry at fault.
 *
 * No end-of-archive checks of our own. The manifest's size and sha256 cover every byte of the gzip
 * stream (and gzip's trailer, CRC-32 and length, the tar inside it), so an archive cut short or altered
 * after it was written is refused on those, whatever its tar says. A tar without its zero blocks inside
 * a sound gzip stream that matches its manifest can only have been written that way, and a writer that
 * drops entries can as easily end the archive properly: the zero blocks prove nothing that the
 * manifest's counts (and its signature) do not. Past the zero blocks tar-stream reads on, so a second
 * archive's entries are read, counted and judged like the rest rather than dropped, and bytes there that
 * are not a header are refused as one.
 */
async function* tarFiles(
  source: Readable[],
  partName: string,
  { maxEntryBytes, maxContentBytes }: ReadLimits,
): AsyncGenerator<TarFile, void, undefined> {
  // 64 KiB out of zlib instead of its 16: a quarter of the chunks through gunzip and tar-stream, which
  // took 15% off the CPU time of verifying an 80 MB tar (15 MB gzip'd) of generated objects.
  const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
  const extract = tar.extract();
  // Once one stream fails, the pipeline destroys the others with the same error, so the first to fail
  // says where the fault is: the source (retryable), gzip or tar (corrupt). These listeners are added
  // before the pipeline's own, so they see each failure first.
  let failure: { layer: Layer; error: unknown } | undefined;
  const watch = (layer: Layer, stream: NodeJS.EventEmitter) =>
    stream.on('error', (error: unknown) => {
      failure ??= { layer, error };
    });
  for (const stream of source) watch('source', stream);
  watch('gzip', gunzip);
  watch('tar', extract);
  // extract is a streamx Writable: node's pipeline drives it like a stream.Writable (write() and 'drain'
  // for backpressure, destroy() on failure), which its typings do not say.
  const content = contentMeter(partName, maxContentBytes);
  watch('gzip', content);
  const piping = pipeline([...source, gunzip, content, extract as unknown as NodeJS.WritableStream]);
  piping.catch(() => {}); // judged below

  const at: TarPosition = {};
  try {
    for await (const entry of extract) {
      const { name: path, size, type } = entry.header;
      if (type !== 'file' && type !== 'contiguous-file') {
        // Directories, links and devices are not objects; their (empty) bodies still have to be drained.
        entry.resume();
        at.previous = path;
        continue;
      }
      if (size > maxEntryBytes) {
        throw new ArchiveIntegrityError(
          partName,
          `tar entry ${JSON.stringify(path)}: ${size} bytes, over the limit of ${maxEntryBytes} bytes per entry`,
        );
      }
      const body: Buffer[] = [];
      const reading = { path, size, received: 0 };
      at.entry = reading;
      for await (const chunk of entry) {
        const bytes = toBuffer(chunk);
        body.push(bytes);
        reading.received += bytes.byteLength;
      }
      at.entry = undefined;
      at.previous = path;
      yield { path, body: body.length === 1 ? (body[0] as Buffer) : Buffer.concat(body, size) };
    }
    await piping;
  } catch (error) {
    if (error instanceof ArchiveIntegrityError) throw error;
    // Settles the pipeline, so that `failure` names the stream that failed first.
    extract.destroy();
    await piping.catch(() => {});
    if (failure === undefined) throw error;
    if (failure.layer === 'source') throw failure.error;
    if (failure.error instanceof ArchiveIntegrityError) throw failure.error;
    if (failure.layer === 'gzip') throw corrupt(partName, 'gzip', failure.error);
    throw corruptTar(partName, at, failure.error);
  } finally {
    // Stops the pipeline, and so the source, when the caller stopped early.
    extract.destroy();
    await piping.catch(() => {});
  }
}

/** Where tar reading was when it failed: inside an entry's body, or after the last entry read. */
interface TarPosition {
  entry?: { path: string; size: number; received: number } | undefined;
  previous?: string;
}

// tar-stream's words for a tar stream that stops inside a header, a body or the padding after one.
const TAR_STREAM_TRUNCATED = 'Unexpected end of data';

function corruptTar(partName: string, at: TarPosition, cause: unknown): ArchiveIntegrityError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  let detail: string;
  if (at.entry !== undefined) {
    const { path, size, received } = at.entry;
    detail =
      reason === TAR_STREAM_TRUNCATED
        ? `tar entry ${JSON.stringify(path)}: the tar stream ends after ${received} of its ${size} bytes (truncated?)`
        : `tar entry ${JSON.stringify(path)}, after ${received} of its ${size} bytes: ${reason}`;
  } else {
    const where =
      at.previous === undefined
        ? 'at the first tar header'
        : `after tar entry ${JSON.stringify(at.previous)}`;
    detail =
      reason === TAR_STREAM_TRUNCATED
        ? `${where}: the tar stream ends part-way through a header or padding (truncated?)`
        : `${where}: ${reason}`;
  }
  return new ArchiveIntegrityError(partName, `corrupt tar stream: ${detail}`, { cause });
}

/**
 * The resource entries of a tar stream, after checking that `metadata/version` comes first and is supported.
 * Each entry must be where the layout puts objects, unique, and say of itself what its path says (name,
 * namespace, API group): a restore takes an object's identity from both, so an archive in which they differ
 * could write one object while reporting another. Anything else in the tar is refused, not skipped: this
 * writer puts nothing else there, so it was put there by someone else.
 */
async function* resourceEntries(
  files: AsyncIterable<TarFile>,
  partName: string,
): AsyncGenerator<{ location: EntryLocation; path: string; body: Buffer }, void, undefined> {
  let sawVersion = false;
  const seen = new Map<string, string>();
  for await (const { path, body } of files) {
    if (path === VERSION_ENTRY_PATH) {
      if (sawVersion) throw new ArchiveIntegrityError(partName, `${path}: appears twice`);
      checkVersion(partName, body.toString('utf8'));
      sawVersion = true;
      continue;
    }
    const location = parseEntryPath(path);
    if (location === undefined) {
      throw new ArchiveIntegrityError(
        partName,
        `tar entry ${JSON.stringify(path)}: not part of the backup layout (expected ${VERSION_ENTRY_PATH} or resources/<resource>/namespaces/<namespace>/<name>.json or resources/<resource>/cluster/<name>.json)`,
      );
    }
    if (!sawVersion) throw missingVersion(partName);
    const identity = `${resourceKey(location.resource, location.group)}/${location.namespace ?? ''}/${location.name}`;
    const first = seen.get(identity);
    if (first !== undefined) {
      throw new ArchiveIntegrityError(partName, `${path}: the same object twice (first as ${first})`);
    }
    seen.set(identity, path);
    yield { location, path, body };
  }
  if (!sawVersion) throw missingVersion(partName);
}

/** Throws unless the object at `path` names itself as its path does: name, namespace and API group. */
function checkIdentity(
  partName: string,
  path: string,
  location: EntryLocation,
  object: Record<string, unknown>,
): void {
  const metadata = isRecord(object.metadata) ? object.metadata : {};
  const mismatch = (field: string, inBody: unknown, inPath: string) =>
    new ArchiveIntegrityError(
      partName,
      `${path}: its ${field} is ${JSON.stringify(inBody ?? null)} but its path says ${JSON.stringify(inPath)}`,
    );
  if (metadata.name !== location.name) throw mismatch('metadata.name', metadata.name, location.name);
  const namespace = metadata.namespace === '' ? undefined : metadata.namespace;
  if (namespace !== location.namespace) {
    throw mismatch('metadata.namespace', namespace, location.namespace ?? '(cluster-scoped)');
  }
  const apiVersion = object.apiVersion;
  if (typeof apiVersion !== 'string' || apiVersion === '') {
    throw new ArchiveIntegrityError(partName, `${path}: has no apiVersion`);
  }
  const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
  if (group !== location.group)
    throw mismatch('API group (apiVersion)', apiVersion, location.group || '(core)');
  if (typeof object.kind !== 'string' || object.kind === '') {
    throw new ArchiveIntegrityError(partName, `${path}: has no kind`);
  }
}

/** How much one part may unpack to: per entry, and in all. */
interface ReadLimits {
  maxEntryBytes: number;
  maxContentBytes: number;
}

function readLimits(expected: ExpectedPart, { maxEntryBytes }: VerifyArchiveOptions): ReadLimits {
  const perEntry = maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES;
  if (!(perEntry >= 0)) {
    throw new RangeError(`maxEntryBytes must be a number of bytes (0 or more), got ${maxEntryBytes}`);
  }
  return { maxEntryBytes: perEntry, maxContentBytes: expected.contentBytes ?? Number.POSITIVE_INFINITY };
}

/**
 * Passes the unpacked tar bytes on, failing at the first byte past what the manifest declared: a gzip
 * stream of a few MB can unpack to gigabytes, and the sha256 of the compressed bytes says nothing of that.
 */
function contentMeter(partName: string, maxContentBytes: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.byteLength;
      if (seen > maxContentBytes) {
        done(
          new ArchiveIntegrityError(
            partName,
            `unpacks to more than the ${maxContentBytes} bytes of tar its manifest declares`,
          ),
        );
        return;
      }
      done(null, chunk);
    },
  });
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
