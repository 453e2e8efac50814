import { PatchStrategy, setHeaderOptions, type V1ConfigMap } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aConfigMap, aDeployment, aNamespace, aSecret, aService } from '../../fixtures/kube-objects.ts';
import { apiFailure, startSandbox } from '../../fixtures/kube-sandbox.ts';

type Sandbox = Awaited<ReturnType<typeof startSandbox>>;

describe('Kubernetes API simulator: objects through @kubernetes/client-node', () => {
  let sandbox: Sandbox;

  beforeEach(async () => {
    sandbox = await startSandbox();
  });

  afterEach(async () => {
    await sandbox.simulator.stop();
  });

  it('starts with the built-in namespaces', async () => {
    // Act
    const list = await sandbox.core.listNamespace();

    // Assert
    expect(list.items.map((n) => n.metadata?.name).sort()).toEqual([
      'default',
      'kube-node-lease',
      'kube-public',
      'kube-system',
    ]);
    expect(list.items.every((n) => n.status?.phase === 'Active')).toBe(true);
  });

  it('creates, reads, replaces, patches and deletes a configmap with server-set fields', async () => {
    // Arrange
    const body = aConfigMap('settings', { mode: 'fast' }).withLabels({ app: 'shop' }).build() as V1ConfigMap;

    // Act
    const created = await sandbox.core.createNamespacedConfigMap({ namespace: 'default', body });
    const read = await sandbox.core.readNamespacedConfigMap({ namespace: 'default', name: 'settings' });
    const replaced = await sandbox.core.replaceNamespacedConfigMap({
      namespace: 'default',
      name: 'settings',
      body: { ...read, data: { mode: 'slow' } },
    });
    const merged = await sandbox.core.patchNamespacedConfigMap(
      { namespace: 'default', name: 'settings', body: { data: { extra: '1' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const jsonPatched = await sandbox.core.patchNamespacedConfigMap(
      { namespace: 'default', name: 'settings', body: [{ op: 'remove', path: '/data/mode' }] },
      setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
    );
    await sandbox.core.deleteNamespacedConfigMap({ namespace: 'default', name: 'settings' });
    const gone = await apiFailure(
      sandbox.core.readNamespacedConfigMap({ namespace: 'default', name: 'settings' }),
    );

    // Assert
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(read.data).toEqual({ mode: 'fast' });
    expect(replaced.data).toEqual({ mode: 'slow' });
    expect(merged.data).toEqual({ mode: 'slow', extra: '1' });
    expect(jsonPatched.data).toEqual({ extra: '1' });
    expect(jsonPatched.metadata?.uid).toBe(created.metadata?.uid);
    const versions = [created, replaced, merged, jsonPatched].map((o) => Number(o.metadata?.resourceVersion));
    expect([...versions].sort((a, b) => a - b)).toEqual(versions);
    expect(new Set(versions).size).toBe(4);
    expect(gone.code).toBe(404);
    expect(gone.status.reason).toBe('NotFound');
    expect(gone.status.message).toBe('configmaps "settings" not found');
  });

  it('sets generation on objects with a spec and bumps it only when the spec changes', async () => {
    // Arrange
    const body = aDeployment('web').withReplicas(2).build();
    const created = await sandbox.apps.createNamespacedDeployment({ namespace: 'default', body });

    // Act
    const labelled = await sandbox.apps.patchNamespacedDeployment(
      { namespace: 'default', name: 'web', body: { metadata: { labels: { tier: 'front' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const scaled = await sandbox.apps.patchNamespacedDeployment(
      { namespace: 'default', name: 'web', body: { spec: { replicas: 5 } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );

    // Assert
    expect(created.metadata?.generation).toBe(1);
    expect(labelled.metadata?.generation).toBe(1);
    expect(scaled.metadata?.generation).toBe(2);
    expect(scaled.spec?.replicas).toBe(5);
  });

  it('lists across all namespaces and per namespace, with label and field selectors', async () => {
    // Arrange
    await sandbox.core.createNamespace({ body: aNamespace('shop').build() });
    for (const [ns, name, tier] of [
      ['default', 'a', 'web'],
      ['shop', 'b', 'web'],
      ['shop', 'c', 'db'],
    ] as const) {
      await sandbox.core.createNamespacedConfigMap({
        namespace: ns,
        body: aConfigMap(name).inNamespace(ns).withLabels({ tier }).build(),
      });
    }

    // Act
    const all = await sandbox.core.listConfigMapForAllNamespaces();
    const shop = await sandbox.core.listNamespacedConfigMap({ namespace: 'shop' });
    const web = await sandbox.core.listConfigMapForAllNamespaces({ labelSelector: 'tier in (web)' });
    const notWeb = await sandbox.core.listConfigMapForAllNamespaces({ labelSelector: 'tier!=web' });
    const byName = await sandbox.core.listConfigMapForAllNamespaces({ fieldSelector: 'metadata.name=c' });
    const byNamespace = await sandbox.core.listConfigMapForAllNamespaces({
      fieldSelector: 'metadata.namespace!=shop',
    });
    const badField = await apiFailure(
      sandbox.core.listConfigMapForAllNamespaces({ fieldSelector: 'data.x=1' }),
    );

    // Assert
    expect(all.items.map((o) => `${o.metadata?.namespace}/${o.metadata?.name}`)).toEqual([
      'default/a',
      'shop/b',
      'shop/c',
    ]);
    expect(Number(all.metadata?.resourceVersion)).toBeGreaterThan(0);
    expect(shop.items.map((o) => o.metadata?.name)).toEqual(['b', 'c']);
    expect(web.items.map((o) => o.metadata?.name)).toEqual(['a', 'b']);
    expect(notWeb.items.map((o) => o.metadata?.name)).toEqual(['c']);
    expect(byName.items.map((o) => o.metadata?.name)).toEqual(['c']);
    expect(byNamespace.items.map((o) => o.metadata?.name)).toEqual(['a']);
    expect(badField.code).toBe(400);
    expect(badField.status.message).toContain('field label not supported: data.x');
  });

  it('pages with limit and continue: every object exactly once, in order, with remainingItemCount', async () => {
    // Arrange
    for (let i = 0; i < 23; i++) {
      sandbox.simulator.load([aSecret(`s-${String(i).padStart(2, '0')}`).build()]);
    }

    // Act
    const names: string[] = [];
    const remaining: Array<number | undefined> = [];
    let token: string | undefined;
    do {
      const page = await sandbox.core.listNamespacedSecret({
        namespace: 'default',
        limit: 5,
        _continue: token,
      });
      names.push(...page.items.map((s) => s.metadata?.name ?? ''));
      remaining.push(page.metadata?.remainingItemCount);
      token = page.metadata?._continue;
    } while (token);

    // Assert
    expect(names).toHaveLength(23);
    expect(new Set(names).size).toBe(23);
    expect(names).toEqual([...names].sort());
    expect(remaining).toEqual([18, 13, 8, 3, undefined]);
  });

  it('answers Status errors as kube-apiserver does', async () => {
    // Arrange
    await sandbox.core.createNamespacedConfigMap({ namespace: 'default', body: aConfigMap('taken').build() });
    const current = await sandbox.core.readNamespacedConfigMap({ namespace: 'default', name: 'taken' });
    await sandbox.core.replaceNamespacedConfigMap({
      namespace: 'default',
      name: 'taken',
      body: { ...current, data: { v: '2' } },
    });

    // Act
    const exists = await apiFailure(
      sandbox.core.createNamespacedConfigMap({ namespace: 'default', body: aConfigMap('taken').build() }),
    );
    const stale = await apiFailure(
      sandbox.core.replaceNamespacedConfigMap({
        namespace: 'default',
        name: 'taken',
        body: { ...current, data: { v: '3' } },
      }),
    );
    const noName = await apiFailure(
      sandbox.core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: {}, data: {} } }),
    );
    const badName = await apiFailure(
      sandbox.core.createNamespacedConfigMap({ namespace: 'default', body: aConfigMap('Not_Valid').build() }),
    );
    const noNamespace = await apiFailure(
      sandbox.core.createNamespacedConfigMap({
        namespace: 'ghost',
        body: aConfigMap('x').inNamespace('ghost').build(),
      }),
    );
    const wrongNamespace = await apiFailure(
      sandbox.core.createNamespacedConfigMap({
        namespace: 'default',
        body: aConfigMap('x').inNamespace('kube-system').build(),
      }),
    );
    const undeletable = await apiFailure(sandbox.core.deleteNamespace({ name: 'default' }));

    // Assert
    expect([exists.code, exists.status.reason, exists.status.message]).toEqual([
      409,
      'AlreadyExists',
      'configmaps "taken" already exists',
    ]);
    expect([stale.code, stale.status.reason]).toEqual([409, 'Conflict']);
    expect(stale.status.message).toContain('the object has been modified');
    expect([noName.code, noName.status.reason]).toEqual([422, 'Invalid']);
    expect(noName.status.message).toContain('metadata.name: Required value');
    expect([badName.code, badName.status.reason]).toEqual([422, 'Invalid']);
    // kube-apiserver answers a create into a missing namespace with 404 NotFound on the namespace.
    expect([noNamespace.code, noNamespace.status.message]).toEqual([404, 'namespaces "ghost" not found']);
    expect(wrongNamespace.code).toBe(400);
    expect([undeletable.code, undeletable.status.reason]).toEqual([403, 'Forbidden']);
  });

  it('answers 405 for a verb the resource does not support', async () => {
    // Arrange: componentstatuses only allow get and list, per the recorded discovery document.
    const url = `${sandbox.simulator.url}/api/v1/componentstatuses`;

    // Act
    const response = await fetch(url, {
      method: 'POST',
      headers: { Authorization: 'Bearer eks-dr-sandbox', 'Content-Type': 'application/json' },
      body: JSON.stringify({ metadata: { name: 'x' } }),
    });
    const status = (await response.json()) as { reason: string; code: number };

    // Assert
    expect(response.status).toBe(405);
    expect(status).toMatchObject({ reason: 'MethodNotAllowed', code: 405 });
  });

  it('rejects requests without the kubeconfig token with 401', async () => {
    // Act
    const response = await fetch(`${sandbox.simulator.url}/api/v1/namespaces`);

    // Assert
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ kind: 'Status', reason: 'Unauthorized' });
  });

  it('deleting a namespace deletes the objects in it', async () => {
    // Arrange
    await sandbox.core.createNamespace({ body: aNamespace('temp').build() });
    await sandbox.core.createNamespacedConfigMap({
      namespace: 'temp',
      body: aConfigMap('a').inNamespace('temp').build(),
    });
    await sandbox.apps.createNamespacedDeployment({
      namespace: 'temp',
      body: aDeployment('d').inNamespace('temp').build(),
    });

    // Act
    const deleted = await sandbox.core.deleteNamespace({ name: 'temp' });
    const configMaps = await sandbox.core.listNamespacedConfigMap({ namespace: 'temp' });
    const deployments = await sandbox.apps.listDeploymentForAllNamespaces();
    const namespace = await apiFailure(sandbox.core.readNamespace({ name: 'temp' }));

    // Assert
    expect(deleted).toBeDefined();
    expect(configMaps.items).toEqual([]);
    expect(deployments.items).toEqual([]);
    expect(namespace.code).toBe(404);
  });

  it('allocates service cluster IPs and node ports, and refuses a taken cluster IP', async () => {
    // Act
    const plain = await sandbox.core.createNamespacedService({
      namespace: 'default',
      body: aService('web').build(),
    });
    const nodePort = await sandbox.core.createNamespacedService({
      namespace: 'default',
      body: aService('np', { type: 'NodePort' }).build(),
    });
    const headless = await sandbox.core.createNamespacedService({
      namespace: 'default',
      body: aService('hl', { clusterIP: 'None' }).build(),
    });
    const clash = await apiFailure(
      sandbox.core.createNamespacedService({
        namespace: 'default',
        body: aService('clash', { clusterIP: plain.spec?.clusterIP }).build(),
      }),
    );

    // Assert
    expect(plain.spec?.clusterIP).toMatch(/^10\.100\.\d+\.\d+$/);
    expect(plain.spec?.clusterIPs).toEqual([plain.spec?.clusterIP]);
    expect(nodePort.spec?.ports?.[0]?.nodePort).toBeGreaterThanOrEqual(30000);
    expect(headless.spec?.clusterIP).toBe('None');
    expect(clash.code).toBe(422);
  });

  it('serves generic objects through KubernetesObjectApi (discovery-driven)', async () => {
    // Arrange
    const deployment = aDeployment('generic').withReplicas(1).build();

    // Act
    await sandbox.objects.create(deployment);
    const read = await sandbox.objects.read({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'generic', namespace: 'default' },
    });
    const list = await sandbox.objects.list('apps/v1', 'Deployment', 'default');
    await sandbox.objects.patch(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'generic', namespace: 'default' },
        spec: { replicas: 4 },
      },
      undefined,
      undefined,
      undefined,
      undefined,
      PatchStrategy.MergePatch,
    );
    const patched = await sandbox.apps.readNamespacedDeployment({ namespace: 'default', name: 'generic' });
    await sandbox.objects.delete({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'generic', namespace: 'default' },
    });
    const after = await sandbox.objects.list('apps/v1', 'Deployment', 'default');

    // Assert
    expect(read.metadata?.uid).toBeDefined();
    expect(list.items).toHaveLength(1);
    expect(patched.spec?.replicas).toBe(4);
    expect(after.items).toHaveLength(0);
  });
});
