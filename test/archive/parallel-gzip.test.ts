import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../sandbox/kube/generate.ts';
import { ParallelGzip } from '../../src/archive/parallel-gzip.ts';

/** `size` bytes of seeded, somewhat compressible text. */
function textChunk(random: () => number, size: number): Buffer {
  const words = ['alpha', 'beta', 'gamma', 'delta', '{"kind":"ConfigMap"}', '\n', 'zeta', 'ētā'];
  const chunk = Buffer.alloc(size);
  let at = 0;
  while (at < size) at += chunk.write(words[Math.floor(random() * words.length)] as string, at);
  return chunk;
}

/** `size` bytes that gzip cannot shrink. */
function noiseChunk(random: () => number, size: number): Buffer {
  const chunk = Buffer.alloc(size);
  for (let i = 0; i < size; i++) chunk[i] = Math.floor(random() * 256);
  return chunk;
}

/** Writes `chunks` (honouring backpressure), ends, and returns every byte read, in read order. */
async function compress(gzip: ParallelGzip, chunks: Buffer[]): Promise<Buffer[]> {
  const output: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => output.push(chunk));
  const ended = once(gzip, 'end');
  for (const chunk of chunks) {
    if (!gzip.write(chunk)) await once(gzip, 'drain');
  }
  gzip.end();
  await ended;
  return output;
}

describe('ParallelGzip', () => {
  it('turns each chunk into one gzip member, in input order, that gunzip reads as one stream', async () => {
    // Arrange: 60 chunks of seeded random sizes, a few of them empty
    const random = mulberry32(42);
    const chunks = Array.from({ length: 60 }, (_, i) =>
      i % 17 === 5 ? Buffer.alloc(0) : textChunk(random, 1 + Math.floor(random() * 200_000)),
    );
    const gzip = new ParallelGzip({ level: 2, maxInFlight: 3 });

    // Act
    const output = Buffer.concat(await compress(gzip, chunks));

    // Assert
    const input = Buffer.concat(chunks);
    expect(gunzipSync(output).equals(input)).toBe(true);
    // Each non-empty chunk is exactly the member zlib makes of it on its own, members in input order.
    const members = chunks.filter((chunk) => chunk.length > 0).map((chunk) => gzipSync(chunk, { level: 2 }));
    expect(output.equals(Buffer.concat(members))).toBe(true);
    expect(output.length).not.toBe(gzipSync(input, { level: 2 }).length);
  });

  it('keeps input order when later chunks finish before earlier ones', async () => {
    // Arrange: a huge first chunk at level 9, then small ones that zlib finishes long before it
    const random = mulberry32(9);
    const chunks = [
      textChunk(random, 3 * 1024 * 1024),
      ...Array.from({ length: 3 }, () => textChunk(random, 512)),
    ];
    const released: number[] = [];
    const gzip = new ParallelGzip({
      level: 9,
      maxInFlight: 4,
      onInputReleased: (chunk) => released.push(chunks.indexOf(chunk)),
    });

    // Act
    const output = await compress(gzip, chunks);

    // Assert: the small chunks really finished first, yet the first member comes first
    expect(released[released.length - 1]).toBe(0);
    expect(released).toHaveLength(4);
    const whole = Buffer.concat(output);
    expect(whole.equals(Buffer.concat(chunks.map((chunk) => gzipSync(chunk, { level: 9 }))))).toBe(true);
    expect(gunzipSync(whole).equals(Buffer.concat(chunks))).toBe(true);
  });

  it('releases each non-empty input chunk exactly once, as the same Buffer', async () => {
    // Arrange
    const random = mulberry32(5);
    const chunks = Array.from({ length: 40 }, (_, i) =>
      i % 10 === 3 ? Buffer.alloc(0) : textChunk(random, 1 + Math.floor(random() * 50_000)),
    );
    const released = new Map<Buffer, number>();
    const gzip = new ParallelGzip({
      level: 1,
      maxInFlight: 2,
      onInputReleased: (chunk) => released.set(chunk, (released.get(chunk) ?? 0) + 1),
    });

    // Act
    await compress(gzip, chunks);

    // Assert
    const nonEmpty = chunks.filter((chunk) => chunk.length > 0);
    expect(released.size).toBe(nonEmpty.length);
    for (const chunk of nonEmpty) expect(released.get(chunk)).toBe(1);
  });

  it('stops taking input while nobody reads, and delivers everything once reading resumes', async () => {
    // Arrange: incompressible 32 KB chunks, small buffers on both sides
    const random = mulberry32(11);
    const chunks = Array.from({ length: 64 }, () => noiseChunk(random, 32 * 1024));
    let releasedCount = 0;
    const gzip = new ParallelGzip({
      level: 1,
      maxInFlight: 2,
      readableHighWaterMark: 16 * 1024,
      writableHighWaterMark: 64 * 1024,
      onInputReleased: () => {
        releasedCount += 1;
      },
    });

    // Act: write everything without reading, ignoring write()'s answer, and let zlib settle
    const answers = chunks.map((chunk) => gzip.write(chunk));
    await delay(300);
    const releasedWhileStalled = releasedCount;
    const output: Buffer[] = [];
    gzip.on('data', (chunk: Buffer) => output.push(chunk));
    const ended = once(gzip, 'end');
    gzip.end();
    await ended;

    // Assert
    expect(answers.indexOf(false)).toBeGreaterThan(0);
    expect(answers.indexOf(false)).toBeLessThan(8);
    // Held: the members the reader did not take (2 slots) and what the readable buffer took past its mark.
    expect(releasedWhileStalled).toBeGreaterThan(0);
    expect(releasedWhileStalled).toBeLessThanOrEqual(6);
    expect(releasedCount).toBe(chunks.length);
    expect(gunzipSync(Buffer.concat(output)).equals(Buffer.concat(chunks))).toBe(true);
  });

  it('ends at once with no output when nothing was written', async () => {
    // Arrange
    const gzip = new ParallelGzip({ level: 6 });

    // Act
    const output = await compress(gzip, []);

    // Assert
    expect(Buffer.concat(output).length).toBe(0);
  });

  it.each([
    ['level', { level: -1 }],
    ['level', { level: 10 }],
    ['level', { level: 1.5 }],
    ['level', { level: Number.NaN }],
    ['maxInFlight', { level: 1, maxInFlight: 0 }],
    ['maxInFlight', { level: 1, maxInFlight: 2.5 }],
    ['maxInFlight', { level: 1, maxInFlight: -3 }],
  ])('refuses an invalid %s with a RangeError naming it', (option, options) => {
    // Arrange: the options above

    // Act
    const create = () => new ParallelGzip(options);

    // Assert
    expect(create).toThrow(RangeError);
    expect(create).toThrow(`option ${option} `);
  });
});
