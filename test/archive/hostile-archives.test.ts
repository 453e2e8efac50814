// Archives whose content is hostile but whose manifest was recomputed to match (issue 16): built with
// tar-stream, not the project's writer, and resealed (size, sha256, counts, content size all as the bytes
// are), so only what is inside is wrong. Each is refused by verify, naming the entry, before any object
// is handed to a restore.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ArchiveIntegrityError,
  type BackupManifestInput,
  LocalDirectoryStore,
  readBackup,
  verifyBackup,
} from '../../src/archive/index.ts';
import { aManifest, drain, sha256 } from './archive-helpers.ts';

interface RawEntry {
  name: string;
  body: string | Buffer;
}

const VERSION: RawEntry = { name: 'metadata/version', body: '1.1.0' };

function configMapEntry(path: string, name: string, namespace: string | undefined): RawEntry {
  const metadata = namespace === undefined ? { name } : { name, namespace };
  return { name: path, body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata }) };
}

async function tarOf(entries: RawEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const { name, body } of entries) pack.entry({ name, mtime: new Date(0) }, body);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of pack) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

/** The start of a tar whose one object entry claims `claimed` bytes: its header, then 1 MiB of body. */
async function tarClaiming(claimed: number): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk: unknown) => void chunks.push(Buffer.from(chunk as Uint8Array)));
  pack.entry({ name: VERSION.name, mtime: new Date(0) }, VERSION.body);
  const body = pack.entry({ name: 'resources/configmaps/namespaces/shop/huge.json', size: claimed });
  body.write(Buffer.alloc(1024 ** 2, 0x20));
  await new Promise((resolve) => setImmediate(resolve));
  pack.destroy();
  return Buffer.concat(chunks);
}

