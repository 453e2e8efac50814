import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { InvalidArchiveEntryError } from './errors.ts';
import {
  ARCHIVE_FORMAT_VERSION,
  type EntryLocation,
  entryPath,
  resourceKey,
  VERSION_ENTRY_PATH,
} from './layout.ts';
import { ParallelGzip } from './parallel-gzip.ts';

/**
 * gzip level used unless the caller picks one. Measured on the 418 MB tar of the 100k-object bench cluster
 * (config-like text, 14% secrets of random key material; Node 20, one core, 4 MB blocks): level 1
 * 1.7 s → 68.9 MB, level 2 1.7–1.8 s → 65.0 MB, level 3 1.9–2.2 s → 62.7 MB, level 6 3.5 s → 54.5 MB.
 * A snapshot is CPU-bound in the client (parse, serialise, compress on one machine), and at level 6
 * compressing alone takes as long as the whole paged LIST; level 2 costs half that for archives 19%
 * larger than level 6's, and no more CPU than level 1 for 6% smaller ones.
 */
export const DEFAULT_GZIP_LEVEL = 2;

// Entries are small (a header, a 1–8 KB body, padding) and are gathered into chunks; each chunk becomes
// one gzip member compressed on the thread pool next to the others (parallel-gzip.ts), so the chunk is
// large enough that a member's fresh dictionary costs little (<1%) and the thread round trips are few.
const GZIP_INPUT_CHUNK = 1024 * 1024;
// Room for one more entry past the threshold, so that most entries do not start a chunk of their own.
const CHUNK_CAPACITY = GZIP_INPUT_CHUNK + 64 * 1024;
// Members compressed at once: libuv's default thread pool has 4 threads, and a snapshot's own work leaves
// the other cores free while it waits for the API server.
const GZIP_PARALLEL_MEMBERS = 4;
// Bytes waiting for a free compression slot before add()/ready() make the listing wait: with the members
// in flight, enough for a few pages, so compression overlaps the next page's download instead of
// alternating with it. At most ~7 MiB of tar is held: this queue, the members, the chunk being filled.
const GZIP_QUEUE_BYTES = 2 * 1024 * 1024;
const RESOLVED = Promise.resolve();

// The Unix epoch, so that identical input gives byte-identical archives when no backup time is given.
const DEFAULT_MTIME = new Date(0);

/** One Kubernetes object and where it goes in the archive; `group` is '' for the core group. */
export interface ArchiveEntry extends EntryLocation {
  object: unknown;
}

/**
 * One Kubernetes object as JSON bytes (a LIST item copied as received) and where it goes. The writer
 * assembles `{` + typeMeta + the object's own members, leaving managedFields out, without parsing.
 */
export interface ArchiveBytesEntry extends EntryLocation {
  /** The object's JSON, from its `{` to its `}`. */
  bytes: Uint8Array;
  /** Members to put first, without braces or trailing comma: `"apiVersion":"v1","kind":"Pod"`. */
  typeMeta?: Uint8Array;
  /** The range of `bytes` holding metadata.managedFields and one comma, left out of the archive. */
  managedFields?: { start: number; end: number };
}

/** Options of an ArchiveWriter. */
export interface ArchiveWriterOptions {
  /**
   * Modification time stamped on every entry; pass the backup's creation time for meaningful dates
   * that stay reproducible.
   * @default 1970-01-01T00:00:00Z
   */
  mtime?: Date;
  /**
   * gzip compression level, 0 (store) to 9 (smallest).
   * @default DEFAULT_GZIP_LEVEL
   */
  gzipLevel?: number;
}

/** What a finished archive holds: the checksum and size of its compressed bytes and its object counts. */
export interface ArchiveSummary {
  sha256: string;
  size: number;
  /** Bytes of the tar inside the gzip stream: what a reader unpacks, so it can refuse a part that unpacks to more. */
  contentBytes: number;
  /** Objects per `<resource>[.<group>]`. */
  counts: Record<string, number>;
  totalObjects: number;
}

type WriterState = 'open' | 'finishing' | 'finished' | 'failed';

/**
 * Streams Kubernetes objects into a gzip'd Velero-layout tar, hashing the compressed bytes on the way out.
 * Tar headers are encoded here (ustar, with a PAX record for long paths) and entries are gathered into
 * 1 MiB chunks before they reach zlib: a snapshot writes ~100k small entries, and a stream round trip
 * per entry (as a generic tar packer does) cost more CPU than compressing them. Each chunk is one member
 * of a multi-member gzip, compressed in parallel with the next ones (parallel-gzip.ts).
 */
