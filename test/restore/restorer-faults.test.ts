import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeApiSimulator } from '../../sandbox/kube/simulator.ts';
import type { LocalDirectoryStore } from '../../src/archive/stores/local-directory-store.ts';
import type { HttpClusterClient } from '../../src/kube/cluster-client.ts';
import { clusterClientFromKubeconfigText } from '../../src/kube/kubeconfig.ts';
import { Restorer } from '../../src/restore/restorer.ts';
import type { RestoreResult } from '../../src/restore/result.ts';
import { aConfigMap, aNamespace } from '../fixtures/kube-objects.ts';
import { backUp, fastClient, fixtureObjects, startSimulator, temporaryStore } from './restore-harness.ts';

const BACKUP = 'nightly-2';
const EXTRA_CONFIGMAPS = 80;

let source: KubeApiSimulator;
let target: KubeApiSimulator;
let store: LocalDirectoryStore;
let cleanup: () => Promise<void>;
let client: HttpClusterClient;

beforeEach(async () => {
  source = await startSimulator();
  target = await startSimulator();
  source.load(fixtureObjects());
  source.load(
    Array.from({ length: EXTRA_CONFIGMAPS }, (_, i) =>
      aConfigMap(`cm-${i}`, { i: String(i) })
        .inNamespace('ops')
        .build(),
    ),
  );
  ({ store, cleanup } = await temporaryStore());
  await backUp(source, store, BACKUP);
  client = fastClient(target);
});

afterEach(async () => {
  client.close();
  await Promise.all([source.stop(), target.stop()]);
  await cleanup();
});

/** Namespaces every simulator has from the start: restoring them finds them there. */
const BUILTIN_NAMESPACES = 4;

function identities(result: RestoreResult): string[] {
  return result.objects.map((o) => `${o.groupResource} ${o.namespace ?? ''}/${o.name}`);
}

describe('Restorer under API faults', () => {
  it('completes every object through 429s, 500s and connection resets during create, reporting each once', async () => {
    // Arrange
    target.faults.add({ kind: 'tooManyRequests', match: { verb: 'create' }, every: 5, retryAfterSeconds: 0 });
    target.faults.add({ kind: 'serverError', match: { verb: 'create' }, every: 7 });
    target.faults.add({ kind: 'connectionReset', match: { verb: 'create' }, every: 9 });
    // Nearly half of all creates fail here, far more than a real API server under load: more attempts than the default.
    const patient = clusterClientFromKubeconfigText(target.kubeconfig(), {
      retry: { attempts: 12, baseDelayMs: 5, maxDelayMs: 100 },
    });
    const restorer = new Restorer({ client: patient, store, crdPollIntervalMs: 20 });

    // Act
    const result = await restorer.restore({ backupName: BACKUP });
    patient.close();

    // Assert
    expect(result.failures).toEqual([]);
    expect(result.phase).toBe('Completed');
    expect(target.faults.fired('tooManyRequests')).toBeGreaterThan(5);
    expect(target.faults.fired('serverError')).toBeGreaterThan(5);
    expect(target.faults.fired('connectionReset')).toBeGreaterThan(5);
    // A create whose answer was lost is retried, finds its own object, and is still reported as created.
    expect(result.totals.skippedExists).toBe(BUILTIN_NAMESPACES);
    expect(result.totals.created).toBe(result.totals.planned - BUILTIN_NAMESPACES);
    expect(new Set(identities(result)).size).toBe(result.totals.planned);
    expect(target.count('configmaps')).toBe(source.count('configmaps'));
  });

  it('waits for a CRD that is slow to become Established before creating its objects', async () => {
    // Arrange
    const slow = await startSimulator({ crdEstablishDelayMs: 600 });
    const slowClient = fastClient(slow);
    const restorer = new Restorer({ client: slowClient, store, crdPollIntervalMs: 25 });

    // Act
    const result = await restorer.restore({ backupName: BACKUP });
    slowClient.close();
    await slow.stop();

    // Assert
    expect(result.phase).toBe('Completed');
    expect(result.objects.find((o) => o.groupResource === 'widgets.example.com')?.outcome).toBe('created');
  });

  it('fails the objects of a CRD that never becomes Established, naming it, and restores the rest', async () => {
    // Arrange
    const never = await startSimulator({ crdEstablishDelayMs: 60_000 });
    const neverClient = fastClient(never);
    const restorer = new Restorer({
      client: neverClient,
      store,
      crdPollIntervalMs: 20,
      crdEstablishTimeoutMs: 300,
    });

    // Act
    const result = await restorer.restore({ backupName: BACKUP });
    neverClient.close();
    await never.stop();

    // Assert
    expect(result.phase).toBe('PartiallyFailed');
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]).toMatchObject({
      groupResource: 'widgets.example.com',
      name: 'gizmo',
      outcome: 'failed',
    });
    expect(result.failures[0]?.message).toContain('widgets.example.com');
    expect(result.totals.created).toBe(result.totals.planned - BUILTIN_NAMESPACES - 1);
  });
});

describe('Restorer with existing objects', () => {
  beforeEach(() => {
    target.load([
      aNamespace('shop').build(),
      aConfigMap('web-config', { 'app.properties': 'colour=red' }).inNamespace('shop').build(),
    ]);
  });

  it('skips and reports an existing object under policy none, leaving it as it was', async () => {
    // Arrange
    const restorer = new Restorer({ client, store, crdPollIntervalMs: 20 });

    // Act
    const result = await restorer.restore({
      backupName: BACKUP,
      options: { existingResourcePolicy: 'none' },
    });

    // Assert
    expect(result.phase).toBe('Completed');
    const outcome = result.objects.find((o) => o.groupResource === 'configmaps' && o.name === 'web-config');
    expect(outcome?.outcome).toBe('skipped-exists');
    expect(result.totals.skippedExists).toBe(BUILTIN_NAMESPACES + 2);
    const live = target.api.getObject(
      target.catalog.lookupKind('v1', 'ConfigMap') as never,
      'shop',
      'web-config',
    );
    expect(live.data).toEqual({ 'app.properties': 'colour=red' });
  });

  it('replaces an existing object with the archived one under policy update', async () => {
    // Arrange
    const restorer = new Restorer({ client, store, crdPollIntervalMs: 20 });

    // Act
    const result = await restorer.restore({
      backupName: BACKUP,
      options: { existingResourcePolicy: 'update' },
    });

    // Assert
    expect(result.phase).toBe('Completed');
    const outcome = result.objects.find((o) => o.groupResource === 'configmaps' && o.name === 'web-config');
    expect(outcome?.outcome).toBe('updated');
    expect(result.totals.updated).toBe(BUILTIN_NAMESPACES + 2);
    const live = target.api.getObject(
      target.catalog.lookupKind('v1', 'ConfigMap') as never,
      'shop',
      'web-config',
    );
    expect(live.data).toEqual({ 'app.properties': 'colour=blue' });
  });
});