describe('hostile archives, resealed', () => {
  let directory: string;
  let store: LocalDirectoryStore;
  let sequence = 0;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'eks-dr-hostile-'));
    store = new LocalDirectoryStore(directory);
  });
  afterAll(() => rm(directory, { recursive: true, force: true }));

  /** Stores `tarBytes` gzip'd as a backup, with a manifest that matches them byte for byte. */
  async function sealed(tarBytes: Buffer, counts: Record<string, number>): Promise<string> {
    sequence += 1;
    const name = `hostile-${sequence}`;
    const gzipped = gzipSync(tarBytes);
    const manifest: BackupManifestInput = aManifest({
      name,
      counts,
      totalObjects: Object.values(counts).reduce((a, b) => a + b, 0),
      parts: [
        {
          name: `${name}.tar.gz`,
          sha256: sha256(gzipped),
          size: gzipped.length,
          contentBytes: tarBytes.length,
        },
      ],
    });
    await mkdir(join(directory, 'backups', name), { recursive: true });
    await writeFile(join(directory, 'backups', name, `${name}.tar.gz`), gzipped);
    await writeFile(join(directory, 'backups', name, 'manifest.json'), JSON.stringify(manifest));
    return name;
  }

  /** verify's error, after checking restore's reader refuses too without yielding a single object. */
  async function refusal(name: string): Promise<string> {
    const verifying = await verifyBackup(store, name).then(
      () => undefined,
      (error: unknown) => error,
    );
    const reading = await drain(readBackup(store, name));
    expect(verifying).toBeInstanceOf(ArchiveIntegrityError);
    expect(reading.items).toEqual([]);
    expect((reading.error as Error).message).toBe((verifying as Error).message);
    return (verifying as Error).message;
  }

  it('refuses an entry claiming 1 GiB at its header, in seconds and well under 300 MB', async () => {
    // Arrange: a 1 MiB part whose one object claims 1 GiB (the manifest declares it too).
    const bytes = await tarClaiming(1024 ** 3);
    const name = await sealed(bytes, { configmaps: 1 });
    const rssBefore = process.memoryUsage().rss;
    const started = Date.now();

    // Act
    const message = await refusal(name);

    // Assert
    expect(message).toContain(
      'tar entry "resources/configmaps/namespaces/shop/huge.json": 1073741824 bytes, over the limit of 4194304 bytes per entry',
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(300 * 1024 ** 2);
  });

  it('refuses a part that unpacks to more than its manifest declares', async () => {
    // Arrange: the manifest's size and sha256 match the gzip bytes; its content size is 1 KiB short.
    const bytes = await tarOf([
      VERSION,
      {
        name: 'resources/configmaps/namespaces/shop/a.json',
        body: JSON.stringify({ pad: ' '.repeat(64 * 1024) }),
      },
    ]);
    const name = await sealed(bytes, { configmaps: 1 });
    const manifestPath = join(directory, 'backups', name, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    manifest.parts[0].contentBytes = bytes.length - 1024;
    await writeFile(manifestPath, JSON.stringify(manifest));

    // Act
    const message = await refusal(name);

    // Assert
    expect(message).toContain(
      `unpacks to more than the ${bytes.length - 1024} bytes of tar its manifest declares`,
    );
  });

  it('refuses the same object twice, naming both entries', async () => {
    // Arrange
    const path = 'resources/configmaps/namespaces/shop/a.json';
    const bytes = await tarOf([
      VERSION,
      configMapEntry(path, 'a', 'shop'),
      configMapEntry(path, 'a', 'shop'),
    ]);
    const name = await sealed(bytes, { configmaps: 2 });

    // Act
    const message = await refusal(name);

    // Assert
    expect(message).toContain(`${path}: the same object twice (first as ${path})`);
  });

  it.each([
    {
      case: 'a namespace in the body other than the path’s',
      entry: configMapEntry('resources/configmaps/namespaces/shop/a.json', 'a', 'kube-system'),
      says: 'its metadata.namespace is "kube-system" but its path says "shop"',
    },
    {
      case: 'a name in the body other than the path’s',
      entry: configMapEntry('resources/configmaps/namespaces/shop/a.json', 'admin', 'shop'),
      says: 'its metadata.name is "admin" but its path says "a"',
    },
    {
      case: 'a namespaced body under a cluster-scoped path',
      entry: configMapEntry('resources/configmaps/cluster/a.json', 'a', 'shop'),
      says: 'its metadata.namespace is "shop" but its path says "(cluster-scoped)"',
    },
    {
      case: 'an API group in the body other than the resource directory’s',
      entry: configMapEntry('resources/deployments.apps/namespaces/shop/a.json', 'a', 'shop'),
      says: 'its API group (apiVersion) is "v1" but its path says "apps"',
    },
  ])('refuses $case', async ({ entry, says }) => {
    // Arrange
    const key = entry.name.split('/')[1] as string;
    const name = await sealed(await tarOf([VERSION, entry]), { [key]: 1 });

    // Act
    const message = await refusal(name);

    // Assert
    expect(message).toContain(`${entry.name}: ${says}`);
  });

  it.each([
    { case: 'outside resources/', path: 'etc/cron.d/job' },
    { case: 'climbing out with ../', path: 'resources/../../root/.ssh/authorized_keys' },
    { case: 'inside resources/ but off the layout', path: 'resources/configmaps/a.json' },
  ])('refuses an entry $case instead of skipping it', async ({ path }) => {
    // Arrange
    const bytes = await tarOf([
      VERSION,
      configMapEntry('resources/configmaps/namespaces/shop/a.json', 'a', 'shop'),
      { name: path, body: '{}' },
    ]);
    const name = await sealed(bytes, { configmaps: 1 });

    // Act
    const message = await refusal(name);

    // Assert
    expect(message).toContain(`tar entry ${JSON.stringify(path)}: not part of the backup layout`);
  });

  it('refuses counts that disagree with the manifest', async () => {
    // Arrange: two objects in the archive, one in the (resealed) manifest.
    const bytes = await tarOf([
      VERSION,
      configMapEntry('resources/configmaps/namespaces/shop/a.json', 'a', 'shop'),
      configMapEntry('resources/configmaps/namespaces/shop/b.json', 'b', 'shop'),
    ]);
    const name = await sealed(bytes, { configmaps: 1 });

    // Act
    const message = await refusal(name);

    // Assert
    expect(message).toContain(
      'object counts differ from the manifest (configmaps: archive holds 2, manifest says 1)',
    );
  });
});