export class ArchiveWriter {
  readonly #gzip: ParallelGzip;
  readonly #hash = createHash('sha256');
  readonly #counts = new Map<string, number>();
  #contentBytes = 0;
  readonly #mtime: number;
  readonly #done: Promise<void>;
  readonly #failed: Promise<never>;
  #chunk: Buffer = Buffer.allocUnsafe(CHUNK_CAPACITY);
  #chunkUsed = 0;
  readonly #spare: Buffer[] = [];
  #drained: Promise<void> | undefined;
  #size = 0;
  #total = 0;
  #state: WriterState = 'open';
  #failure: unknown;
  // What failed the archive when it was the sink or zlib rather than abort().
  #sinkError: unknown;

  readonly #sink: NodeJS.WritableStream & { destroy?: (error?: Error) => unknown };

  constructor(sink: NodeJS.WritableStream, options: ArchiveWriterOptions = {}) {
    this.#sink = sink;
    const level = options.gzipLevel ?? DEFAULT_GZIP_LEVEL;
    if (!Number.isInteger(level) || level < 0 || level > 9) {
      throw new RangeError(`ArchiveWriter option gzipLevel ${level}: expected an integer from 0 to 9`);
    }
    this.#mtime = Math.floor((options.mtime ?? DEFAULT_MTIME).getTime() / 1000);
    this.#gzip = new ParallelGzip({
      level,
      maxInFlight: GZIP_PARALLEL_MEMBERS,
      writableHighWaterMark: GZIP_QUEUE_BYTES,
      // Once zlib is done with a chunk it is reused: fresh 1 MiB buffers for 400 MB of entries cost page
      // faults and GC work for nothing.
      onInputReleased: (chunk) => {
        if (chunk.byteOffset === 0 && chunk.buffer.byteLength === CHUNK_CAPACITY && this.#spare.length < 8)
          this.#spare.push(Buffer.from(chunk.buffer, 0, CHUNK_CAPACITY));
      },
    });
    const meter = async function* (this: ArchiveWriter, source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        this.#hash.update(chunk);
        this.#size += chunk.byteLength;
        yield chunk;
      }
    }.bind(this);
    this.#done = pipeline(this.#gzip, meter, sink);
    this.#failed = new Promise<never>((_, reject) => {
      this.#done.catch((error: unknown) => {
        if (this.#state !== 'failed') this.#sinkError = error;
        this.#state = 'failed';
        this.#failure ??= error;
        reject(error);
      });
    });
    // Both are observed later (by add/finish); these handlers only keep an early failure from being reported as unhandled.
    this.#failed.catch(() => {});
    // The version goes first so a reader knows the format before it meets any object.
    this.#append(VERSION_ENTRY_PATH, Buffer.from(ARCHIVE_FORMAT_VERSION));
  }

  /** Appends one object (managedFields dropped); resolves once the archive has room for more. */
  async add(entry: ArchiveEntry): Promise<void> {
    this.append(entry);
    await this.ready();
  }

  /**
   * Appends one object (managedFields dropped) without waiting: for callers that write a batch (a LIST
   * page) and then await `ready()` once, instead of settling a promise per object.
   */
  append(entry: ArchiveEntry): void {
    this.#assertAdding();
    const path = entryPath(entry);
    this.#appendObject(path, entry.object);
    this.#count(entry);
  }

  /**
   * Appends one object given as JSON bytes (managedFields dropped) without waiting, like `append`: the
   * snapshot's path, which copies LIST items instead of parsing and serialising them again.
   */
  appendBytes(entry: ArchiveBytesEntry): void {
    this.#assertAdding();
    const path = entryPath(entry);
    this.#appendBytes(path, entry);
    this.#count(entry);
  }

  #count(entry: EntryLocation): void {
    const key = resourceKey(entry.resource, entry.group);
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
    this.#total += 1;
  }

  /** Resolves once the archive has room for more (at once unless zlib's buffer is full); rejects when it failed. */
  ready(): Promise<void> {
    if (this.#state === 'failed') return this.#failed;
    return this.#drained ? Promise.race([this.#drained, this.#failed]) : RESOLVED;
  }

  /** Ends the archive and waits until the sink has every byte; returns the checksum, size and counts. */
  async finish(): Promise<ArchiveSummary> {
    this.#assertOpen('finish');
    this.#state = 'finishing';
    // Two zero blocks end a tar archive.
    const at = this.#reserve(2 * BLOCK);
    this.#chunk.fill(0, at, at + 2 * BLOCK);
    this.#chunkUsed = at + 2 * BLOCK;
    this.#flush();
    this.#gzip.end();
    try {
      await this.#done;
    } catch (error) {
      await this.#sinkClosed();
      throw error;
    }
    this.#state = 'finished';
    const counts = Object.fromEntries([...this.#counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    return {
      sha256: this.#hash.digest('hex'),
      size: this.#size,
      contentBytes: this.#contentBytes,
      counts,
      totalObjects: this.#total,
    };
  }

  /** Abandons the archive: the sink is destroyed with `reason`, so e.g. a multipart upload is aborted. */
  async abort(reason: Error): Promise<void> {
    if (this.#state === 'finished' || this.#state === 'failed') return;
    this.#state = 'failed';
    this.#failure = reason;
    this.#gzip.destroy(reason);
    // A sink that has stopped reading (a stalled upload) would keep the pipeline from noticing the
    // destroyed source, so the sink is told directly too.
    this.#sink.destroy?.(reason);
    await this.#done.catch(() => {});
    await this.#sinkClosed();
  }

  #append(name: string, body: Buffer): void {
    const headers = tarHeaders(name, body.byteLength, this.#mtime);
    const size = headers.reduce((sum, block) => sum + block.byteLength, 0) + padded(body.byteLength);
    const at = this.#reserve(size);
    for (const block of headers) this.#chunkUsed += block.copy(this.#chunk, this.#chunkUsed);
    this.#chunkUsed += body.copy(this.#chunk, this.#chunkUsed);
    this.#chunk.fill(0, this.#chunkUsed, at + size);
    this.#chunkUsed = at + size;
    if (this.#chunkUsed >= GZIP_INPUT_CHUNK) this.#flush();
  }

  // The JSON is encoded straight into the pending chunk, after room for its header, which is then
  // written in front of it: no Buffer per object and no second copy into the chunk.
  #appendObject(path: string, object: unknown): void {
    const json = serialise(object, path);
    const prefix = headerBytes(path);
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    const at = this.#reserve(prefix + json.length * 3 + BLOCK);
    const bodyAt = at + prefix;
    const bodySize = this.#chunk.write(json, bodyAt, 'utf8');
    this.#seal(at, prefix, path, bodySize);
  }

  #appendBytes(path: string, entry: ArchiveBytesEntry): void {
    const { bytes, typeMeta, managedFields } = entry;
    if (bytes[0] !== OPEN_BRACE || bytes[bytes.length - 1] !== CLOSE_BRACE) {
      throw new InvalidArchiveEntryError('object', path, 'must be a JSON object');
    }
    // No managedFields: an empty cut just before the closing brace.
    const cut = managedFields ?? { start: bytes.length - 1, end: bytes.length - 1 };
    if (!(cut.start > 0 && cut.start <= cut.end && cut.end < bytes.length)) {
      throw new InvalidArchiveEntryError(
        'object',
        path,
        `managedFields range ${cut.start}-${cut.end} is outside it`,
      );
    }
    // An object with no members of its own takes the type members without a separating comma.
    const separator = typeMeta && !isEmptyObject(bytes) ? 1 : 0;
    const bodySize = bytes.length - (cut.end - cut.start) + (typeMeta ? typeMeta.length + separator : 0);
    const prefix = headerBytes(path);
    const at = this.#reserve(prefix + bodySize + BLOCK);
    const chunk = this.#chunk;
    let offset = at + prefix;
    chunk[offset++] = OPEN_BRACE;
    if (typeMeta) {
      chunk.set(typeMeta, offset);
      offset += typeMeta.length;
      if (separator) chunk[offset++] = COMMA;
    }
    chunk.set(bytes.subarray(1, cut.start), offset);
    offset += cut.start - 1;
    chunk.set(bytes.subarray(cut.end), offset);
    this.#seal(at, prefix, path, bodySize);
  }

  // Completes the entry whose `bodySize` bytes sit `prefix` bytes after `at`: its header in front, zeros up
  // to the block boundary behind; a full chunk goes to zlib.
  #seal(at: number, prefix: number, path: string, bodySize: number): void {
    this.#writeHeader(at, prefix, path, bodySize);
    const bodyEnd = at + prefix + bodySize;
    const end = at + prefix + padded(bodySize);
    this.#chunk.fill(0, bodyEnd, end);
    this.#chunkUsed = end;
    if (this.#chunkUsed >= GZIP_INPUT_CHUNK) this.#flush();
  }

  // The header block(s) of an entry whose body starts `prefix` bytes after `at`.
  #writeHeader(at: number, prefix: number, path: string, bodySize: number): void {
    if (prefix === BLOCK) {
      const split = Buffer.byteLength(path) <= 100 ? undefined : splitUstarPath(path);
      writeUstarHeader(this.#chunk, at, split?.name ?? path, split?.prefix ?? '', bodySize, this.#mtime, '0');
    } else {
      let offset = at;
      for (const block of tarHeaders(path, bodySize, this.#mtime)) offset += block.copy(this.#chunk, offset);
    }
  }

  // Returns where `bytes` more fit in the pending chunk, handing a full chunk to zlib first.
  #reserve(bytes: number): number {
    if (this.#chunkUsed + bytes > this.#chunk.byteLength) {
      this.#flush();
      if (bytes > this.#chunk.byteLength) this.#chunk = Buffer.allocUnsafe(bytes);
    }
    return this.#chunkUsed;
  }

  // Hands the gathered entries to zlib; when zlib's buffer is full, add() callers wait for 'drain':
  // that is how backpressure from the sink reaches the listing.
  #flush(): void {
    if (this.#chunkUsed === 0) return;
    // zlib keeps the chunk until its thread has compressed it, so the next entries go into a new one.
    const chunk = this.#chunk.subarray(0, this.#chunkUsed);
    this.#contentBytes += chunk.byteLength;
    this.#chunk = this.#spare.pop() ?? Buffer.allocUnsafe(CHUNK_CAPACITY);
    this.#chunkUsed = 0;
    if (!this.#gzip.write(chunk) && !this.#drained) {
      this.#drained = new Promise<void>((resolve) => {
        this.#gzip.once('drain', () => {
          this.#drained = undefined;
          resolve();
        });
      });
    }
  }

  // pipeline settles as soon as one stream fails, while the sink may still be cleaning up (removing a
  // temporary file, aborting a multipart upload); callers rely on that being over when abort/finish settle.
  async #sinkClosed(): Promise<void> {
    const sink = this.#sink as NodeJS.WritableStream & { closed?: boolean };
    if (sink.closed !== false) return;
    await new Promise<void>((resolve) => sink.once('close', () => resolve()));
  }

  // A sink that failed between two adds is reported as itself, as ready() would have: the caller learns
  // the cause ("disk full"), not only that the archive is over.
  #assertAdding(): void {
    if (this.#state === 'failed' && this.#sinkError instanceof Error) throw this.#sinkError;
    this.#assertOpen('add');
  }

  #assertOpen(operation: string): void {
    if (this.#state !== 'open') {
      throw new Error(`ArchiveWriter.${operation}: the archive is already ${this.#state}`, {
        cause: this.#failure,
      });
    }
  }
}

