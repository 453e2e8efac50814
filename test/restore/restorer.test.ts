import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeApiSimulator } from '../../sandbox/kube/simulator.ts';
import type { LocalDirectoryStore } from '../../src/archive/stores/local-directory-store.ts';
import type { HttpClusterClient } from '../../src/kube/cluster-client.ts';
import { groupResource, type KubeObject } from '../../src/kube/kube-object.ts';
import { RESTORE_ID_ANNOTATION, RESTORED_FROM_ANNOTATION } from '../../src/restore/actions/index.ts';
import { Restorer } from '../../src/restore/restorer.ts';
import {
  backUp,
  fastClient,
  fixtureObjects,
  recording,
  startSimulator,
  temporaryStore,
} from './restore-harness.ts';

const BACKUP = 'nightly-1';
const SERVER_OWNED_METADATA = [
  'uid',
  'resourceVersion',
  'creationTimestamp',
  'generation',
  'managedFields',
  'ownerReferences',
  'selfLink',
];

let source: KubeApiSimulator;
let target: KubeApiSimulator;
let store: LocalDirectoryStore;
let cleanup: () => Promise<void>;
let client: HttpClusterClient;

beforeEach(async () => {
  source = await startSimulator();
  target = await startSimulator({ crdEstablishDelayMs: 150 });
  source.load(fixtureObjects());
  ({ store, cleanup } = await temporaryStore());
  await backUp(source, store, BACKUP);
  client = fastClient(target);
});

afterEach(async () => {
  client.close();
  await Promise.all([source.stop(), target.stop()]);
  await cleanup();
});

/** Every archived object that a restore should bring over, read back from the source as it was backed up. */
async function sourceObjects(): Promise<Array<{ gr: string; object: KubeObject }>> {
  const sourceClient = fastClient(source);
  try {
    const { resources } = await sourceClient.discover();
    const out: Array<{ gr: string; object: KubeObject }> = [];
    const fixtures = fixtureObjects();
    for (const fixture of fixtures) {
      const [group, version] = fixture.apiVersion?.includes('/')
        ? (fixture.apiVersion.split('/') as [string, string])
        : ['', fixture.apiVersion ?? 'v1'];
      const resource =
        resources.find((r) => r.group === group && r.kind === fixture.kind) ??
        resources.find((r) => r.group === group && r.version === version && r.kind === fixture.kind);
      if (!resource) throw new Error(`no resource for ${fixture.kind}`);
      const live = await sourceClient.get(resource, fixture.metadata.namespace, fixture.metadata.name ?? '');
      if (!live) throw new Error(`source has no ${fixture.kind} ${fixture.metadata.name}`);
      out.push({ gr: groupResource(resource), object: live });
    }
    return out;
  } finally {
    sourceClient.close();
  }
}

function withoutRestoreAnnotations(annotations: Record<string, string> | undefined): Record<string, string> {
  const copy = { ...(annotations ?? {}) };
  delete copy[RESTORED_FROM_ANNOTATION];
  delete copy[RESTORE_ID_ANNOTATION];
  return copy;
}

/** The spec as a restore must carry it: what the actions strip on purpose is taken out of both sides. */
function comparableSpec(gr: string, spec: Record<string, unknown> | undefined): unknown {
  // biome-ignore lint/suspicious/noExplicitAny: a free-form spec walked by field name
  const copy = structuredClone(spec ?? {}) as Record<string, any>;
  if (gr === 'services') {
    if (copy.clusterIP !== 'None') {
      delete copy.clusterIP;
      delete copy.clusterIPs;
    }
    for (const port of copy.ports ?? []) delete port.nodePort;
  }
  if (gr === 'pods') delete copy.nodeName;
  if (gr === 'persistentvolumes' && copy.claimRef) {
    delete copy.claimRef.uid;
    delete copy.claimRef.resourceVersion;
  }
  if (gr === 'jobs.batch') {
    delete copy.selector;
    for (const label of ['controller-uid', 'batch.kubernetes.io/controller-uid'])
      delete copy.template?.metadata?.labels?.[label];
  }
  return copy;
}

