// Hostile inputs (issue 16), run for real, and the README's table of them rendered from this run rather
// than typed. Archives are built with tar-stream, not the project's writer, and resealed (size, sha256,
// counts and content size as the bytes are), so only what is inside is wrong; restores go into the
// Kubernetes API simulator; CLI inputs go through the command. Each row is a refusal before any write,
// or the end state the project promises. `UPDATE_README=1 npx vitest run test/trust` rewrites the table.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeApiSimulator } from '../../sandbox/kube/simulator.ts';
import {
  type ArchiveEntry,
  type BackupManifestInput,
  LocalDirectoryStore,
  readBackup,
  verifyBackup,
} from '../../src/archive/index.ts';
import type { KubeObject } from '../../src/kube/kube-object.ts';
import { loadPlanFile } from '../../src/plan/load-plan-file.ts';
import { Restorer } from '../../src/restore/restorer.ts';
import {
  aManifest,
  drain,
  handmadeTar,
  type PackEntry,
  sha256,
  storeEntries,
} from '../archive/archive-helpers.ts';
import { loadFixtureCluster } from '../backup/snapshot-harness.ts';
import { runCli } from '../cli/run-cli.ts';
import { fastClient, recording, startSimulator } from '../restore/restore-harness.ts';

const README = join(import.meta.dirname, '../../README.md');
const START = '<!-- hostile-inputs:start (rendered by test/trust/hostile-inputs.test.ts) -->';
const END = '<!-- hostile-inputs:end -->';

interface Finding {
  area: string;
  input: string;
  outcome: string;
}

const VERSION = { name: 'metadata/version', body: '1.1.0' } satisfies PackEntry;
const findings: Finding[] = [];
let directory: string;
let store: LocalDirectoryStore;
let sequence = 0;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'eks-dr-hostile-'));
  store = new LocalDirectoryStore(directory);
});
afterAll(() => rm(directory, { recursive: true, force: true }));

/** Records what happened, with this run's temporary names taken out so the table is the same each run. */
function found(area: string, input: string, outcome: string): void {
  const general = outcome
    .replaceAll(directory, '<store>')
    .replace(/hostile-\d+/g, '<backup>')
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>');
  findings.push({ area, input, outcome: general });
}

function configMapEntry(path: string, name: string, namespace: string | undefined): PackEntry {
  const metadata = namespace === undefined ? { name } : { name, namespace };
  return { name: path, body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata }) };
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

/** Stores `tarBytes` gzip'd as a backup with a manifest that matches them byte for byte. */
async function sealed(
  tarBytes: Buffer,
  counts: Record<string, number>,
  part: Partial<BackupManifestInput['parts'][number]> = {},
): Promise<string> {
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
        ...part,
      },
    ],
  });
  await mkdir(join(directory, 'backups', name), { recursive: true });
  await writeFile(join(directory, 'backups', name, `${name}.tar.gz`), gzipped);
  await writeFile(join(directory, 'backups', name, 'manifest.json'), JSON.stringify(manifest));
  return name;
}

/** verify's refusal, after checking restore's reader refuses too without yielding a single object. */
async function refusal(name: string): Promise<string> {
  const verifying = await verifyBackup(store, name).then(
    () => undefined,
    (error: unknown) => error,
  );
  const reading = await drain(readBackup(store, name));
  expect(verifying, 'verify refuses').toBeInstanceOf(Error);
  expect(reading.items).toEqual([]);
  expect((reading.error as Error).message).toBe((verifying as Error).message);
  return (verifying as Error).message;
}

const OBJECT_A = configMapEntry('resources/configmaps/namespaces/shop/a.json', 'a', 'shop');