const BLOCK = 512;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const COMMA = 0x2c;

// `{}` with nothing but whitespace inside.
function isEmptyObject(bytes: Uint8Array): boolean {
  for (let i = 1; i < bytes.length - 1; i++) {
    const c = bytes[i] as number;
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return false;
  }
  return true;
}

/**
 * The header block(s) of one regular file: a ustar header, preceded by a PAX extended header when the
 * path does not fit ustar's 100-byte name (+ 155-byte prefix) fields.
 */
function tarHeaders(path: string, size: number, mtime: number): Buffer[] {
  const bytes = Buffer.byteLength(path);
  if (bytes <= 100) return [ustarHeader(path, '', size, mtime, '0')];
  const split = splitUstarPath(path);
  if (split) return [ustarHeader(split.name, split.prefix, size, mtime, '0')];
  const record = paxRecord('path', path);
  const paxBody = Buffer.from(record);
  const paxPadding = (BLOCK - (paxBody.byteLength % BLOCK)) % BLOCK;
  return [
    ustarHeader(
      `PaxHeader/${truncateUtf8(path.slice(path.lastIndexOf('/') + 1), 80)}`,
      '',
      paxBody.byteLength,
      mtime,
      'x',
    ),
    paxPadding > 0 ? Buffer.concat([paxBody, Buffer.alloc(paxPadding)]) : paxBody,
    ustarHeader(truncateUtf8(path, 100), '', size, mtime, '0'),
  ];
}

