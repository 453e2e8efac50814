import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { type CommandIo, runRestoreCommand } from '../../cli/restore-command.ts';
import { KubeApiSimulator } from '../../sandbox/kube/simulator.ts';
import { loadFixtureCluster } from '../backup/snapshot-harness.ts';
import { runCli as run } from './run-cli.ts';

describe('eks-dr backup and restore: which kubeconfig and context', () => {
  let simulator: KubeApiSimulator;
  let dir: string;

  beforeEach(async () => {
    simulator = new KubeApiSimulator({ crdEstablishDelayMs: 0 });
    loadFixtureCluster(simulator);
    await simulator.start();
    dir = await mkdtemp(join(tmpdir(), 'eks-dr-cli-kubeconfig-'));
    // Nothing of the developer's own kubeconfig may leak in.
    vi.stubEnv('HOME', join(dir, 'home'));
    vi.stubEnv('KUBECONFIG', '');
  });

  afterEach(async () => {
    vi.unstubAllEnvs();
    await simulator.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** The simulator's kubeconfig split in two files, kubectl style: credentials apart from contexts. */
  async function splitKubeconfig(): Promise<string> {
    const whole = simulator.kubeconfig();
    const [head, contexts] = whole.split('contexts:\n') as [string, string];
    const clusters = join(dir, 'clusters.yaml');
    const named = join(dir, 'contexts.yaml');
    await writeFile(clusters, head);
    await writeFile(
      named,
      [
        'contexts:',
        '- name: stale',
        '  context: {cluster: eks-dr-sandbox, user: nobody}',
        contexts.replace(/current-context: .*/, 'current-context: stale'),
      ].join('\n'),
    );
    return [named, clusters].join(delimiter);
  }

  it('backs up the cluster of KUBECONFIG (two files merged) with --context, without --kubeconfig', async () => {
    // Arrange
    vi.stubEnv('KUBECONFIG', await splitKubeconfig());

    // Act
    const result = await run([
      'backup',
      '--context',
      'eks-dr-sandbox',
      '--to',
      join(dir, 'store'),
      '--name',
      'merged',
      '--json',
    ]);

    // Assert
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ name: 'merged', phase: 'Completed' });
  });

  it('backs up the cluster of ~/.kube/config when no kubeconfig is named', async () => {
    // Arrange
    await mkdir(join(dir, 'home', '.kube'), { recursive: true });
    await simulator.writeKubeconfig(join(dir, 'home', '.kube', 'config'));

    // Act
    const result = await run(['backup', '--to', join(dir, 'store'), '--name', 'home', '--json']);

    // Assert
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ cluster: { name: 'eks-dr-sandbox' } });
  });

  it('refuses an unknown --context, naming it and the files, before touching the store', async () => {
    // Arrange
    const files = await splitKubeconfig();
    vi.stubEnv('KUBECONFIG', files);

    // Act
    const result = await run(['backup', '--context', 'prod', '--to', join(dir, 'store'), '--name', 'x']);

    // Assert
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `eks-dr backup: kubeconfig ${files}: no context 'prod' (contexts: stale, eks-dr-sandbox)`,
    );
    await expect(readFile(join(dir, 'store/backups/x/manifest.json'))).rejects.toThrow(/ENOENT/);
  });

  it('restore says where it looked when there is no kubeconfig at all', async () => {
    // Arrange
    const io: CommandIo & { err: string } = {
      err: '',
      stderrIsTTY: false,
      stdout: () => undefined,
      stderr: (text) => {
        io.err += text;
      },
    };

    // Act
    const code = await runRestoreCommand(['--from', join(dir, 'store/backups/none')], io);

    // Assert
    expect(code).toBe(1);
    expect(io.err).toMatch(
      /^eks-dr restore: no kubeconfig: pass --kubeconfig FILE, set KUBECONFIG or write /,
    );
  });
});
