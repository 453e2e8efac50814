// Shared by the restore tests: a source cluster with every fixture kind, backed up into a local store,
// and a target simulator with a client whose calls can be recorded.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeApiSimulator, type KubeSimulatorOptions } from '../../sandbox/kube/simulator.ts';
import type { BackupStore } from '../../src/archive/backup-store.ts';
import type { ManifestSigner } from '../../src/archive/signing.ts';
import { LocalDirectoryStore } from '../../src/archive/stores/local-directory-store.ts';
import { BackupService } from '../../src/backup/backup-service.ts';
import type { ClusterClient, HttpClusterClient } from '../../src/kube/cluster-client.ts';
import type { ApiResource, KubeObject } from '../../src/kube/kube-object.ts';
import { clusterClientFromKubeconfigText } from '../../src/kube/kubeconfig.ts';
import {
  aConfigMap,
  aCrd,
  aCustomObject,
  aDeployment,
  aNamespace,
  aSecret,
  aService,
  aServiceAccount,
} from '../fixtures/kube-objects.ts';

/** A ClusterClient for the simulator whose backoff is short, so fault tests stay fast. */
export function fastClient(simulator: KubeApiSimulator): HttpClusterClient {
  return clusterClientFromKubeconfigText(simulator.kubeconfig(), {
    retry: { baseDelayMs: 5, maxDelayMs: 1000 },
  });
}

/** A started simulator; stop it in afterEach. */
export async function startSimulator(options: KubeSimulatorOptions = {}): Promise<KubeApiSimulator> {
  const simulator = new KubeApiSimulator({ crdEstablishDelayMs: 20, ...options });
  await simulator.start();
  return simulator;
}

/** A temporary directory store; `cleanup` removes it. */
export async function temporaryStore(): Promise<{
  store: LocalDirectoryStore;
  directory: string;
  cleanup: () => Promise<void>;
}> {
  const directory = await mkdtemp(join(tmpdir(), 'eks-dr-restore-'));
  return {
    store: new LocalDirectoryStore(directory),
    directory,
    cleanup: () => rm(directory, { recursive: true, force: true }),
  };
}

/** Backs the simulator's cluster up into `store` under `name` with the snapshot engine. */
export async function backUp(
  simulator: KubeApiSimulator,
  store: BackupStore,
  name: string,
  signer?: ManifestSigner,
): Promise<void> {
  const client = fastClient(simulator);
  try {
    await new BackupService({ client, store, ...(signer ? { signer } : {}) }).run({
      name,
      clusterName: 'source',
    });
  } finally {
    client.close();
  }
}

const podSpec = (name: string) => ({
  containers: [{ name, image: `123456789012.dkr.ecr.eu-west-1.amazonaws.com/${name}:1.0` }],
});

