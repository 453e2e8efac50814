// A streaming reader of POSIX ustar/PAX tar archives of regular files (plus GNU long names), small enough
// that the Lambda bundles which restore, copy and select backups need no generic tar library.

/** What kind of member a tar entry is; only files carry a body. */
export type TarEntryType = 'file' | 'directory' | 'other';

/** One member of a tar archive. `body` holds a file's bytes; it is empty for directories and others. */
export interface TarEntry {
  path: string;
  type: TarEntryType;
  /** The size the header records (a PAX `size` record wins over the header field). */
  size: number;
  body: Buffer;
}

/** Options of tarEntries. */
export interface TarEntriesOptions {
  /**
   * Largest file body held in memory; a larger file is refused before any of its body is read.
   * @default no limit
   */
  maxEntryBytes?: number;
}

/** A tar stream that is not a sound archive; `offset` is the byte of the tar stream (not of its gzip) at fault. */
export class TarFormatError extends Error {
  constructor(
    readonly offset: number,
    detail: string,
    readonly entryPath?: string,
    options: { cause?: unknown } = {},
  ) {
    const where =
      entryPath === undefined
        ? `tar stream at byte ${offset}`
        : `tar entry ${JSON.stringify(entryPath)} at byte ${offset}`;
    super(`${where}: ${detail}`, options);
    this.name = 'TarFormatError';
  }
}

const BLOCK = 512;
// PAX and GNU long-name bodies are a few hundred bytes; a larger one is a corrupt size field, not a name.
const MAX_EXTENDED_HEADER_BYTES = 1024 * 1024;
const EMPTY = Buffer.alloc(0);

/**
 * Yields the entries of a tar stream, pulling chunks only as the caller asks for entries (so async
 * iteration carries backpressure). Chunks may split headers and bodies anywhere; each body is a copy,
 * so callers may keep it while the chunks are reused. Checks every header's checksum and that the
 * archive ends with its zero block(s) followed by nothing but zeros; throws TarFormatError otherwise.
 * Errors of `chunks` itself pass through unchanged.
 */
export async function* tarEntries(
  chunks: AsyncIterable<Uint8Array>,
  options: TarEntriesOptions = {},
): AsyncGenerator<TarEntry, void, undefined> {
  const maxEntryBytes = options.maxEntryBytes ?? Number.POSITIVE_INFINITY;
  const input = new ChunkInput(chunks[Symbol.asyncIterator]());
  const scratch = Buffer.allocUnsafe(BLOCK);
  // What PAX 'x' and GNU 'L' headers say about the entry that follows them.
  let extended: Extended | undefined;
  try {
    for (;;) {
      const at = input.offset;
      const block = input.view(BLOCK) ?? (await input.gather(BLOCK, scratch));
      if (block.length < BLOCK) throw truncatedHeader(at, block.length, extended);
      const header = parseHeader(block, at);
      if (header === undefined) {
        if (extended !== undefined) {
          throw new TarFormatError(extended.at, 'extended header is followed by the end of the archive');
        }
        await expectOnlyZeros(input);
        return;
      }
      const { flag } = header;
      if (flag === PAX || flag === GNU_LONG_NAME || flag === PAX_GLOBAL || flag === GNU_LONG_LINK) {
        const bodyAt = input.offset;
        const body = await readMember(input, header.size, at, MAX_EXTENDED_HEADER_BYTES, 'extended header');
        // Global PAX records and long link names say nothing this reader uses.
        if (flag !== PAX && flag !== GNU_LONG_NAME) continue;
        extended ??= { at };
        if (flag === PAX) applyPax(extended, body, bodyAt);
        else extended.path = body.toString('utf8', 0, nulEnd(body, 0, body.length));
        continue;
      }
      const path = extended?.path ?? header.path;
      const size = extended?.size ?? header.size;
      extended = undefined;
      const type = entryType(flag, path);
      if (type === 'file') {
        const body = await readMember(input, size, at, maxEntryBytes, 'body', path);
        yield { path, type, size, body };
      } else {
        // POSIX: directories, devices and FIFOs have no data blocks, whatever their size field says.
        const dataBytes =
          flag === DIRECTORY || flag === CHAR_DEVICE || flag === BLOCK_DEVICE || flag === FIFO ? 0 : size;
        await skipMember(input, dataBytes, at, path);
        yield { path, type, size, body: EMPTY };
      }
    }
  } finally {
    // Stops the source when the caller stopped early or the archive was refused (destroys a gunzip stream).
    await input.close();
  }
}

