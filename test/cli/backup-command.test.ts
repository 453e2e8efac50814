import { mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubeApiSimulator } from '../../sandbox/kube/simulator.ts';
import { loadFixtureCluster } from '../backup/snapshot-harness.ts';
import { runCli as run } from './run-cli.ts';

describe('eks-dr backup / inspect / verify', () => {
  let simulator: KubeApiSimulator;
  let dir: string;
  let kubeconfig: string;

  beforeEach(async () => {
    simulator = new KubeApiSimulator({ crdEstablishDelayMs: 0 });
    loadFixtureCluster(simulator);
    await simulator.start();
    dir = await mkdtemp(join(tmpdir(), 'eks-dr-cli-backup-'));
    kubeconfig = join(dir, 'kubeconfig');
    await simulator.writeKubeconfig(kubeconfig);
  });

  afterEach(async () => {
    await simulator.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const backup = (name: string, ...extra: string[]) =>
    run(['backup', '--kubeconfig', kubeconfig, '--to', join(dir, 'store'), '--name', name, ...extra]);

  it('writes the archive and manifest under <to>/backups/<name> and prints a JSON summary', async () => {
    // Arrange: the fixture cluster

    // Act
    const result = await backup(
      'nightly',
      '--json',
      '--include-namespaces',
      'shop',
      '--exclude-resources',
      'pods',
    );

    // Assert
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({
      name: 'nightly',
      phase: 'Completed',
      cluster: { name: 'eks-dr-sandbox' },
    });
    expect(summary.counts).toMatchObject({ 'deployments.apps': 1, secrets: 1, 'widgets.example.com': 1 });
    expect(summary.counts.pods).toBeUndefined();
    const manifest = JSON.parse(await readFile(join(dir, 'store/backups/nightly/manifest.json'), 'utf8'));
    expect(manifest.filters).toEqual({ includeNamespaces: ['shop'], excludeResources: ['pods'] });
    expect((await stat(join(dir, 'store/backups/nightly/nightly.tar.gz'))).size).toBe(summary.bytes);
  });

  it('prints a table of objects per resource without --json', async () => {
    // Arrange: the fixture cluster

    // Act
    const result = await backup('table');

    // Assert
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Backup table Completed: \d+ objects, .* in [\d.]+ s/);
    expect(result.stdout).toMatch(/deployments\.apps\s+1/);
    expect(result.stdout).toMatch(/RESOURCE\s+OBJECTS/);
  });

  it('refuses a backup name that exists, leaving it untouched', async () => {
    // Arrange
    await backup('taken');
    const before = await readFile(join(dir, 'store/backups/taken/manifest.json'), 'utf8');

    // Act
    const again = await backup('taken');

    // Assert
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/backup taken .*already exists/);
    expect(await readFile(join(dir, 'store/backups/taken/manifest.json'), 'utf8')).toBe(before);
  });

  it('rejects a bad filter before writing anything', async () => {
    // Arrange: the fixture cluster

    // Act
    const result = await backup('bad', '--selector', 'app in (');

    // Assert
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/labelSelector/);
    await expect(stat(join(dir, 'store/backups/bad'))).rejects.toThrow(/ENOENT/);
  });

  it('inspects a backup: cluster, version, filters and counts', async () => {
    // Arrange
    await backup('look', '--selector', 'app=web');

    // Act
    const text = await run(['inspect', '--from', join(dir, 'store/backups/look')]);
    const json = await run(['inspect', '--from', join(dir, 'store/backups/look'), '--json']);

    // Assert
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/Cluster:\s+eks-dr-sandbox \(v1\.34\.1-eks-dr-sandbox\)/);
    expect(text.stdout).toMatch(/Filters:\s+labelSelector=app=web/);
    expect(text.stdout).toMatch(/widgets\.example\.com\s+1/);
    expect(JSON.parse(json.stdout)).toMatchObject({ name: 'look', totalObjects: 4, phase: 'Completed' });
  });

  it('verifies a sound backup with exit 0', async () => {
    // Arrange
    await backup('sound');

    // Act
    const result = await run(['verify', '--from', join(dir, 'store/backups/sound')]);

    // Assert
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^backup sound verified: \d+ objects/);
  });

  it('refuses a truncated archive in verify and inspect, naming the part', async () => {
    // Arrange
    await backup('cut');
    const archive = join(dir, 'store/backups/cut/cut.tar.gz');
    await truncate(archive, (await stat(archive)).size - 100);

    // Act
    const verify = await run(['verify', '--from', join(dir, 'store/backups/cut')]);
    const inspect = await run(['inspect', '--from', join(dir, 'store/backups/cut')]);

    // Assert
    expect(verify.code).not.toBe(0);
    expect(verify.stderr).toMatch(/cut\.tar\.gz.*size .*truncated/);
    expect(inspect.code).not.toBe(0);
    expect(inspect.stderr).toMatch(/cut\.tar\.gz/);
  });

  it('refuses a corrupted archive, a missing manifest and a wrong format version', async () => {
    // Arrange
    await backup('flip');
    await backup('nomanifest');
    await backup('future');
    const archive = join(dir, 'store/backups/flip/flip.tar.gz');
    const bytes = await readFile(archive);
    const middle = Math.floor(bytes.length / 2);
    bytes.writeUInt8(bytes.readUInt8(middle) ^ 0xff, middle);
    await writeFile(archive, bytes);
    await rm(join(dir, 'store/backups/nomanifest/manifest.json'));
    const futureManifest = join(dir, 'store/backups/future/manifest.json');
    await writeFile(futureManifest, (await readFile(futureManifest, 'utf8')).replace('"1.1.0"', '"2.0.0"'));

    // Act
    const flipped = await run(['verify', '--from', join(dir, 'store/backups/flip')]);
    const missing = await run(['verify', '--from', join(dir, 'store/backups/nomanifest')]);
    const future = await run(['verify', '--from', join(dir, 'store/backups/future')]);

    // Assert
    expect(flipped.code).toBe(1);
    expect(flipped.stderr).toMatch(/flip\.tar\.gz.*sha256 mismatch/);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/manifest\.json not found/);
    expect(future.code).toBe(1);
    expect(future.stderr).toMatch(/format version "2\.0\.0"/);
  });
});