describe('hostile archives, resealed', () => {
  const archives: Array<{ input: string; build: () => Promise<string>; says: string }> = [
    {
      input: 'one entry claiming 1 GiB in a 1 MiB part',
      build: async () => sealed(await tarClaiming(1024 ** 3), { configmaps: 1 }),
      says: '1073741824 bytes, over the limit of 4194304 bytes per entry',
    },
    {
      input: 'a part that unpacks to more than its manifest declares',
      build: async () => {
        const bytes = await handmadeTar([
          VERSION,
          { ...OBJECT_A, body: JSON.stringify({ pad: ' '.repeat(65536) }) },
        ]);
        return sealed(bytes, { configmaps: 1 }, { contentBytes: bytes.length - 1024 });
      },
      says: 'unpacks to more than the',
    },
    {
      input: 'the same object twice',
      build: async () => sealed(await handmadeTar([VERSION, OBJECT_A, OBJECT_A]), { configmaps: 2 }),
      says: 'the same object twice (first as resources/configmaps/namespaces/shop/a.json)',
    },
    {
      input: 'a namespace in the body other than the path’s',
      build: async () =>
        sealed(
          await handmadeTar([
            VERSION,
            configMapEntry('resources/configmaps/namespaces/shop/a.json', 'a', 'kube-system'),
          ]),
          { configmaps: 1 },
        ),
      says: 'its metadata.namespace is "kube-system" but its path says "shop"',
    },
    {
      input: 'a name in the body other than the path’s',
      build: async () =>
        sealed(
          await handmadeTar([
            VERSION,
            configMapEntry('resources/configmaps/namespaces/shop/a.json', 'admin', 'shop'),
          ]),
          {
            configmaps: 1,
          },
        ),
      says: 'its metadata.name is "admin" but its path says "a"',
    },
    {
      input: 'a namespaced body under a cluster-scoped path',
      build: async () =>
        sealed(
          await handmadeTar([VERSION, configMapEntry('resources/configmaps/cluster/a.json', 'a', 'shop')]),
          {
            configmaps: 1,
          },
        ),
      says: 'its metadata.namespace is "shop" but its path says "(cluster-scoped)"',
    },
    {
      input: 'an API group in the body other than the resource directory’s',
      build: async () =>
        sealed(
          await handmadeTar([
            VERSION,
            configMapEntry('resources/deployments.apps/namespaces/shop/a.json', 'a', 'shop'),
          ]),
          { 'deployments.apps': 1 },
        ),
      says: 'its API group (apiVersion) is "v1" but its path says "apps"',
    },
    ...[
      ['an entry outside resources/', 'etc/cron.d/job'],
      ['an entry climbing out with ../', 'resources/../../root/.ssh/authorized_keys'],
      ['an entry inside resources/ but off the layout', 'resources/configmaps/a.json'],
    ].map(([input, path]) => ({
      input: input as string,
      build: async () =>
        sealed(await handmadeTar([VERSION, OBJECT_A, { name: path as string, body: '{}' }]), {
          configmaps: 1,
        }),
      says: 'not part of the backup layout',
    })),
    {
      input: 'counts that disagree with the manifest',
      build: async () =>
        sealed(
          await handmadeTar([
            VERSION,
            OBJECT_A,
            configMapEntry('resources/configmaps/namespaces/shop/b.json', 'b', 'shop'),
          ]),
          { configmaps: 1 },
        ),
      says: 'object counts differ from the manifest (configmaps: archive holds 2, manifest says 1)',
    },
    {
      input: 'no metadata/version entry',
      build: async () => sealed(await handmadeTar([OBJECT_A]), { configmaps: 1 }),
      says: 'has no format version',
    },
    {
      input: 'a format version of another major',
      build: async () =>
        sealed(await handmadeTar([{ ...VERSION, body: '2.0.0' }, OBJECT_A]), { configmaps: 1 }),
      says: 'has format version "2.0.0", this reader supports 1.x',
    },
    {
      input: 'an entry that is not JSON',
      build: async () =>
        sealed(await handmadeTar([VERSION, { ...OBJECT_A, body: 'kind: ConfigMap' }]), { configmaps: 1 }),
      says: 'not valid JSON',
    },
  ];

  it.each(archives)(
    'refuses $input, naming it, before any object is yielded',
    async ({ input, build, says }) => {
      // Arrange
      const name = await build();

      // Act
      const message = await refusal(name);

      // Assert
      expect(message).toContain(says);
      found('archive', input, `refused: ${message}`);
    },
  );

  it('refuses the 1 GiB entry within seconds and well under 300 MB', async () => {
    // Arrange
    const name = await sealed(await tarClaiming(1024 ** 3), { configmaps: 1 });
    const rssBefore = process.memoryUsage().rss;
    const started = Date.now();

    // Act
    await refusal(name);

    // Assert
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(300 * 1024 ** 2);
  });
});

describe('hostile objects at restore', () => {
  let target: KubeApiSimulator;

  beforeAll(async () => {
    target = await startSimulator();
  });
  afterAll(() => target.stop());

  const binding = (name: string, kind: string, subject: string): ArchiveEntry => ({
    resource: 'clusterrolebindings',
    group: 'rbac.authorization.k8s.io',
    name,
    object: {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind, name: subject }],
    } satisfies KubeObject,
  });
  const objects: Array<{ input: string; entries: ArchiveEntry[]; says: string; writes: number }> = [
    {
      input: 'a ClusterRoleBinding giving system:unauthenticated cluster-admin',
      entries: [binding('everyone-is-admin', 'Group', 'system:unauthenticated')],
      says: 'refused: binds ClusterRole cluster-admin to Group:system:unauthenticated',
      writes: 0,
    },
    {
      input: 'a ClusterRoleBinding giving system:anonymous cluster-admin',
      entries: [binding('anonymous-admin', 'User', 'system:anonymous')],
      says: 'refused: binds ClusterRole cluster-admin to User:system:anonymous',
      writes: 0,
    },
    {
      input: 'an object of a resource the target does not serve, after others',
      entries: [
        {
          resource: 'configmaps',
          group: '',
          namespace: 'shop',
          name: 'a',
          object: JSON.parse(OBJECT_A.body as string),
        },
        {
          resource: 'widgets',
          group: 'example.com',
          namespace: 'shop',
          name: 'w',
          object: {
            apiVersion: 'example.com/v1',
            kind: 'Widget',
            metadata: { name: 'w', namespace: 'shop' },
          },
        },
      ],
      says: 'refused before writing anything: 1 object the target cluster cannot take',
      writes: 0,
    },
    {
      input: 'a Secret’s body under configmaps/',
      entries: [
        {
          resource: 'configmaps',
          group: '',
          namespace: 'shop',
          name: 'creds',
          object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'shop' } },
        },
      ],
      says: 'archived under configmaps, which serves kind ConfigMap, but the object says kind Secret',
      writes: 0,
    },
  ];

  it.each(objects)('handles $input', async ({ input, entries, says, writes }) => {
    // Arrange
    sequence += 1;
    const name = `hostile-${sequence}`;
    await storeEntries(store, name, entries);
    const client = recording(fastClient(target));

    // Act
    const result = await new Restorer({ client, store }).restore({ backupName: name });
    client.close();

    // Assert
    const messages = [result.error?.message, ...result.failures.map((failure) => failure.message)].join('\n');
    expect(messages).toContain(says);
    expect(client.created.filter((created) => created.resource.kind !== 'Namespace')).toHaveLength(writes);
    const refused = result.error
      ? 'restore refused'
      : `${result.failures.length} object(s) refused and reported`;
    found('restore', input, `${refused} (phase ${result.phase}): ${says}`);
  });
});

