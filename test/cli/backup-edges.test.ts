// The edges of `eks-dr backup` found by trying to break it (issue 16): each ends with a clear error and an
// exit code, and leaves nothing in the store. The signal cases run the real command in a child process.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubeApiSimulator } from '../../sandbox/kube/simulator.ts';
import { loadFixtureCluster } from '../backup/snapshot-harness.ts';
import { runCli } from './run-cli.ts';

const CLI = join(import.meta.dirname, '../../bin/eks-dr.js');

describe('eks-dr backup at its edges', () => {
  let simulator: KubeApiSimulator;
  let dir: string;
  let kubeconfig: string;
  let store: string;

  beforeEach(async () => {
    simulator = new KubeApiSimulator({ crdEstablishDelayMs: 0 });
    loadFixtureCluster(simulator);
    await simulator.start();
    dir = await mkdtemp(join(tmpdir(), 'eks-dr-cli-edges-'));
    kubeconfig = join(dir, 'kubeconfig');
    store = join(dir, 'store');
    await simulator.writeKubeconfig(kubeconfig);
  });

  afterEach(async () => {
    await simulator.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** Every file and directory under the store's backups/, as relative paths. */
  const leftovers = async () =>
    (await readdir(join(store, 'backups'), { recursive: true }).catch(() => [] as string[])).sort();

  it('ends with one line and exit 1 when the API server cannot be reached, leaving no directory', async () => {
    // Arrange: a kubeconfig whose server is a port nobody listens on.
    const port = await freePort();
    const dead = join(dir, 'dead.kubeconfig');
    await writeFile(dead, deadKubeconfig(port));

    // Act
    const run = await runChild(['backup', '--kubeconfig', dead, '--to', store, '--name', 'nightly']);

    // Assert
    expect(run.code).toBe(1);
    expect(run.stderr.trim()).toBe(
      `eks-dr backup: GET /apis: connection failed: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    expect(await leftovers()).toEqual([]);
  });

  it('refuses an included resource the cluster does not serve, naming it', async () => {
    // Act
    const run = await runCli([
      'backup',
      '--kubeconfig',
      kubeconfig,
      '--to',
      store,
      '--name',
      'nightly',
      '--include-resources',
      'deployments,nosuchthing',
    ]);

    // Assert
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'backup filter includeResources "nosuchthing": is not served by the cluster',
    );
    expect(await leftovers()).toEqual([]);
  });

  it('refuses filters that select no object (a namespace typo) instead of a Completed empty backup', async () => {
    // Act
    const run = await runCli([
      'backup',
      '--kubeconfig',
      kubeconfig,
      '--to',
      store,
      '--name',
      'nightly',
      '--include-namespaces',
      'shopp',
    ]);

    // Assert
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'backup request filters: select no object in the cluster: nothing to back up (includeNamespaces: shopp)',
    );
    expect(await leftovers()).toEqual([]);
  });

  it('abandons the backup on Ctrl-C: exit 130, nothing stored, no temporary file', async () => {
    // Arrange: ConfigMaps answer slowly, so the archive is being written when the signal comes.
    simulator.faults.add({
      kind: 'latency',
      latencyMs: 20_000,
      match: { verb: 'list', resource: 'configmaps' },
    });
    const child = startChild(['backup', '--kubeconfig', kubeconfig, '--to', store, '--name', 'nightly']);
    await waitFor(async () => (await leftovers()).some((path) => path.endsWith('.partial')));

    // Act
    child.process.kill('SIGINT');
    const run = await child.done;

    // Assert
    expect(run.code).toBe(130);
    expect(run.stderr).toContain(
      'eks-dr backup: interrupted by SIGINT: backup nightly abandoned, nothing stored',
    );
    expect(await leftovers()).toEqual([]);
  });

  it('sweeps what a killed backup left (SIGKILL: nothing ran) when the next backup starts', async () => {
    // Arrange
    const stop = simulator.faults.add({
      kind: 'latency',
      latencyMs: 20_000,
      match: { verb: 'list', resource: 'configmaps' },
    });
    const child = startChild(['backup', '--kubeconfig', kubeconfig, '--to', store, '--name', 'killed']);
    await waitFor(async () => (await leftovers()).some((path) => path.endsWith('.partial')));
    child.process.kill('SIGKILL');
    await child.done;
    const left = await leftovers();
    stop();

    // Act
    const next = await runCli(['backup', '--kubeconfig', kubeconfig, '--to', store, '--name', 'next']);

    // Assert
    expect(left).toEqual([
      'killed',
      expect.stringMatching(/^killed\/killed\.tar\.gz\.\d+-[0-9a-f]{8}-[0-9a-f]{12}\.partial$/),
    ]);
    expect(next.code).toBe(0);
    expect(await leftovers()).toEqual(['next', 'next/manifest.json', 'next/next.tar.gz']);
  });
});

interface ChildRun {
  code: number | null;
  stderr: string;
}

function startChild(args: string[]): { process: ChildProcess; done: Promise<ChildRun> } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const done = once(child, 'close').then(([code]) => ({ code: code as number | null, stderr }));
  return { process: child, done };
}

function runChild(args: string[]): Promise<ChildRun> {
  return startChild(args).done;
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await delay(50);
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

function deadKubeconfig(port: number): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: dead',
    `  cluster: {server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true}`,
    'users:',
    '- name: someone',
    '  user: {token: abc}',
    'contexts:',
    '- name: dead',
    '  context: {cluster: dead, user: someone}',
    'current-context: dead',
    '',
  ].join('\n');
}