function ustarHeader(name: string, prefix: string, size: number, mtime: number, type: '0' | 'x'): Buffer {
  const header = Buffer.alloc(BLOCK);
  writeUstarHeader(header, 0, name, prefix, size, mtime, type);
  return header;
}

// The fields every header shares (mode, uid, gid, magic, version); the rest is written per entry.
const HEADER_TEMPLATE = (() => {
  const header = Buffer.alloc(BLOCK);
  header.write('0000644\0', 100, 'ascii');
  header.write('0000000\0', 108, 'ascii');
  header.write('0000000\0', 116, 'ascii');
  header.write('ustar\0', 257, 'ascii');
  header.write('00', 263, 'ascii');
  return header;
})();

// Written in place (into the pending chunk), so that an entry costs no header Buffer of its own.
function writeUstarHeader(
  target: Buffer,
  at: number,
  name: string,
  prefix: string,
  size: number,
  mtime: number,
  type: '0' | 'x',
): void {
  HEADER_TEMPLATE.copy(target, at);
  target.write(name, at, 100, 'utf8');
  target.write(`${size.toString(8).padStart(11, '0')}\0`, at + 124, 'ascii');
  target.write(`${mtime.toString(8).padStart(11, '0')}\0`, at + 136, 'ascii');
  target.write('        ', at + 148, 'ascii');
  target.write(type, at + 156, 'ascii');
  if (prefix) target.write(prefix, at + 345, 155, 'utf8');
  let checksum = 0;
  for (let i = at; i < at + BLOCK; i++) checksum += target[i] as number;
  target.write(`${checksum.toString(8).padStart(6, '0')}\0 `, at + 148, 'ascii');
}

