import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KubeApiSimulator } from '../../../sandbox/kube/simulator.ts';

// Real kubectl against the simulator. client-go sends no credentials over plain HTTP, so the simulator
// serves HTTPS here with a throwaway self-signed certificate made by openssl.
const onPath = (command: string) => spawnSync('which', [command], { encoding: 'utf8' }).status === 0;
const haveTools = onPath('kubectl') && onPath('openssl');

const BASE_MANIFEST = `
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.27
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 8080
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: shop
data:
  mode: fast
---
apiVersion: v1
kind: Secret
metadata:
  name: creds
  namespace: shop
stringData:
  password: s3cr3t
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: gadgets, singular: gadget, kind: Gadget, listKind: GadgetList}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}
`;

const CUSTOM_MANIFEST = `
apiVersion: example.com/v1
kind: Gadget
metadata: {name: g1, namespace: shop}
spec: {size: 3}
---
apiVersion: example.com/v1
kind: Gadget
metadata: {name: g2, namespace: shop}
spec: {size: 5}
`;

interface ListedObject {
  metadata: { name: string; namespace?: string; uid?: string };
  spec: { replicas?: number; clusterIP?: string; size?: number };
  data?: Record<string, string>;
  stringData?: unknown;
}

interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

describe.skipIf(!haveTools)('kubectl against the simulator', () => {
  let dir: string;
  let tls: { key: string; cert: string };
  let simulator: KubeApiSimulator;
  let kubeconfig: string;

  /** Runs kubectl without blocking the event loop the in-process simulator answers on; never hangs. */
  function kubectl(...args: string[]): Promise<KubectlResult> {
    return new Promise((resolve) => {
      execFile(
        'kubectl',
        ['--kubeconfig', kubeconfig, '--request-timeout=10s', ...args],
        { timeout: 15_000, killSignal: 'SIGKILL', env: { ...process.env, KUBECONFIG: '' } },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  }

  async function createAll(): Promise<void> {
    expect((await kubectl('create', '--validate=false', '-f', join(dir, 'base.yaml'))).code).toBe(0);
    // As against a real cluster: custom objects can be mapped once the CRD is Established.
    const wait = await kubectl(
      'wait',
      '--for=condition=established',
      'crd/gadgets.example.com',
      '--timeout=10s',
    );
    expect(wait.code).toBe(0);
    expect((await kubectl('create', '--validate=false', '-f', join(dir, 'custom.yaml'))).code).toBe(0);
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'eks-dr-kubectl-'));
    await new Promise<void>((resolve, reject) => {
      execFile(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:prime256v1',
          '-nodes',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
          '-days',
          '1',
          '-subj',
          '/CN=eks-dr-sandbox',
          '-addext',
          'subjectAltName=IP:127.0.0.1,DNS:localhost',
          '-addext',
          'basicConstraints=critical,CA:TRUE',
        ],
        { timeout: 15_000 },
        (error) => (error ? reject(error) : resolve()),
      );
    });
    tls = {
      key: await readFile(join(dir, 'key.pem'), 'utf8'),
      cert: await readFile(join(dir, 'cert.pem'), 'utf8'),
    };
    await writeFile(join(dir, 'base.yaml'), BASE_MANIFEST);
    await writeFile(join(dir, 'custom.yaml'), CUSTOM_MANIFEST);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    simulator = new KubeApiSimulator({ tls, crdEstablishDelayMs: 20 });
    await simulator.start();
    kubeconfig = join(dir, 'kubeconfig');
    await simulator.writeKubeconfig(kubeconfig);
  });

  afterEach(async () => {
    await simulator.stop();
  });

  it('creates a multi-document manifest, then custom objects once their CRD is Established', async () => {
    // Act
    const base = await kubectl('create', '--validate=false', '-f', join(dir, 'base.yaml'));
    const wait = await kubectl(
      'wait',
      '--for=condition=established',
      'crd/gadgets.example.com',
      '--timeout=10s',
    );
    const custom = await kubectl('create', '--validate=false', '-f', join(dir, 'custom.yaml'));

    // Assert
    expect(base.stderr).toBe('');
    expect(base.stdout.trim().split('\n')).toEqual([
      'namespace/shop created',
      'deployment.apps/web created',
      'service/web created',
      'configmap/settings created',
      'secret/creds created',
      'customresourcedefinition.apiextensions.k8s.io/gadgets.example.com created',
    ]);
    expect(wait.stdout).toContain('condition met');
    expect(custom.stdout.trim().split('\n')).toEqual([
      'gadget.example.com/g1 created',
      'gadget.example.com/g2 created',
    ]);
    expect(simulator.count('gadgets.example.com')).toBe(2);
  });

  it('gets every kind across namespaces as JSON, with server-set fields', async () => {
    // Arrange
    await createAll();

    // Act
    const results = new Map<string, KubectlResult>();
    for (const kind of ['deployments', 'services', 'configmaps', 'secrets', 'gadgets']) {
      results.set(kind, await kubectl('get', kind, '-A', '-o', 'json'));
    }

    // Assert
    const items = (kind: string) => {
      const result = results.get(kind) as KubectlResult;
      expect(result.code, result.stderr).toBe(0);
      return (JSON.parse(result.stdout) as { items: ListedObject[] }).items;
    };
    expect(items('deployments').map((d) => [d.metadata.namespace, d.metadata.name, d.spec.replicas])).toEqual(
      [['shop', 'web', 2]],
    );
    expect(items('services')[0]?.spec.clusterIP).toMatch(/^10\.100\.\d+\.\d+$/);
    expect(items('configmaps').find((c) => c.metadata.name === 'settings')?.data).toEqual({ mode: 'fast' });
    const secret = items('secrets').find((s) => s.metadata.name === 'creds');
    expect(secret?.data).toEqual({ password: Buffer.from('s3cr3t').toString('base64') });
    expect(secret?.stringData).toBeUndefined();
    expect(items('gadgets').map((g) => [g.metadata.name, g.spec.size, g.metadata.uid !== undefined])).toEqual(
      [
        ['g1', 3, true],
        ['g2', 5, true],
      ],
    );
  });

  it('prints tables for get without -o (CRDs, namespaced kinds, custom objects)', async () => {
    // Arrange
    await createAll();

    // Act
    const crds = await kubectl('get', 'crd');
    const workloads = await kubectl('get', 'deploy,svc,cm', '-n', 'shop');
    const gadgets = await kubectl('get', 'gadgets', '-A');

    // Assert
    expect(crds.stdout).toMatch(/^NAME\s+AGE\ngadgets\.example\.com\s+\d+s\n$/);
    expect(workloads.stdout).toMatch(/deployment\.apps\/web\s+\d+s/);
    expect(workloads.stdout).toMatch(/service\/web\s+\d+s/);
    expect(workloads.stdout).toMatch(/configmap\/settings\s+\d+s/);
    expect(
      gadgets.stdout
        .trim()
        .split('\n')
        .map((line) => line.split(/\s+/).slice(0, 2)),
    ).toEqual([
      ['NAMESPACE', 'NAME'],
      ['shop', 'g1'],
      ['shop', 'g2'],
    ]);
  });

  it('deletes objects by file and by name, and a CRD takes its custom objects with it', async () => {
    // Arrange
    await createAll();

    // Act
    const byName = await kubectl('delete', 'configmap', 'settings', '-n', 'shop');
    const byFile = await kubectl('delete', '-f', join(dir, 'custom.yaml'));
    await kubectl('create', '--validate=false', '-f', join(dir, 'custom.yaml'));
    const crd = await kubectl('delete', 'crd', 'gadgets.example.com');
    const missing = await kubectl('get', 'configmap', 'settings', '-n', 'shop');

    // Assert
    expect(byName.stdout.trim()).toBe('configmap "settings" deleted');
    expect(byFile.stdout.trim().split('\n')).toEqual([
      'gadget.example.com "g1" deleted',
      'gadget.example.com "g2" deleted',
    ]);
    expect(crd.stdout.trim()).toBe(
      'customresourcedefinition.apiextensions.k8s.io "gadgets.example.com" deleted',
    );
    expect(simulator.count('gadgets.example.com')).toBe(0);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('configmaps "settings" not found');
  });
});