interface Extended {
  /** Offset of the first extended header of the entry. */
  at: number;
  path?: string;
  size?: number;
}

interface Header {
  path: string;
  size: number;
  flag: number;
}

const NUL = 0;
const SPACE = 0x20;
const SLASH = 0x2f;
const NEWLINE = 0x0a;
const EQUALS = 0x3d;
const REGULAR = 0x30; // '0'
const CHAR_DEVICE = 0x33; // '3'
const BLOCK_DEVICE = 0x34; // '4'
const DIRECTORY = 0x35; // '5'
const FIFO = 0x36; // '6'
const CONTIGUOUS = 0x37; // '7'
const PAX = 0x78; // 'x'
const PAX_GLOBAL = 0x67; // 'g'
const GNU_LONG_NAME = 0x4c; // 'L'
const GNU_LONG_LINK = 0x4b; // 'K'

function entryType(flag: number, path: string): TarEntryType {
  if (flag === DIRECTORY) return 'directory';
  if (flag === CONTIGUOUS) return 'file';
  if (flag !== REGULAR && flag !== NUL) return 'other';
  // Pre-POSIX tars mark a directory only by the trailing slash of a regular entry's name.
  return path.charCodeAt(path.length - 1) === SLASH ? 'directory' : 'file';
}

// The fields of one header block, or undefined for a zero block (the end of the archive).
function parseHeader(block: Buffer, at: number): Header | undefined {
  // The checksum is the unsigned sum of the block with its own 8-byte field counted as spaces.
  let sum = 0;
  for (let i = 0; i < 148; i++) sum += block[i] as number;
  for (let i = 156; i < BLOCK; i++) sum += block[i] as number;
  let field = 0;
  for (let i = 148; i < 156; i++) field += block[i] as number;
  if (sum + field === 0) return undefined;
  const stored = parseOctal(block, 148, 8);
  const computed = sum + 8 * SPACE;
  if (stored !== computed) {
    const found = stored < 0 ? `field ${quoteField(block, 148, 8)}` : stored.toString(8);
    throw new TarFormatError(
      at,
      `header checksum ${found} does not match the header's bytes (${computed.toString(8)}): corrupt, or not a tar archive`,
    );
  }
  // 'ustar\0' (POSIX, version "00") or 'ustar ' (GNU, version " \0").
  const posix = block[262] === NUL;
  if (
    block[257] !== 0x75 ||
    block[258] !== 0x73 ||
    block[259] !== 0x74 ||
    block[260] !== 0x61 ||
    block[261] !== 0x72 ||
    !(posix || block[262] === SPACE)
  ) {
    throw new TarFormatError(
      at,
      `header has no ustar magic (${quoteField(block, 257, 8)}): not a ustar or PAX archive`,
    );
  }
  let path = block.toString('utf8', 0, nulEnd(block, 0, 100));
  // GNU headers keep access and change times where POSIX keeps the prefix.
  if (posix && block[345] !== NUL) path = `${block.toString('utf8', 345, nulEnd(block, 345, 155))}/${path}`;
  return { path, size: parseSize(block, at, path), flag: block[156] as number };
}

function parseSize(block: Buffer, at: number, path: string): number {
  const first = block[124] as number;
  if (first & 0x80) {
    // GNU base-256: the rest of the first byte and the 11 bytes after it, big-endian; 0xff.. is negative.
    if (first & 0x40) throw new TarFormatError(at, 'header size field is a negative base-256 number', path);
    let size = first & 0x3f;
    for (let i = 125; i < 136; i++) size = size * 256 + (block[i] as number);
    if (!Number.isSafeInteger(size)) {
      throw new TarFormatError(at, 'header size field is a base-256 number too large to be a size', path);
    }
    return size;
  }
  const size = parseOctal(block, 124, 12);
  if (size < 0)
    throw new TarFormatError(
      at,
      `header size field ${quoteField(block, 124, 12)} is not an octal number`,
      path,
    );
  return size;
}

