// Helpers shared by the archive tests: write archives into memory, unpack them independently of the reader.
import { createHash } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import {
  type ArchiveEntry,
  ArchiveWriter,
  type ArchiveWriterOptions,
  type BackupManifestInput,
  type BackupStore,
} from '../../src/archive/index.ts';

/** A Writable that keeps every byte it receives. */
export class MemorySink extends Writable {
  readonly chunks: Buffer[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.chunks.push(chunk);
    callback();
  }

  get bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** Writes `entries` with an ArchiveWriter into memory; returns the bytes and the writer's summary. */
export async function writeArchive(entries: ArchiveEntry[], options: ArchiveWriterOptions = {}) {
  const sink = new MemorySink();
  const writer = new ArchiveWriter(sink, options);
  for (const entry of entries) await writer.add(entry);
  const summary = await writer.finish();
  return { bytes: sink.bytes, summary };
}

/** Unpacks a tar.gz with tar-stream directly, so writer tests do not depend on the reader under test. */
export async function unpack(bytes: Buffer): Promise<{ name: string; body: string }[]> {
  const extract = tar.extract();
  const entries: { name: string; body: string }[] = [];
  Readable.from([gunzipSync(bytes)]).pipe(extract as unknown as NodeJS.WritableStream);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(Buffer.from(chunk as Uint8Array));
    entries.push({ name: entry.header.name, body: Buffer.concat(chunks).toString('utf8') });
  }
  return entries;
}

/** One entry for tar-stream's packer: its header fields, and a body unless it is a directory or link. */
export type PackEntry = { body?: string | Buffer } & Parameters<tar.Pack['entry']>[0];

/** A tar (not gzip'd) written by tar-stream's packer, an independent writer, for archives ours never writes. */
export async function handmadeTar(entries: PackEntry[]): Promise<Buffer> {
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

/** handmadeTar, gzip'd. */
export async function handmadeArchive(entries: PackEntry[]): Promise<Buffer> {
  return gzipSync(await handmadeTar(entries));
}

/** The sha256 of `bytes`, in hex. */
export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A source function for the reader that streams `bytes` in small chunks. */
export function sourceOf(bytes: Buffer, chunkSize = 4096): () => Readable {
  return () => {
    const chunks: Buffer[] = [];
    for (let offset = 0; offset < bytes.length; offset += chunkSize) {
      chunks.push(bytes.subarray(offset, offset + chunkSize));
    }
    return Readable.from(chunks);
  };
}

/** A ConfigMap-shaped object. */
export function configMap(name: string, namespace: string, data: Record<string, string> = {}) {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data };
}

/** Every object the reader yields, and the error that stopped it (if any). */
export async function drain<T>(iterable: AsyncIterable<T>): Promise<{ items: T[]; error: unknown }> {
  const items: T[] = [];
  try {
    for await (const item of iterable) items.push(item);
  } catch (error) {
    return { items, error };
  }
  return { items, error: undefined };
}

/** A minimal valid manifest; tests override the fields they are about. */
export function aManifest(overrides: Partial<BackupManifestInput> = {}): BackupManifestInput {
  return {
    formatVersion: '1.1.0',
    name: 'nightly-1',
    cluster: { name: 'prod', kubernetesVersion: 'v1.30.2' },
    created: '2024-05-01T12:00:00Z',
    completed: '2024-05-01T12:01:00Z',
    counts: { configmaps: 2, 'deployments.apps': 1 },
    totalObjects: 3,
    parts: [{ name: 'nightly-1.tar.gz', sha256: 'a'.repeat(64), size: 1234 }],
    phase: 'Completed',
    ...overrides,
  };
}

/** Stores `entries` as backup `name`, written by the project's writer with a manifest that matches them. */
export async function storeEntries(store: BackupStore, name: string, entries: ArchiveEntry[]): Promise<void> {
  const writer = new ArchiveWriter(await store.openArchiveUpload(name));
  for (const entry of entries) await writer.add(entry);
  const { sha256, size, contentBytes, counts, totalObjects } = await writer.finish();
  await store.putManifest(name, {
    ...aManifest({ name, counts, totalObjects }),
    parts: [{ name: `${name}.tar.gz`, sha256, size, contentBytes }],
  });
}

/** A copy of `bytes` with every bit of the byte at `index` inverted. */
export function flipByte(bytes: Uint8Array, index: number): Buffer {
  const copy = Buffer.from(bytes);
  copy.writeUInt8(copy.readUInt8(index) ^ 0xff, index);
  return copy;
}