describe('bad input at the command line and in the plan', () => {
  let source: KubeApiSimulator;
  let kubeconfig: string;

  beforeAll(async () => {
    source = await startSimulator();
    loadFixtureCluster(source);
    kubeconfig = join(directory, 'kubeconfig');
    await source.writeKubeconfig(kubeconfig);
  });
  afterAll(() => source.stop());

  const backupArgs = (...extra: string[]) => [
    'backup',
    '--kubeconfig',
    kubeconfig,
    '--to',
    join(directory, 'cli'),
    ...extra,
  ];
  const inputs: Array<{ input: string; args: () => string[]; says: string }> = [
    {
      input: '`backup --include-resources nosuchthing`',
      args: () => backupArgs('--name', 'a', '--include-resources', 'nosuchthing'),
      says: 'backup filter includeResources "nosuchthing": is not served by the cluster',
    },
    {
      input: '`backup --include-namespaces` naming no namespace that exists',
      args: () => backupArgs('--name', 'b', '--include-namespaces', 'shopp'),
      says: 'select no object in the cluster: nothing to back up (includeNamespaces: shopp)',
    },
    {
      input: '`backup --name` that is not a DNS name',
      args: () => backupArgs('--name', 'Nightly_1'),
      says: 'Nightly_1',
    },
  ];

  it.each(inputs)('refuses $input with exit 1 and nothing written', async ({ input, args, says }) => {
    // Act
    const run = await runCli(args());

    // Assert
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(says);
    const left = await readFile(join(directory, 'cli', 'backups'), 'utf8').catch((error) => error.code);
    expect(['ENOENT', 'EISDIR']).toContain(left);
    found('cli', input, `exit 1: ${run.stderr.split('\n')[0]}`);
  });

  it('names the file when a YAML plan is an alias bomb', async () => {
    // Arrange
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (const [name, previous] of [
      ['b', 'a'],
      ['c', 'b'],
      ['d', 'c'],
      ['e', 'd'],
    ]) {
      levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(',')}]`);
    }
    const path = join(directory, 'bomb.yaml');
    await writeFile(path, levels.join('\n'));

    // Act
    const load = () => loadPlanFile(path);

    // Assert
    expect(load).toThrow(`${path}: not a usable YAML document: Excessive alias count`);
    found(
      'plan',
      'a YAML plan whose aliases expand to 9⁵ strings',
      `refused: ${(() => {
        try {
          load();
          return '';
        } catch (error) {
          return (error as Error).message;
        }
      })()}`,
    );
  });
});

describe('the README', () => {
  it('holds the table of this run’s findings', async () => {
    // Arrange
    const rows = findings
      .sort((a, b) => a.area.localeCompare(b.area) || a.input.localeCompare(b.input))
      .map((f) => [f.area, f.input, f.outcome.replaceAll('|', '\\|').replaceAll('\n', ' ')]);
    const table = [START, ...markdownTable(['where', 'input', 'outcome'], rows), END].join('\n');
    const text = await readFile(README, 'utf8');
    const start = text.indexOf(START);
    const end = text.indexOf(END);

    // Act
    let current = start === -1 || end === -1 ? '' : text.slice(start, end + END.length);
    if (process.env.UPDATE_README === '1' && start !== -1 && end !== -1) {
      await writeFile(README, text.slice(0, start) + table + text.slice(end + END.length));
      current = table;
    }

    // Assert
    expect(findings.length).toBeGreaterThan(20);
    expect(current, 'README table out of date: run UPDATE_README=1 npx vitest run test/trust').toBe(table);
  });
});

/** A markdown table padded as the project's formatter (biome) writes it, so `npm run lint` accepts it. */
function markdownTable(header: string[], rows: string[][]): string[] {
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)];
}