// An octal field: optional leading spaces, at least one digit, then the end of the field, a NUL or a
// space (GNU tar's rule). -1 when it is none of that.
function parseOctal(block: Buffer, start: number, length: number): number {
  const end = start + length;
  let i = start;
  while (i < end && block[i] === SPACE) i++;
  let value = 0;
  const first = i;
  for (; i < end; i++) {
    const c = block[i] as number;
    if (c < 0x30 || c > 0x37) break;
    value = value * 8 + (c - 0x30);
  }
  if (i === first) return -1;
  if (i < end && block[i] !== NUL && block[i] !== SPACE) return -1;
  return value;
}

// Where a NUL-terminated field ends: at its first NUL, or at its full length.
function nulEnd(bytes: Buffer, start: number, length: number): number {
  const nul = bytes.indexOf(NUL, start);
  return nul === -1 || nul > start + length ? start + length : nul;
}

function quoteField(block: Buffer, start: number, length: number): string {
  return JSON.stringify(block.toString('latin1', start, start + length));
}

// Applies the records of a PAX extended header ("<length> <key>=<value>\n", length counting the whole
// record) to the entry that follows. `bodyAt` is the body's offset in the tar stream, for messages.
function applyPax(extended: Extended, body: Buffer, bodyAt: number): void {
  let at = 0;
  while (at < body.length) {
    const space = body.indexOf(SPACE, at);
    const digits = space === -1 ? '' : body.toString('latin1', at, space);
    const length = /^[1-9][0-9]{0,15}$/.test(digits) ? Number(digits) : Number.NaN;
    const end = at + length;
    if (!(end <= body.length && body[end - 1] === NEWLINE && end > space + 1)) {
      throw new TarFormatError(
        bodyAt + at,
        `PAX record has a malformed length ${JSON.stringify(digits || body.toString('latin1', at, Math.min(at + 20, body.length)))}`,
      );
    }
    const equals = body.indexOf(EQUALS, space + 1);
    if (equals === -1 || equals >= end - 1 || equals === space + 1) {
      throw new TarFormatError(bodyAt + at, 'PAX record has no "<key>=<value>"');
    }
    const key = body.toString('utf8', space + 1, equals);
    if (key === 'path') {
      const value = body.toString('utf8', equals + 1, end - 1);
      // An empty value removes the keyword, leaving the header's own name.
      if (value === '') delete extended.path;
      else extended.path = value;
    } else if (key === 'size') {
      const value = body.toString('latin1', equals + 1, end - 1);
      if (!/^[0-9]{1,16}$/.test(value) || !Number.isSafeInteger(Number(value))) {
        throw new TarFormatError(bodyAt + at, `PAX size record ${JSON.stringify(value)} is not a size`);
      }
      extended.size = Number(value);
    }
    at = end;
  }
}

// Reads a member's body (at most `limit` bytes) and the padding to the next block.
async function readMember(
  input: ChunkInput,
  size: number,
  at: number,
  limit: number,
  what: string,
  path?: string,
): Promise<Buffer> {
  if (size > limit)
    throw new TarFormatError(at, `${what} of ${size} bytes is over the limit of ${limit} bytes`, path);
  const body = input.copy(size) ?? (await input.copySlow(size));
  if (body.length < size) throw truncatedMember(at, path, body.length, size);
  const padding = (BLOCK - (size % BLOCK)) % BLOCK;
  if (padding > 0 && !input.skip(padding)) {
    const skipped = await input.skipSlow(padding);
    if (skipped < padding) throw truncatedMember(at, path, size + skipped, size + padding);
  }
  return body;
}

async function skipMember(input: ChunkInput, size: number, at: number, path: string): Promise<void> {
  const total = size + ((BLOCK - (size % BLOCK)) % BLOCK);
  if (total === 0 || input.skip(total)) return;
  const skipped = await input.skipSlow(total);
  if (skipped < total) throw truncatedMember(at, path, skipped, total);
}

function truncatedMember(
  at: number,
  path: string | undefined,
  got: number,
  expected: number,
): TarFormatError {
  return new TarFormatError(
    at,
    `the archive ends after ${got} of the ${expected} bytes that follow the header (truncated?)`,
    path,
  );
}

function truncatedHeader(at: number, got: number, extended: Extended | undefined): TarFormatError {
  if (got > 0)
    return new TarFormatError(at, `the archive ends after ${got} of a header's 512 bytes (truncated?)`);
  const after = extended === undefined ? 'the last entry' : 'an extended header';
  return new TarFormatError(
    at,
    `the archive ends after ${after}, without the zero blocks that mark its end (truncated?)`,
  );
}

