import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubeApiSimulator } from '../../sandbox/kube/simulator.ts';
import { collectionPath, type HttpClusterClient } from '../../src/kube/cluster-client.ts';
import {
  KubeAlreadyExistsError,
  KubeAuthError,
  KubeConflictError,
  KubeGoneError,
  KubeInvalidError,
  KubeServerError,
  KubeThrottledError,
} from '../../src/kube/errors.ts';
import type { ApiResource } from '../../src/kube/kube-object.ts';
import { clusterClientFromKubeconfigText } from '../../src/kube/kubeconfig.ts';
import { aConfigMap, aCrd, aCustomObject } from '../fixtures/kube-objects.ts';

const configmaps: ApiResource = {
  group: '',
  version: 'v1',
  resource: 'configmaps',
  kind: 'ConfigMap',
  namespaced: true,
  verbs: ['list'],
};

/** The error a call fails with; fails the test when it succeeds. */
async function failure(call: Promise<unknown>): Promise<Error> {
  try {
    await call;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

describe('HttpClusterClient against the sandbox', () => {
  let simulator: KubeApiSimulator;
  let client: HttpClusterClient;

  beforeEach(async () => {
    simulator = new KubeApiSimulator({ crdEstablishDelayMs: 0 });
    simulator.load([
      aCrd('example.com', 'Widget').build(),
      ...Array.from({ length: 25 }, (_, i) => aConfigMap(`cm-${String(i).padStart(2, '0')}`).build()),
      aCustomObject('example.com/v1', 'Widget', 'gizmo').build(),
    ]);
    await simulator.start();
    client = clusterClientFromKubeconfigText(simulator.kubeconfig(), {
      retry: { baseDelayMs: 1, maxDelayMs: 20 },
    });
  });

  afterEach(async () => {
    client.close();
    await simulator.stop();
  });

  it('discovers built-in and CRD resources at their preferred version, without subresources', async () => {
    // Arrange: the sandbox with the Widget CRD established

    // Act
    const { resources, unavailableGroups } = await client.discover();

    // Assert
    expect(unavailableGroups).toEqual([]);
    expect(resources).toContainEqual(
      expect.objectContaining({
        group: 'apps',
        version: 'v1',
        resource: 'deployments',
        kind: 'Deployment',
        namespaced: true,
        shortNames: ['deploy'],
      }),
    );
    expect(resources).toContainEqual(
      expect.objectContaining({
        group: 'example.com',
        version: 'v1',
        resource: 'widgets',
        kind: 'Widget',
        namespaced: true,
      }),
    );
    expect(resources.find((r) => r.resource === 'namespaces')).toMatchObject({
      group: '',
      namespaced: false,
    });
    expect(resources.some((r) => r.resource.includes('/'))).toBe(false);
  });

  it('reads the server version', async () => {
    // Arrange: the sandbox

    // Act
    const version = await client.serverVersion();

    // Assert
    expect(version).toBe('v1.34.1-eks-dr-sandbox');
  });

  it('pages a list with limit and continue, filling in apiVersion and kind', async () => {
    // Arrange
    const names: string[] = [];
    let pages = 0;
    let continueToken: string | undefined;

    // Act
    do {
      const page = await client.listPage({
        resource: configmaps,
        namespace: 'default',
        limit: 10,
        ...(continueToken ? { continueToken } : {}),
      });
      pages += 1;
      for (const item of page.items) {
        expect(item).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap' });
        names.push(item.metadata.name ?? '');
      }
      continueToken = page.continueToken;
    } while (continueToken);

    // Assert
    expect(pages).toBe(3);
    expect(names.filter((n) => n.startsWith('cm-'))).toHaveLength(25);
    expect(new Set(names).size).toBe(names.length);
  });

  it('gets, creates, replaces, merge-patches and deletes; a missing object is undefined', async () => {
    // Arrange
    const object = aConfigMap('fresh').build();

    // Act
    const missing = await client.get(configmaps, 'default', 'fresh');
    const created = await client.create(configmaps, 'default', object);
    const replaced = await client.replace(configmaps, 'default', { ...created, data: { key: 'replaced' } });
    const patched = await client.mergePatch(configmaps, 'default', 'fresh', { data: { extra: 'x' } });
    await client.delete(configmaps, 'default', 'fresh');
    await client.delete(configmaps, 'default', 'fresh');
    const gone = await client.get(configmaps, 'default', 'fresh');

    // Assert
    expect(missing).toBeUndefined();
    expect(created.metadata.uid).toBeTruthy();
    expect(replaced.data).toEqual({ key: 'replaced' });
    expect(patched.data).toEqual({ key: 'replaced', extra: 'x' });
    expect(gone).toBeUndefined();
  });

  it('turns API failures into typed errors naming the request', async () => {
    // Arrange
    const existing = await client.get(configmaps, 'default', 'cm-00');
    if (!existing) throw new Error('fixture cm-00 is missing');
    const noAuth = clusterClientFromKubeconfigText(
      simulator.kubeconfig().replace(/token: .*/, 'token: wrong'),
    );

    // Act
    const duplicate = await failure(client.create(configmaps, 'default', aConfigMap('cm-00').build()));
    const stale = await failure(
      client.replace(configmaps, 'default', {
        ...existing,
        metadata: { ...existing.metadata, resourceVersion: '1' },
      }),
    );
    const invalid = await failure(client.create(configmaps, 'default', { metadata: { name: 'Not_Valid' } }));
    const unauthorised = await failure(noAuth.listPage({ resource: configmaps }));
    const badToken = await failure(
      client.listPage({ resource: configmaps, limit: 5, continueToken: 'not-a-token' }),
    );
    noAuth.close();

    // Assert
    expect(duplicate).toBeInstanceOf(KubeAlreadyExistsError);
    expect(duplicate.message).toContain(`POST ${collectionPath(configmaps, 'default')}: 409 AlreadyExists`);
    expect(stale).toBeInstanceOf(KubeConflictError);
    expect(invalid).toBeInstanceOf(KubeInvalidError);
    expect(invalid.message).toContain('Not_Valid');
    expect(unauthorised).toBeInstanceOf(KubeAuthError);
    expect(badToken.message).toMatch(/continue/);
  });

  it('surfaces 410 Gone for an expired continue token instead of retrying it', async () => {
    // Arrange
    simulator.faults.add({ kind: 'expireContinue', afterPages: 1, match: { resource: 'configmaps' } });
    const first = await client.listPage({ resource: configmaps, limit: 5 });

    // Act
    const second = await failure(
      client.listPage({ resource: configmaps, limit: 5, continueToken: first.continueToken ?? 'none' }),
    );

    // Assert
    expect(second).toBeInstanceOf(KubeGoneError);
    expect(simulator.faults.fired('expireContinue')).toBe(1);
  });

  it('retries through 429, 500 and a connection reset', async () => {
    // Arrange
    simulator.faults.add({
      kind: 'tooManyRequests',
      retryAfterSeconds: 0,
      match: { verb: 'list' },
      times: 1,
    });
    simulator.faults.add({ kind: 'serverError', match: { verb: 'list' }, times: 1 });
    simulator.faults.add({ kind: 'connectionReset', match: { verb: 'list' }, times: 1 });

    // Act
    const page = await client.listPage({ resource: configmaps, namespace: 'default' });

    // Assert
    expect(page.items.filter((i) => i.metadata.name?.startsWith('cm-'))).toHaveLength(25);
    expect(simulator.faults.fired('tooManyRequests')).toBe(1);
    expect(simulator.faults.fired('serverError')).toBe(1);
    expect(simulator.faults.fired('connectionReset')).toBe(1);
  });

  it('gives up after its attempts with the last typed error', async () => {
    // Arrange
    simulator.faults.add({ kind: 'serverError', status: 503, match: { verb: 'list' } });
    simulator.faults.add({ kind: 'tooManyRequests', retryAfterSeconds: 0, match: { verb: 'get' } });

    // Act
    const list = await failure(client.listPage({ resource: configmaps }));
    const get = await failure(client.get(configmaps, 'default', 'cm-00'));

    // Assert
    expect(list).toBeInstanceOf(KubeServerError);
    expect(get).toBeInstanceOf(KubeThrottledError);
    expect(simulator.faults.fired('serverError')).toBe(6);
  });
});
