import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import tar from 'tar-stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { KubeApiSimulator } from '../../sandbox/kube/simulator.ts';
import { startS3rver } from '../aws/s3rver-harness.ts';
import { loadFixtureCluster } from '../backup/snapshot-harness.ts';
import { runCli as run } from './run-cli.ts';

/** The file names of a tar.gz and their bodies. */
async function untar(bytes: Uint8Array): Promise<Map<string, string>> {
  const extract = tar.extract();
  Readable.from([gunzipSync(bytes)]).pipe(extract as unknown as NodeJS.WritableStream);
  const files = new Map<string, string>();
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(Buffer.from(chunk as Uint8Array));
    files.set(entry.header.name, Buffer.concat(chunks).toString('utf8'));
  }
  return files;
}

/** Every item path of an export paired with its preferred-version twin must be there, with the same body. */
function expectBothPaths(files: Map<string, string>): number {
  const plain = [...files.keys()].filter((path) => /^resources\/[^/]+\/(namespaces|cluster)\//.test(path));
  for (const path of plain) {
    const object = JSON.parse(files.get(path) ?? '{}') as { apiVersion: string };
    const version = object.apiVersion.split('/').pop();
    const twin = path.replace(/^(resources\/[^/]+\/)/, `$1${version}-preferredversion/`);
    expect(files.get(twin), twin).toBe(files.get(path));
  }
  expect(files.size).toBe(1 + 2 * plain.length);
  return plain.length;
}

describe('eks-dr export --velero', () => {
  let simulator: KubeApiSimulator;
  let dir: string;
  let kubeconfig: string;
  let s3: Awaited<ReturnType<typeof startS3rver>>;

  beforeAll(async () => {
    s3 = await startS3rver(['velero-bsl']);
  });

  afterAll(async () => {
    await s3?.close();
  });

  beforeEach(async () => {
    simulator = new KubeApiSimulator({ crdEstablishDelayMs: 0 });
    loadFixtureCluster(simulator);
    await simulator.start();
    dir = await mkdtemp(join(tmpdir(), 'eks-dr-cli-export-'));
    kubeconfig = join(dir, 'kubeconfig');
    await simulator.writeKubeconfig(kubeconfig);
  });

  afterEach(async () => {
    vi.unstubAllEnvs();
    await simulator.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const backup = async (name: string) => {
    const result = await run([
      'backup',
      '--kubeconfig',
      kubeconfig,
      '--to',
      join(dir, 'store'),
      '--name',
      name,
    ]);
    expect(result.code, result.stderr).toBe(0);
  };

  it('exports a sandbox backup into a directory as a Velero backup and prints where', async () => {
    // Arrange
    await backup('nightly');

    // Act
    const result = await run([
      'export',
      '--velero',
      '--from',
      join(dir, 'store/backups/nightly'),
      '--to',
      join(dir, 'bsl'),
      '--json',
    ]);

    // Assert
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ name: 'nightly', phase: 'Completed' });
    expect((await readdir(join(dir, 'bsl/backups/nightly'))).sort()).toEqual([
      'nightly-resource-list.json.gz',
      'nightly.tar.gz',
      'velero-backup.json',
    ]);
    const files = await untar(await readFile(join(dir, 'bsl/backups/nightly/nightly.tar.gz')));
    expect(files.get('metadata/version')).toBe('1.1.0\n');
    expect(expectBothPaths(files)).toBe(summary.totalObjects);
    expect(files.has('resources/deployments.apps/v1-preferredversion/namespaces/shop/web.json')).toBe(true);
    const velero = JSON.parse(await readFile(join(dir, 'bsl/backups/nightly/velero-backup.json'), 'utf8'));
    expect(velero).toMatchObject({
      apiVersion: 'velero.io/v1',
      kind: 'Backup',
      metadata: { name: 'nightly', namespace: 'velero', labels: { 'velero.io/storage-location': 'default' } },
      spec: { storageLocation: 'default' },
      status: { phase: 'Completed', formatVersion: '1.1.0', version: 1 },
    });
    const list = JSON.parse(
      gunzipSync(await readFile(join(dir, 'bsl/backups/nightly/nightly-resource-list.json.gz'))).toString(),
    );
    expect(list['apps/v1/Deployment']).toContain('shop/web');
  });

  it('refuses a second export to the same place, naming what is there', async () => {
    // Arrange
    await backup('twice');
    const args = ['export', '--velero', '--from', join(dir, 'store/backups/twice'), '--to', join(dir, 'bsl')];
    expect((await run(args)).code).toBe(0);
    const before = await readFile(join(dir, 'bsl/backups/twice/twice.tar.gz'));

    // Act
    const again = await run(args);

    // Assert
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^eks-dr export: .*bsl\/backups\/twice already holds .*twice/);
    expect((await readFile(join(dir, 'bsl/backups/twice/twice.tar.gz'))).equals(before)).toBe(true);
  });

  it.each([
    [['--from', 'x/backups/b', '--to', 'y'], /--velero is required/],
    [['--velero', '--to', 'y'], /--from .* is required/],
    [['--velero', '--from', 'x/backups/b'], /--to .* is required/],
    [
      ['--velero', '--from', 'x/backups/b', '--to', 'y', '--storage-location', 'BAD NAME'],
      /storage location "BAD NAME"/,
    ],
    [['--velero', '--from', 'x/backups/B', '--to', 'y'], /backup name "B"/],
    [['--velero', '--from', 'x/backups/b', '--to', 'ftp://y'], /only local paths and s3:\/\//],
    [['--velero', '--from', 'x/backups/b', '--to', 'y', '--bogus'], /Unknown option '--bogus'/],
  ])('refuses bad flags %j before reading anything', async (args, message) => {
    // Arrange: nothing exists at x/ or y/

    // Act
    const result = await run(['export', ...args]);

    // Assert
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/ENOENT|not found|no such/i);
  });

  it('exports into an s3:// BSL prefix through --s3-endpoint', async () => {
    // Arrange
    await backup('to-s3');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'S3RVER'); // what s3rver accepts; the client picks it up from the environment
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'S3RVER');
    const client = new S3Client({
      endpoint: s3.endpoint,
      forcePathStyle: true,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const args = [
      'export',
      '--velero',
      '--from',
      join(dir, 'store/backups/to-s3'),
      '--to',
      's3://velero-bsl/cluster-a',
      '--s3-endpoint',
      s3.endpoint,
      '--region',
      'eu-west-1',
      '--storage-location',
      'aws-primary',
    ];

    // Act
    const result = await run(args);
    const again = await run(args);

    // Assert
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/s3:\/\/velero-bsl\/cluster-a\/backups\/to-s3\/velero-backup\.json/);
    const listed = await client.send(
      new ListObjectsV2Command({ Bucket: 'velero-bsl', Prefix: 'cluster-a/' }),
    );
    expect((listed.Contents ?? []).map((object) => object.Key).sort()).toEqual([
      'cluster-a/backups/to-s3/to-s3-resource-list.json.gz',
      'cluster-a/backups/to-s3/to-s3.tar.gz',
      'cluster-a/backups/to-s3/velero-backup.json',
    ]);
    const get = async (key: string) =>
      (
        await client.send(new GetObjectCommand({ Bucket: 'velero-bsl', Key: key }))
      ).Body?.transformToByteArray();
    const velero = JSON.parse(
      Buffer.from((await get('cluster-a/backups/to-s3/velero-backup.json')) ?? []).toString(),
    );
    expect(velero.spec.storageLocation).toBe('aws-primary');
    expect(velero.metadata.labels).toEqual({ 'velero.io/storage-location': 'aws-primary' });
    const files = await untar((await get('cluster-a/backups/to-s3/to-s3.tar.gz')) ?? new Uint8Array());
    expect(expectBothPaths(files)).toBeGreaterThan(0);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/s3:\/\/velero-bsl\/cluster-a\/backups\/to-s3\/ already holds/);
  });
});
