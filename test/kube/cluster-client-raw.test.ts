import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KubeApiSimulator } from '../../sandbox/kube/simulator.ts';
import type { HttpClusterClient, ListPageRequest, RawListItem } from '../../src/kube/cluster-client.ts';
import { KubeConnectionError, KubeGoneError, KubeServerError } from '../../src/kube/errors.ts';
import type { ApiResource, KubeObject } from '../../src/kube/kube-object.ts';
import { clusterClientFromKubeconfigText } from '../../src/kube/kubeconfig.ts';
import { aConfigMap, aCrd, aCustomObject, aNamespace } from '../fixtures/kube-objects.ts';

const resource = (group: string, name: string, kind: string): ApiResource => ({
  group,
  version: 'v1',
  resource: name,
  kind,
  namespaced: true,
  verbs: ['list'],
});
const configmaps = resource('', 'configmaps', 'ConfigMap');
const pods = resource('', 'pods', 'Pod');
const widgets = resource('example.com', 'widgets', 'Widget');

const aPod = (name: string, namespace: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace, labels: { app: 'web' } },
  spec: { containers: [{ name: 'main', image: 'nginx:1.27', env: [{ name: 'Q', value: 'say "hi" \\ é' }] }] },
});

/** The error a call fails with; fails the test when it succeeds. */
async function failure(call: Promise<unknown>): Promise<Error> {
  try {
    await call;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to fail');
}

/** The item's bytes with managedFields cut out, and typeMeta put first, parsed: what the archive holds. */
function archived(item: RawListItem): unknown {
  const cut = item.managedFields ?? { start: item.bytes.length - 1, end: item.bytes.length - 1 };
  const own = Buffer.concat([item.bytes.subarray(1, cut.start), item.bytes.subarray(cut.end)]).toString(
    'utf8',
  );
  const typeMeta = item.typeMeta?.toString('utf8');
  return JSON.parse(typeMeta ? `{${typeMeta}${own.trim() === '}' ? '' : ','}${own}` : `{${own}`);
}

/** Every page of a list, as names, with either method. */
async function allNames(
  client: HttpClusterClient,
  raw: boolean,
  request: ListPageRequest,
): Promise<{ names: string[]; pages: number }> {
  const names: string[] = [];
  let pages = 0;
  let continueToken: string | undefined;
  do {
    const next = { ...request, ...(continueToken ? { continueToken } : {}) };
    const page = raw
      ? await client.listRawPage(next).then((p) => ({ ...p, names: p.items.map((item) => item.name) }))
      : await client.listPage(next).then((p) => ({ ...p, names: p.items.map((item) => item.metadata.name) }));
    pages += 1;
    for (const name of page.names) names.push(name ?? '');
    continueToken = page.continueToken;
  } while (continueToken);
  return { names, pages };
}

describe('HttpClusterClient.listRawPage against the sandbox', () => {
  let simulator: KubeApiSimulator;
  let client: HttpClusterClient;

  beforeEach(async () => {
    simulator = new KubeApiSimulator({ crdEstablishDelayMs: 0 });
    simulator.load([
      aCrd('example.com', 'Widget').build(),
      aNamespace('ops').build(),
      ...Array.from({ length: 23 }, (_, i) =>
        aConfigMap(`cm-${String(i).padStart(2, '0')}`, { key: `value ${i} "quoted" 日本` }).build(),
      ),
      aConfigMap('elsewhere').inNamespace('ops').build(),
      aPod('web-1', 'default'),
      aPod('web-2', 'ops'),
      aCustomObject('example.com/v1', 'Widget', 'gizmo').build(),
      aCustomObject('example.com/v1', 'Widget', 'gadget', { size: 5, tags: ['a', 'b'] })
        .inNamespace('ops')
        .build(),
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

  it.each([
    ['configmaps in one namespace', { resource: configmaps, namespace: 'default' }],
    ['configmaps in all namespaces', { resource: configmaps }],
    ['pods', { resource: pods }],
    ['custom objects', { resource: widgets }],
    ['custom objects in one namespace', { resource: widgets, namespace: 'ops' }],
  ])('gives the same objects as listPage for %s', async (_what, request: ListPageRequest) => {
    // Arrange: the sandbox above

    // Act
    const parsed = await client.listPage(request);
    const raw = await client.listRawPage(request);

    // Assert
    expect(raw.items.length).toBeGreaterThan(0);
    expect(raw.items.map((item) => item.object())).toEqual(parsed.items);
    expect(raw.items.map((item) => archived(item))).toEqual(parsed.items);
    expect(raw.items.map(({ name, namespace }) => ({ name, namespace }))).toEqual(
      parsed.items.map(({ metadata }) => ({ name: metadata.name, namespace: metadata.namespace })),
    );
    expect(raw.resourceVersion).toBe(parsed.resourceVersion);
    expect(raw.continueToken).toBeUndefined();
  });

  it('pages with limit and continue through the same names in the same order as listPage', async () => {
    // Arrange
    const request = { resource: configmaps, limit: 7 };

    // Act
    const parsed = await allNames(client, false, request);
    const raw = await allNames(client, true, request);

    // Assert
    expect(raw).toEqual(parsed);
    expect(raw.pages).toBe(4);
    expect(raw.names.filter((name) => name.startsWith('cm-'))).toHaveLength(23);
  });

  it('surfaces 410 Gone for an expired continue token, like listPage', async () => {
    // Arrange
    simulator.faults.add({ kind: 'expireContinue', afterPages: 1, match: { resource: 'configmaps' } });
    const first = await client.listRawPage({ resource: configmaps, limit: 5 });

    // Act
    const second = await failure(
      client.listRawPage({ resource: configmaps, limit: 5, continueToken: first.continueToken ?? 'none' }),
    );

    // Assert
    expect(first.continueToken).toBeDefined();
    expect(second).toBeInstanceOf(KubeGoneError);
    expect(simulator.faults.fired('expireContinue')).toBe(1);
  });

  it('retries through 429, 500 and a connection reset, like listPage', async () => {
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
    const page = await client.listRawPage({ resource: configmaps, namespace: 'default' });

    // Assert
    expect(page.items.filter((item) => item.name?.startsWith('cm-'))).toHaveLength(23);
    expect(simulator.faults.fired('tooManyRequests')).toBe(1);
    expect(simulator.faults.fired('serverError')).toBe(1);
    expect(simulator.faults.fired('connectionReset')).toBe(1);
  });

  it('gives up after its attempts with the last typed error, like listPage', async () => {
    // Arrange
    simulator.faults.add({ kind: 'serverError', status: 503, match: { verb: 'list' } });

    // Act
    const raw = await failure(client.listRawPage({ resource: configmaps }));
    const parsed = await failure(client.listPage({ resource: configmaps }));

    // Assert
    expect(raw).toBeInstanceOf(KubeServerError);
    expect(raw.constructor).toBe(parsed.constructor);
    expect(simulator.faults.fired('serverError')).toBe(12);
  });
});

/** A loopback API server answering every request with the next of `bodies` (the last one repeats). */
class CannedServer {
  readonly requests: string[] = [];
  #server: Server | undefined;

  constructor(private readonly bodies: string[]) {}

  async start(): Promise<string> {
    this.#server = createServer((req, res) => {
      this.requests.push(req.url ?? '');
      const body = this.bodies[Math.min(this.requests.length, this.bodies.length) - 1] ?? '';
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    });
    this.#server.listen(0, '127.0.0.1');
    await once(this.#server, 'listening');
    const { port } = this.#server.address() as AddressInfo;
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      '- name: canned',
      '  cluster:',
      `    server: http://127.0.0.1:${port}`,
      '    insecure-skip-tls-verify: true',
      'users:',
      '- name: canned',
      '  user:',
      '    token: canned',
      'contexts:',
      '- name: canned',
      '  context:',
      '    cluster: canned',
      '    user: canned',
      'current-context: canned',
      '',
    ].join('\n');
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

// What a real API server sends for built-in resources: items without apiVersion/kind, with managedFields.
const BUILT_IN_LIST = JSON.stringify(
  {
    apiVersion: 'v1',
    kind: 'ConfigMapList',
    metadata: { resourceVersion: '4242', continue: 'next-page' },
    items: [
      {
        metadata: {
          name: 'first',
          namespace: 'shop',
          managedFields: [{ manager: 'kubectl', operation: 'Update', fieldsV1: { 'f:data': {} } }],
          uid: 'u-1',
        },
        data: { a: 'é' },
      },
      { metadata: { name: 'second', namespace: 'shop', uid: 'u-2', managedFields: [] } },
      { metadata: { name: 'third', namespace: 'shop' }, data: {} },
    ],
  },
  null,
  1,
);

describe('HttpClusterClient.listRawPage against canned answers', () => {
  let server: CannedServer;
  let client: HttpClusterClient | undefined;

  afterEach(async () => {
    client?.close();
    await server.stop();
  });

  async function clientFor(bodies: string[]): Promise<HttpClusterClient> {
    server = new CannedServer(bodies);
    client = clusterClientFromKubeconfigText(await server.start(), {
      retry: { baseDelayMs: 1, maxDelayMs: 5 },
    });
    return client;
  }

  it('gives typeMeta for items without apiVersion/kind and the managedFields range, as listPage would', async () => {
    // Arrange
    const cluster = await clientFor([BUILT_IN_LIST]);

    // Act
    const raw = await cluster.listRawPage({ resource: configmaps, namespace: 'shop' });
    const parsed = await cluster.listPage({ resource: configmaps, namespace: 'shop' });

    // Assert
    expect(raw.items.map((item) => item.typeMeta?.toString('utf8'))).toEqual([
      '"apiVersion":"v1","kind":"ConfigMap"',
      '"apiVersion":"v1","kind":"ConfigMap"',
      '"apiVersion":"v1","kind":"ConfigMap"',
    ]);
    expect(raw.items.map((item) => item.managedFields !== undefined)).toEqual([true, true, false]);
    expect(raw.items.map((item) => item.object())).toEqual(parsed.items);
    const withoutManagedFields = parsed.items.map((object: KubeObject) => {
      const { managedFields: _dropped, ...metadata } = object.metadata as Record<string, unknown>;
      return { ...object, metadata };
    });
    expect(raw.items.map((item) => archived(item))).toEqual(withoutManagedFields);
    expect(raw).toMatchObject({ continueToken: 'next-page', resourceVersion: '4242' });
    expect(parsed).toMatchObject({ continueToken: 'next-page', resourceVersion: '4242' });
  });

  it('fetches a cut-off answer again, and reports one that stays malformed with the byte offset', async () => {
    // Arrange
    const truncated = BUILT_IN_LIST.slice(0, 200);
    const cluster = await clientFor([truncated, BUILT_IN_LIST]);

    // Act
    const recovered = await cluster.listRawPage({ resource: configmaps, namespace: 'shop' });
    const retriesBefore = server.requests.length;
    await server.stop();
    const broken = await clientFor([truncated]);
    const error = await failure(broken.listRawPage({ resource: configmaps, namespace: 'shop' }));
    const parsedError = await failure(broken.listPage({ resource: configmaps, namespace: 'shop' }));

    // Assert
    expect(recovered.items.map((item) => item.name)).toEqual(['first', 'second', 'third']);
    expect(retriesBefore).toBe(2);
    expect(error).toBeInstanceOf(KubeConnectionError);
    expect(error.message).toContain('GET /api/v1/namespaces/shop/configmaps');
    expect(error.message).toContain(`at byte ${truncated.length}`);
    expect(parsedError).toBeInstanceOf(KubeConnectionError);
    // Six attempts each, as for any transient failure.
    expect(server.requests).toHaveLength(12);
  });

  it('refuses an answer whose items is not an array, as a connection failure', async () => {
    // Arrange
    const cluster = await clientFor(['{"kind":"ConfigMapList","items":{"metadata":{"name":"x"}}}']);

    // Act
    const error = await failure(cluster.listRawPage({ resource: configmaps }));

    // Assert
    expect(error).toBeInstanceOf(KubeConnectionError);
    expect(error.message).toContain('"items" is not an array');
    expect(error.cause).toBeInstanceOf(Error);
  });
});
