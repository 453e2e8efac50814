// Shared by the snapshot tests: a sandbox with one object of every fixture kind, and archive reading.
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import type { KubeApiSimulator } from '../../sandbox/kube/simulator.ts';
import { type ArchiveSummary, verifyArchive } from '../../src/archive/index.ts';
import type { HttpClusterClient } from '../../src/kube/cluster-client.ts';
import { clusterClientFromKubeconfigText } from '../../src/kube/kubeconfig.ts';
import {
  aConfigMap,
  aCrd,
  aCustomObject,
  aDeployment,
  aNamespace,
  aNode,
  aSecret,
  aService,
  aServiceAccount,
} from '../fixtures/kube-objects.ts';

/** A ClusterClient for the simulator whose backoff is short, so fault tests stay fast. */
export function fastClient(simulator: KubeApiSimulator): HttpClusterClient {
  return clusterClientFromKubeconfigText(simulator.kubeconfig(), {
    retry: { baseDelayMs: 5, maxDelayMs: 2000 },
  });
}

const owner = (kind: string, name: string) => ({
  ownerReferences: [{ apiVersion: 'apps/v1', kind, name, uid: `uid-${name}`, controller: true }],
});

/** One object of every fixture kind in namespaces shop and ops, plus what default exclusions leave out. */
export function loadFixtureCluster(simulator: KubeApiSimulator): void {
  simulator.load([
    aCrd('example.com', 'Widget').build(),
    aNamespace('shop').withLabels({ team: 'shop' }).build(),
    aNamespace('ops').build(),
    aDeployment('web').inNamespace('shop').withLabels({ app: 'web' }).build(),
    aService('web').inNamespace('shop').withLabels({ app: 'web' }).build(),
    aConfigMap('web-config').inNamespace('shop').withLabels({ app: 'web' }).build(),
    aSecret('db-password').inNamespace('shop').build(),
    aServiceAccount('web').inNamespace('shop').build(),
    aCustomObject('example.com/v1', 'Widget', 'gizmo').inNamespace('shop').withLabels({ app: 'web' }).build(),
    aConfigMap('ops-config').inNamespace('ops').build(),
    aNode('ip-10-0-0-1.ec2.internal').build(),
    {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'web.1', namespace: 'shop' },
      involvedObject: { kind: 'Deployment', name: 'web', namespace: 'shop' },
      reason: 'ScalingReplicaSet',
      message: 'Scaled up',
    },
    {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'web-leader', namespace: 'shop' },
      spec: { holderIdentity: 'web-1' },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web-abc', namespace: 'shop', ...owner('Deployment', 'web') },
      spec: { selector: { matchLabels: { app: 'web' } }, template: podTemplate('web') },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'bare-rs', namespace: 'shop' },
      spec: { selector: { matchLabels: { app: 'bare' } }, template: podTemplate('bare') },
    },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-abc-x1', namespace: 'shop', ...owner('ReplicaSet', 'web-abc') },
      spec: podTemplate('web').spec,
    },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'debug', namespace: 'shop' },
      spec: podTemplate('debug').spec,
    },
  ]);
}

function podTemplate(app: string) {
  return {
    metadata: { labels: { app } },
    spec: { containers: [{ name: app, image: 'public.ecr.aws/nginx/nginx:1.27' }] },
  };
}

/** A Writable that keeps every byte, standing in for a store's upload stream. */
export class MemorySink extends Writable {
  readonly chunks: Buffer[] = [];

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.chunks.push(chunk);
    callback();
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** Every entry name of the tar as written (raw, so the Velero paths are checked as they are) with its JSON, after verification. */
export async function readEntries(bytes: Buffer, summary: Pick<ArchiveSummary, 'sha256' | 'size'>) {
  await verifyArchive(() => Readable.from([bytes]), summary, 'test.tar.gz');
  const entries = new Map<string, Record<string, unknown>>();
  const paths: string[] = [];
  const extract = tar.extract();
  const done = pipeline(Readable.from([bytes]), createGunzip(), extract);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    paths.push(entry.header.name);
    if (entry.header.name.endsWith('.json'))
      entries.set(entry.header.name, JSON.parse(Buffer.concat(chunks).toString('utf8')));
  }
  await done;
  return { entries, paths };
}