/** One object of every kind a restore must carry, in namespaces shop and ops, with server-owned fields to drop. */
export function fixtureObjects(): KubeObject[] {
  const objects = [
    aCrd('example.com', 'Widget').build(),
    aNamespace('shop').withLabels({ team: 'shop' }).withAnnotations({ owner: 'shop-team' }).build(),
    aNamespace('ops').build(),
    aCustomObject('example.com/v1', 'Widget', 'gizmo', { size: 7, colour: 'blue' })
      .inNamespace('shop')
      .withLabels({ app: 'web' })
      .build(),
    aDeployment('web')
      .inNamespace('shop')
      .withReplicas(3)
      .withLabels({ app: 'web' })
      .withAnnotations({ note: 'front' })
      .build(),
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db', namespace: 'shop', labels: { app: 'db' } },
      spec: {
        replicas: 2,
        serviceName: 'db',
        selector: { matchLabels: { app: 'db' } },
        template: { metadata: { labels: { app: 'db' } }, spec: podSpec('db') },
        volumeClaimTemplates: [
          {
            metadata: { name: 'data' },
            spec: {
              accessModes: ['ReadWriteOnce'],
              storageClassName: 'gp2',
              resources: { requests: { storage: '1Gi' } },
            },
          },
        ],
      },
    },
    aService('web', {
      clusterIP: '10.100.77.7',
      type: 'NodePort',
      ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30777 }],
    })
      .inNamespace('shop')
      .withLabels({ app: 'web' })
      .build(),
    aService('db', { clusterIP: 'None' }).inNamespace('shop').build(),
    aConfigMap('web-config', { 'app.properties': 'colour=blue' })
      .inNamespace('shop')
      .withLabels({ app: 'web' })
      .build(),
    aSecret('db-password').inNamespace('shop').build(),
    aServiceAccount('web')
      .inNamespace('shop')
      .withAnnotations({ 'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/web' })
      .build(),
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: { name: 'uploads', namespace: 'shop' },
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: 'gp2',
        resources: { requests: { storage: '5Gi' } },
        volumeName: 'pv-uploads',
      },
    },
    {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: 'pv-uploads' },
      spec: {
        capacity: { storage: '5Gi' },
        accessModes: ['ReadWriteOnce'],
        storageClassName: 'gp2',
        persistentVolumeReclaimPolicy: 'Retain',
        csi: { driver: 'ebs.csi.aws.com', volumeHandle: 'vol-0123456789abcdef0' },
        claimRef: {
          kind: 'PersistentVolumeClaim',
          namespace: 'shop',
          name: 'uploads',
          uid: 'source-claim-uid',
          resourceVersion: '42',
        },
      },
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'reader', namespace: 'shop' },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'web-reads', namespace: 'shop' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' },
      subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: 'shop' }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'widget-viewer' },
      rules: [{ apiGroups: ['example.com'], resources: ['widgets'], verbs: ['get'] }],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'web-views-widgets' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'widget-viewer' },
      subjects: [{ kind: 'ServiceAccount', name: 'web', namespace: 'shop' }],
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: {
        name: 'web',
        namespace: 'shop',
        annotations: { 'alb.ingress.kubernetes.io/scheme': 'internet-facing' },
      },
      spec: {
        ingressClassName: 'alb',
        rules: [
          {
            host: 'shop.example.com',
            http: {
              paths: [
                {
                  path: '/',
                  pathType: 'Prefix',
                  backend: { service: { name: 'web', port: { number: 80 } } },
                },
              ],
            },
          },
        ],
      },
    },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'web-only', namespace: 'shop' },
      spec: {
        podSelector: { matchLabels: { app: 'db' } },
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ podSelector: { matchLabels: { app: 'web' } } }] }],
      },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: 'migrate',
        namespace: 'shop',
        labels: { 'controller-uid': 'source-job-uid', app: 'migrate' },
      },
      spec: {
        selector: { matchLabels: { 'controller-uid': 'source-job-uid' } },
        template: {
          metadata: {
            labels: {
              'controller-uid': 'source-job-uid',
              'batch.kubernetes.io/controller-uid': 'source-job-uid',
              app: 'migrate',
            },
          },
          spec: { ...podSpec('migrate'), restartPolicy: 'Never' },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'debug', namespace: 'shop' },
      spec: { ...podSpec('debug'), nodeName: 'ip-10-0-0-1.ec2.internal' },
    },
    aConfigMap('ops-config').inNamespace('ops').build(),
  ];
  return objects as KubeObject[];
}

/** Every create the wrapped client sends, and the client itself. */
export interface RecordingClient extends ClusterClient {
  readonly created: Array<{ resource: ApiResource; namespace: string | undefined; object: KubeObject }>;
}

/** Wraps a ClusterClient so tests can see exactly what was sent. */
export function recording(client: ClusterClient): RecordingClient {
  const created: RecordingClient['created'] = [];
  return {
    created,
    server: client.server,
    discover: () => client.discover(),
    serverVersion: () => client.serverVersion(),
    listPage: (request) => client.listPage(request),
    listRawPage: (request) => client.listRawPage(request),
    get: (resource, namespace, name) => client.get(resource, namespace, name),
    create: (resource, namespace, object) => {
      created.push({ resource, namespace, object: structuredClone(object) });
      return client.create(resource, namespace, object);
    },
    replace: (resource, namespace, object) => client.replace(resource, namespace, object),
    mergePatch: (resource, namespace, name, patch) => client.mergePatch(resource, namespace, name, patch),
    delete: (resource, namespace, name) => client.delete(resource, namespace, name),
    close: () => client.close(),
  };
}
