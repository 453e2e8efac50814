import { readFileSync } from 'node:fs';
import {
  ApisApi,
  CoreApi,
  PatchStrategy,
  setHeaderOptions,
  VersionApi,
  Watch,
} from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { aConfigMap, aCrd, aCustomObject, aDeployment, aNamespace } from '../../fixtures/kube-objects.ts';
import { apiFailure, eventually, startSandbox } from '../../fixtures/kube-sandbox.ts';

type Sandbox = Awaited<ReturnType<typeof startSandbox>>;

const AGGREGATED_ACCEPT =
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

function recorded(file: string): Record<string, unknown> {
  return JSON.parse(
    readFileSync(new URL(`../../../sandbox/kube/discovery/${file}`, import.meta.url), 'utf8'),
  );
}

describe('Kubernetes API simulator: discovery', () => {
  let sandbox: Sandbox;
  const get = (path: string, accept = 'application/json') =>
    fetch(`${sandbox.simulator.url}${path}`, {
      headers: { Authorization: 'Bearer eks-dr-sandbox', Accept: accept },
    });

  beforeEach(async () => {
    sandbox = await startSandbox();
  });

  afterEach(async () => {
    await sandbox.simulator.stop();
  });

  it('serves /version, /api, /apis and per-group documents built from the recorded ones', async () => {
    // Act
    const version = await sandbox.kubeConfig.makeApiClient(VersionApi).getCode();
    const core = await sandbox.kubeConfig.makeApiClient(CoreApi).getAPIVersions();
    const groups = await sandbox.kubeConfig.makeApiClient(ApisApi).getAPIVersions();
    const coreV1 = (await (await get('/api/v1')).json()) as { resources: unknown[] };
    const apps = (await (await get('/apis/apps')).json()) as Record<string, unknown>;
    const appsV1 = (await (await get('/apis/apps/v1')).json()) as { resources: Array<{ name: string }> };

    // Assert
    expect(version.major).toBe('1');
    expect(core.versions).toEqual(['v1']);
    const recordedGroups = (recorded('apis.json').groups as Array<{ name: string }>).map((g) => g.name);
    expect(groups.groups.map((g) => g.name)).toEqual(recordedGroups);
    expect(coreV1.resources).toEqual(recorded('api__v1.json').resources);
    expect(apps).toMatchObject({ kind: 'APIGroup', name: 'apps', preferredVersion: { version: 'v1' } });
    const recordedAppsV1 = recorded('apis__apps__v1.json').resources as Array<{ name: string }>;
    expect(appsV1.resources.map((r) => r.name).sort()).toEqual(recordedAppsV1.map((r) => r.name).sort());
  });

  it('serves aggregated discovery when asked, and the legacy form otherwise', async () => {
    // Act
    const aggregated = await get('/apis', AGGREGATED_ACCEPT);
    const aggregatedCore = await get('/api', AGGREGATED_ACCEPT);
    const legacy = await get(
      '/apis',
      'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json',
    );

    // Assert
    expect(aggregated.headers.get('content-type')).toBe(
      'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
    );
    expect(await aggregated.json()).toEqual(recorded('aggregated_v2.json'));
    const coreDoc = (await aggregatedCore.json()) as {
      items: Array<{ versions: Array<{ resources: Array<{ resource: string }> }> }>;
    };
    expect(coreDoc.items[0]?.versions[0]?.resources.map((r) => r.resource)).toContain('configmaps');
    expect(((await legacy.json()) as { kind: string }).kind).toBe('APIGroupList');
  });

  it('answers 404 for unknown groups and resources', async () => {
    // Act
    const group = await get('/apis/nothing.example.com/v1');
    const resource = await get('/api/v1/widgets');

    // Assert
    expect(group.status).toBe(404);
    expect(resource.status).toBe(404);
  });
});