// After the first zero block: tar writers pad archives with zeros to their record size; anything else
// would be entries a reader stopping here would silently drop (two archives concatenated, say).
async function expectOnlyZeros(input: ChunkInput): Promise<void> {
  for (;;) {
    const at = input.offset;
    const bytes = await input.next(ZEROS_LENGTH);
    if (bytes.length === 0) return;
    if (!bytes.equals(zeros().subarray(0, bytes.length))) {
      const nonZero = bytes.findIndex((byte) => byte !== 0);
      throw new TarFormatError(at + nonZero, 'data follows the end-of-archive zero block');
    }
  }
}

const ZEROS_LENGTH = 16 * 1024;
let zeroBlock: Buffer | undefined;
function zeros(): Buffer {
  zeroBlock ??= Buffer.alloc(ZEROS_LENGTH);
  return zeroBlock;
}

/**
 * The bytes of a chunk stream read front to back, as views of the current chunk where a request fits in
 * it (the common case: many small entries per chunk) and gathered across chunks where it does not. The
 * synchronous methods return undefined/false when the current chunk cannot satisfy them.
 */
class ChunkInput {
  #chunk: Buffer = EMPTY;
  #at = 0;
  // Tar-stream offset of #chunk[0].
  #base = 0;
  #ended = false;

  constructor(readonly source: AsyncIterator<Uint8Array>) {}

  /** Offset in the stream of the next unread byte. */
  get offset(): number {
    return this.#base + this.#at;
  }

  /** The next `n` bytes as a view of the current chunk, when it holds them all. */
  view(n: number): Buffer | undefined {
    if (this.#chunk.length - this.#at < n) return undefined;
    const bytes = this.#chunk.subarray(this.#at, this.#at + n);
    this.#at += n;
    return bytes;
  }

  /** The next `n` bytes copied into `into`; fewer only at the end of the stream. */
  async gather(n: number, into: Buffer): Promise<Buffer> {
    let filled = 0;
    while (filled < n) {
      const bytes = await this.next(n - filled);
      if (bytes.length === 0) break;
      filled += bytes.copy(into, filled);
    }
    return into.subarray(0, filled);
  }

  /** A copy of the next `n` bytes, when the current chunk holds them all. */
  copy(n: number): Buffer | undefined {
    const bytes = this.view(n);
    return bytes === undefined ? undefined : Buffer.from(bytes);
  }

  /** A copy of the next `n` bytes, gathered from as many chunks as they span; shorter only at the end of the stream. */
  async copySlow(n: number): Promise<Buffer> {
    const parts: Buffer[] = [];
    let got = 0;
    while (got < n) {
      const bytes = await this.next(n - got);
      if (bytes.length === 0) break;
      parts.push(Buffer.from(bytes));
      got += bytes.length;
    }
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, got);
  }

  /** Skips `n` bytes when the current chunk holds them all. */
  skip(n: number): boolean {
    if (this.#chunk.length - this.#at < n) return false;
    this.#at += n;
    return true;
  }

  /** Skips `n` bytes across chunks without holding them; returns how many there were. */
  async skipSlow(n: number): Promise<number> {
    let skipped = 0;
    while (skipped < n) {
      const bytes = await this.next(n - skipped);
      if (bytes.length === 0) break;
      skipped += bytes.length;
    }
    return skipped;
  }

  /** Up to `max` next bytes as a view of one chunk, pulling a new chunk when this one is used up; empty at the end. */
  async next(max: number): Promise<Buffer> {
    while (this.#at === this.#chunk.length) {
      if (this.#ended) return EMPTY;
      const result = await this.source.next();
      if (result.done) {
        this.#ended = true;
        return EMPTY;
      }
      this.#base += this.#chunk.length;
      this.#chunk = toBuffer(result.value);
      this.#at = 0;
    }
    const end = Math.min(this.#chunk.length, this.#at + max);
    const bytes = this.#chunk.subarray(this.#at, end);
    this.#at = end;
    return bytes;
  }

  /** Lets the source go (a Readable's iterator destroys the stream) unless it has already ended. */
  async close(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    try {
      await this.source.return?.();
    } catch {
      // The error or early stop that got us here is what the caller needs to see.
    }
  }
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError(`tar stream yielded ${typeof chunk}, expected bytes`);
}