// ustar stores long paths as prefix + '/' + name, split at a slash, prefix ≤ 155 and name ≤ 100 bytes.
function splitUstarPath(path: string): { prefix: string; name: string } | undefined {
  for (let at = path.indexOf('/'); at >= 0; at = path.indexOf('/', at + 1)) {
    const prefix = path.slice(0, at);
    const name = path.slice(at + 1);
    if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100 && name !== '')
      return { prefix, name };
  }
  return undefined;
}

/** A PAX record, "<length> <key>=<value>\n", where length counts the whole record, its own digits included. */
export function paxRecord(key: string, value: string): string {
  const rest = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(rest) + 1;
  while (String(length).length + Buffer.byteLength(rest) !== length)
    length = String(length).length + Buffer.byteLength(rest);
  return `${length}${rest}`;
}

function truncateUtf8(text: string, maxBytes: number): string {
  let out = text;
  while (Buffer.byteLength(out) > maxBytes) out = out.slice(0, -1);
  return out;
}

function serialise(object: unknown, path: string): string {
  if (typeof object !== 'object' || object === null || Array.isArray(object)) {
    throw new InvalidArchiveEntryError('object', path, 'must be a JSON object');
  }
  try {
    return stringifyWithoutManagedFields(object as Record<string, unknown>);
  } catch (error) {
    throw new InvalidArchiveEntryError(
      'object',
      path,
      `cannot be serialised as JSON: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

// managedFields is server-side-apply bookkeeping, often half an object's size, and meaningless on restore.
// JSON.stringify leaves out a property whose value is undefined, so it is unset for the one synchronous
// call and put back: the caller's object is unchanged afterwards (it may still be in use, e.g. for volume
// discovery) and nothing is copied. The key stays, so the object keeps its shape and V8's fast path.
function stringifyWithoutManagedFields(object: Record<string, unknown>): string {
  const metadata = object.metadata as Record<string, unknown> | null | undefined;
  if (typeof metadata !== 'object' || metadata === null || metadata.managedFields === undefined)
    return JSON.stringify(object);
  const managedFields = metadata.managedFields;
  if (!Reflect.set(metadata, 'managedFields', undefined)) {
    // A frozen object: copy instead.
    const { managedFields: _dropped, ...rest } = metadata;
    return JSON.stringify({ ...object, metadata: rest });
  }
  try {
    return JSON.stringify(object);
  } finally {
    metadata.managedFields = managedFields;
  }
}

function padded(bytes: number): number {
  return Math.ceil(bytes / BLOCK) * BLOCK;
}

// Bytes of the header block(s) in front of an entry: they depend on the path only, not on the size.
function headerBytes(path: string): number {
  if (Buffer.byteLength(path) <= 100 || splitUstarPath(path)) return BLOCK;
  return 2 * BLOCK + padded(Buffer.byteLength(paxRecord('path', path)));
}