describe('Kubernetes API simulator: subresources, CRDs, workloads', () => {
  let sandbox: Sandbox;

  beforeEach(async () => {
    sandbox = await startSandbox();
  });

  afterEach(async () => {
    await sandbox.simulator.stop();
  });

  it('keeps status out of main-resource writes and lets the status subresource write it', async () => {
    // Arrange
    await sandbox.apps.createNamespacedDeployment({ namespace: 'default', body: aDeployment('web').build() });
    const current = await sandbox.apps.readNamespacedDeployment({ namespace: 'default', name: 'web' });

    // Act
    const viaMain = await sandbox.apps.replaceNamespacedDeployment({
      namespace: 'default',
      name: 'web',
      body: { ...current, status: { replicas: 99 } },
    });
    const fresh = await sandbox.apps.readNamespacedDeployment({ namespace: 'default', name: 'web' });
    const viaStatus = await sandbox.apps.replaceNamespacedDeploymentStatus({
      namespace: 'default',
      name: 'web',
      body: { ...fresh, status: { ...fresh.status, replicas: 7 } },
    });

    // Assert
    expect(viaMain.status?.replicas).toBe(1);
    expect(viaStatus.status?.replicas).toBe(7);
  });

  it('serves the scale subresource for deployments and statefulsets', async () => {
    // Arrange
    await sandbox.apps.createNamespacedDeployment({
      namespace: 'default',
      body: aDeployment('web').withReplicas(2).build(),
    });

    // Act
    const before = await sandbox.apps.readNamespacedDeploymentScale({ namespace: 'default', name: 'web' });
    await sandbox.apps.replaceNamespacedDeploymentScale({
      namespace: 'default',
      name: 'web',
      body: { ...before, spec: { replicas: 6 } },
    });
    const patched = await sandbox.apps.patchNamespacedDeploymentScale(
      { namespace: 'default', name: 'web', body: { spec: { replicas: 3 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const deployment = await sandbox.apps.readNamespacedDeployment({ namespace: 'default', name: 'web' });

    // Assert
    expect(before.kind).toBe('Scale');
    expect(before.spec?.replicas).toBe(2);
    expect(before.status?.selector).toBe('app=web');
    expect(patched.spec?.replicas).toBe(3);
    expect(deployment.spec?.replicas).toBe(3);
    expect(deployment.metadata?.generation).toBe(3);
  });

  it('establishes a CRD after a delay, then serves its objects; deleting it deletes them', async () => {
    // Arrange
    const crd = aCrd('shop.example.com', 'Basket').build();

    // Act
    await sandbox.extensions.createCustomResourceDefinition({ body: crd });
    const tooEarly = await apiFailure(
      sandbox.custom.listNamespacedCustomObject({
        group: 'shop.example.com',
        version: 'v1',
        namespace: 'default',
        plural: 'baskets',
      }),
    );
    const established = await eventually(async () => {
      const read = await sandbox.extensions.readCustomResourceDefinition({
        name: 'baskets.shop.example.com',
      });
      return read.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True')
        ? read
        : undefined;
    });
    const body = aCustomObject('shop.example.com/v1', 'Basket', 'b1').build();
    await sandbox.custom.createNamespacedCustomObject({
      group: 'shop.example.com',
      version: 'v1',
      namespace: 'default',
      plural: 'baskets',
      body,
    });
    const listed = await sandbox.custom.listClusterCustomObject({
      group: 'shop.example.com',
      version: 'v1',
      plural: 'baskets',
    });
    const discovered = await fetch(`${sandbox.simulator.url}/apis/shop.example.com/v1`, {
      headers: { Authorization: 'Bearer eks-dr-sandbox' },
    }).then((r) => r.json());
    const scale = await sandbox.custom.getNamespacedCustomObjectScale({
      group: 'shop.example.com',
      version: 'v1',
      namespace: 'default',
      plural: 'baskets',
      name: 'b1',
    });
    await sandbox.extensions.deleteCustomResourceDefinition({ name: 'baskets.shop.example.com' });
    const afterDelete = await apiFailure(
      sandbox.custom.listClusterCustomObject({ group: 'shop.example.com', version: 'v1', plural: 'baskets' }),
    );

    // Assert
    expect(tooEarly.code).toBe(404);
    expect(established.status?.acceptedNames?.kind).toBe('Basket');
    expect((listed as { items: Array<{ metadata: { generation: number } }> }).items).toHaveLength(1);
    expect(
      (listed as { items: Array<{ metadata: { generation: number } }> }).items[0]?.metadata.generation,
    ).toBe(1);
    expect(discovered).toMatchObject({
      kind: 'APIResourceList',
      groupVersion: 'shop.example.com/v1',
      resources: [
        { name: 'baskets', kind: 'Basket', namespaced: true },
        { name: 'baskets/status' },
        { name: 'baskets/scale' },
      ],
    });
    expect((scale as { spec: { replicas: number } }).spec.replicas).toBe(0);
    expect(afterDelete.code).toBe(404);
    expect(sandbox.simulator.count('baskets.shop.example.com')).toBe(0);
  });

  it('reports workloads Ready only while enough Ready nodes exist (pilot light → scaled up)', async () => {
    // Arrange: a pilot-light cluster, no nodes.
    await sandbox.core.createNamespace({ body: aNamespace('shop').build() });
    await sandbox.apps.createNamespacedDeployment({
      namespace: 'shop',
      body: aDeployment('web').inNamespace('shop').withReplicas(3).build(),
    });
    const ready = async () =>
      (await sandbox.apps.readNamespacedDeployment({ namespace: 'shop', name: 'web' })).status
        ?.readyReplicas ?? 0;
    const pilotLight = await ready();

    // Act
    const [node] = sandbox.simulator.addNodes(1, { podsPerNode: 2 });
    const partly = await ready();
    sandbox.simulator.addNodes(1, { podsPerNode: 2 });
    const scaledUp = await ready();
    sandbox.simulator.setNodeReady(node as string, false);
    const degraded = await ready();

    // Assert
    expect(pilotLight).toBe(0);
    expect(partly).toBe(2);
    expect(scaledUp).toBe(3);
    expect(degraded).toBe(2);
  });

  it('streams watch events to @kubernetes/client-node Watch', async () => {
    // Arrange
    const events: string[] = [];
    const watch = new Watch(sandbox.kubeConfig);
    const request = await watch.watch(
      '/api/v1/namespaces/default/configmaps',
      { resourceVersion: '1' },
      (type, object: { metadata: { name: string } }) => events.push(`${type} ${object.metadata.name}`),
      () => undefined,
    );

    // Act
    await sandbox.core.createNamespacedConfigMap({ namespace: 'default', body: aConfigMap('w').build() });
    await sandbox.core.deleteNamespacedConfigMap({ namespace: 'default', name: 'w' });
    await eventually(async () => (events.length >= 2 ? true : undefined));
    request.abort();

    // Assert
    expect(events).toEqual(['ADDED w', 'DELETED w']);
  });
});

describe('Kubernetes API simulator: loading manifests', () => {
  let sandbox: Sandbox;

  beforeEach(async () => {
    sandbox = await startSandbox();
  });

  afterEach(async () => {
    await sandbox.simulator.stop();
  });

  it('loads multi-document YAML like kubectl create -f: default namespace, Lists, CRD then its objects', async () => {
    // Arrange
    const yaml = `
apiVersion: v1
kind: ConfigMap
metadata:
  name: no-namespace
data:
  a: "1"
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Namespace
  metadata:
    name: listed
- apiVersion: v1
  kind: Secret
  metadata:
    name: in-list
    namespace: listed
  stringData:
    k: v
---
${JSON.stringify(aCrd('toys.example.com', 'Robot').build())}
---
apiVersion: toys.example.com/v1
kind: Robot
metadata:
  name: r2
spec:
  size: 1
`;

    // Act
    const loaded = sandbox.simulator.loadYaml(yaml, 'fixture.yaml');
    const configMap = await sandbox.core.readNamespacedConfigMap({
      namespace: 'default',
      name: 'no-namespace',
    });
    const secret = await sandbox.core.readNamespacedSecret({ namespace: 'listed', name: 'in-list' });
    const robot = await sandbox.custom.getNamespacedCustomObject({
      group: 'toys.example.com',
      version: 'v1',
      namespace: 'default',
      plural: 'robots',
      name: 'r2',
    });

    // Assert
    expect(loaded).toBe(5);
    expect(configMap.data).toEqual({ a: '1' });
    expect(secret.type).toBe('Opaque');
    expect((robot as { spec: unknown }).spec).toEqual({ size: 1 });
  });

  it('names the document and the reason when a manifest cannot be loaded', () => {
    // Arrange
    const yaml =
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\n---\napiVersion: v9\nkind: Gadget\nmetadata:\n  name: g\n';

    // Act / Assert
    expect(() => sandbox.simulator.loadYaml(yaml, 'bad.yaml')).toThrow(
      'bad.yaml document 2: no matches for kind "Gadget" in version "v9"',
    );
  });
});