/** Labels as a restore must carry them: a Job's controller-uid labels name the source Job and go on purpose. */
function comparableLabels(gr: string, labels: Record<string, string> | undefined): Record<string, string> {
  const copy = { ...(labels ?? {}) };
  if (gr === 'jobs.batch')
    for (const label of ['controller-uid', 'batch.kubernetes.io/controller-uid']) delete copy[label];
  return copy;
}

describe('Restorer round trip', () => {
  it('restores every fixture kind into an empty cluster with equal content and nothing server-owned', async () => {
    // Arrange
    const recorder = recording(client);
    const restorer = new Restorer({ client: recorder, store, crdPollIntervalMs: 20 });
    const expected = await sourceObjects();

    // Act
    const result = await restorer.restore({ backupName: BACKUP });

    // Assert
    expect(result.error).toBeUndefined();
    expect(result.failures).toEqual([]);
    expect(result.phase).toBe('Completed');
    expect(result.totals.failed).toBe(0);
    const { resources } = await client.discover();
    for (const { gr, object } of expected) {
      const resource = resources.find((r) => groupResource(r) === gr);
      const restored =
        resource && (await client.get(resource, object.metadata.namespace, object.metadata.name ?? ''));
      expect(restored, `${gr} ${object.metadata.name}`).toBeDefined();
      if (!restored) continue;
      expect(comparableSpec(gr, restored.spec), `${gr} ${object.metadata.name} spec`).toEqual(
        comparableSpec(gr, object.spec),
      );
      for (const field of ['data', 'rules', 'roleRef', 'subjects', 'type']) {
        expect(restored[field], `${gr} ${object.metadata.name} ${field}`).toEqual(object[field]);
      }
      expect(restored.metadata.labels ?? {}).toEqual(comparableLabels(gr, object.metadata.labels));
      expect(withoutRestoreAnnotations(restored.metadata.annotations)).toEqual(
        object.metadata.annotations ?? {},
      );
      expect(restored.metadata.annotations?.[RESTORED_FROM_ANNOTATION]).toBe(BACKUP);
      expect(restored.metadata.uid).not.toBe(object.metadata.uid);
    }
    for (const { object, resource } of recorder.created) {
      const where = `${groupResource(resource)} ${object.metadata.name}`;
      for (const field of SERVER_OWNED_METADATA)
        expect(object.metadata[field], `${where} metadata.${field}`).toBeUndefined();
      expect(object.status, `${where} status`).toBeUndefined();
    }
    const sent = (gr: string, name: string) =>
      recorder.created.find((c) => groupResource(c.resource) === gr && c.object.metadata.name === name)
        ?.object;
    expect(sent('services', 'web')?.spec?.clusterIP).toBeUndefined();
    expect(
      ((sent('services', 'web') as KubeObject).spec as { ports: Array<Record<string, unknown>> }).ports[0]
        ?.nodePort,
    ).toBeUndefined();
    expect(sent('services', 'db')?.spec?.clusterIP).toBe('None');
    expect(sent('pods', 'debug')?.spec?.nodeName).toBeUndefined();
    const restoredWeb = await client.get(
      resources.find((r) => r.resource === 'services') as never,
      'shop',
      'web',
    );
    expect(restoredWeb?.spec?.clusterIP).not.toBe('10.100.77.7');
  });

  it('creates CRDs first and waits until they are Established before their custom objects', async () => {
    // Arrange
    const recorder = recording(client);
    const restorer = new Restorer({ client: recorder, store, crdPollIntervalMs: 20 });

    // Act
    const result = await restorer.restore({ backupName: BACKUP });

    // Assert
    const order = recorder.created.map((c) => groupResource(c.resource));
    expect(order[0]).toBe('customresourcedefinitions.apiextensions.k8s.io');
    expect(order.indexOf('namespaces')).toBeLessThan(order.indexOf('configmaps'));
    expect(order.indexOf('persistentvolumes')).toBeLessThan(order.indexOf('persistentvolumeclaims'));
    expect(order.indexOf('serviceaccounts')).toBeLessThan(order.indexOf('deployments.apps'));
    const widget = result.objects.find((o) => o.groupResource === 'widgets.example.com');
    expect(widget).toMatchObject({ outcome: 'created', namespace: 'shop', name: 'gizmo' });
  });
});
