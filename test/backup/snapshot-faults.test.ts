import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubeApiSimulator } from '../../sandbox/kube/simulator.ts';
import { ResourceListError } from '../../src/backup/errors.ts';
import { Backupper } from '../../src/backup/snapshot.ts';
import type { HttpClusterClient } from '../../src/kube/cluster-client.ts';
import { KubeThrottledError } from '../../src/kube/errors.ts';
import { clusterClientFromKubeconfigText } from '../../src/kube/kubeconfig.ts';
import { aConfigMap, aNamespace, aSecret } from '../fixtures/kube-objects.ts';
import { MemorySink, readEntries } from './snapshot-harness.ts';

const NAMESPACES = ['alpha', 'beta', 'gamma'];
const PER_NAMESPACE = 250;

describe('Backupper surviving the sandbox faults', () => {
  let simulator: KubeApiSimulator;
  let client: HttpClusterClient;
  let retries: Array<{ error: unknown; delayMs: number }>;
  let expected: string[];

  beforeEach(async () => {
    simulator = new KubeApiSimulator();
    const objects: unknown[] = [];
    expected = [];
    for (const ns of NAMESPACES) {
      objects.push(aNamespace(ns).build());
      for (let i = 0; i < PER_NAMESPACE; i++) {
        const name = `cm-${String(i).padStart(4, '0')}`;
        objects.push(aConfigMap(name).inNamespace(ns).build());
        expected.push(`resources/configmaps/namespaces/${ns}/${name}.json`);
      }
      objects.push(aSecret('token').inNamespace(ns).build());
      expected.push(`resources/secrets/namespaces/${ns}/token.json`);
    }
    simulator.load(objects);
    await simulator.start();
    retries = [];
    client = clusterClientFromKubeconfigText(simulator.kubeconfig(), {
      retry: {
        baseDelayMs: 5,
        maxDelayMs: 2000,
        onRetry: (error, _attempt, delayMs) => retries.push({ error, delayMs }),
      },
    });
  });

  afterEach(async () => {
    client.close();
    await simulator.stop();
  });

  /** Snapshots configmaps and secrets in pages of 40 and returns the archived paths of those two resources. */
  async function snapshotPaths() {
    const sink = new MemorySink();
    const result = await new Backupper({ client }).backup(
      {
        name: 'faulty',
        clusterName: 'sandbox',
        pageSize: 40,
        concurrency: 4,
        filters: { includeResources: ['configmaps', 'secrets'] },
      },
      sink,
    );
    const { paths } = await readEntries(sink.bytes(), result.archive);
    return { paths: paths.filter((p) => p.startsWith('resources/')), result };
  }

  function expectExactlyOnce(paths: string[]): void {
    expect(paths.length).toBe(expected.length);
    expect([...paths].sort()).toEqual([...expected].sort());
  }

  it('waits out 429 Too Many Requests for the Retry-After the server sends', async () => {
    // Arrange
    simulator.faults.add({
      kind: 'tooManyRequests',
      retryAfterSeconds: 1,
      match: { verb: 'list' },
      skip: 2,
      every: 4,
      times: 2,
    });

    // Act
    const { paths } = await snapshotPaths();

    // Assert
    expectExactlyOnce(paths);
    const throttled = retries.filter((r) => r.error instanceof KubeThrottledError);
    expect(throttled.map((r) => r.delayMs)).toEqual([1000, 1000]);
  });

  it('retries 500 and 503 answers', async () => {
    // Arrange
    simulator.faults.add({ kind: 'serverError', status: 500, match: { verb: 'list' }, every: 3, times: 6 });
    simulator.faults.add({
      kind: 'serverError',
      status: 503,
      match: { verb: 'list', resource: 'secrets' },
      times: 1,
    });

    // Act
    const { paths } = await snapshotPaths();

    // Assert
    expectExactlyOnce(paths);
    expect(simulator.faults.fired('serverError')).toBe(7);
  });

  it('re-requests a page whose connection was reset mid-answer', async () => {
    // Arrange
    simulator.faults.add({
      kind: 'connectionReset',
      match: { verb: 'list', resource: 'configmaps' },
      skip: 1,
      every: 3,
      times: 4,
    });

    // Act
    const { paths } = await snapshotPaths();

    // Assert
    expectExactlyOnce(paths);
    expect(simulator.faults.fired('connectionReset')).toBe(4);
  });

  it('restarts a list whose continue token expired, without duplicating what it had written', async () => {
    // Arrange: 250 configmaps per namespace in pages of 40; the token for page 4 of each list expires
    simulator.faults.add({
      kind: 'expireContinue',
      afterPages: 3,
      match: { resource: 'configmaps' },
      times: 2,
    });

    // Act
    const { paths, result } = await snapshotPaths();

    // Assert
    expectExactlyOnce(paths);
    expect(simulator.faults.fired('expireContinue')).toBe(2);
    const configmaps = result.resources.find((r) => r.resource === 'configmaps');
    expect(configmaps?.restarts).toBe(2);
    expect(result.manifest.counts).toEqual({
      configmaps: NAMESPACES.length * PER_NAMESPACE,
      secrets: NAMESPACES.length,
    });
  });

  it('survives every fault at once', async () => {
    // Arrange
    simulator.faults.add({
      kind: 'tooManyRequests',
      retryAfterSeconds: 1,
      match: { verb: 'list' },
      skip: 3,
      times: 1,
    });
    simulator.faults.add({ kind: 'serverError', match: { verb: 'list' }, every: 5, times: 3 });
    simulator.faults.add({ kind: 'connectionReset', match: { verb: 'list' }, skip: 2, every: 7, times: 2 });
    simulator.faults.add({
      kind: 'expireContinue',
      afterPages: 5,
      match: { resource: 'configmaps' },
      times: 1,
    });
    simulator.faults.add({ kind: 'latency', latencyMs: 20, match: { verb: 'list' }, every: 2 });

    // Act
    const { paths } = await snapshotPaths();

    // Assert
    expectExactlyOnce(paths);
    for (const kind of ['tooManyRequests', 'serverError', 'connectionReset', 'expireContinue'] as const) {
      expect(simulator.faults.fired(kind)).toBeGreaterThan(0);
    }
  });

  it('gives up, naming the resource, when the token keeps expiring, and aborts the archive', async () => {
    // Arrange
    simulator.faults.add({
      kind: 'expireContinue',
      afterPages: 2,
      match: { resource: 'configmaps' },
      times: 100,
    });
    const sink = new MemorySink();
    const backupper = new Backupper({ client });

    // Act
    const run = backupper.backup(
      {
        name: 'faulty',
        clusterName: 'sandbox',
        pageSize: 40,
        maxListRestarts: 2,
        filters: { includeResources: ['configmaps'] },
      },
      sink,
    );

    // Assert
    await expect(run).rejects.toThrow(ResourceListError);
    await expect(run).rejects.toThrow(/listing configmaps: continue token expired \(410\) 3 times/);
    expect(sink.destroyed).toBe(true);
  });
});
