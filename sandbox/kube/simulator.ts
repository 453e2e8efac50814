import { writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { parseAllDocuments } from 'yaml';
import { isRecord } from '../../src/util/is-record.ts';
import { KubeApiError } from './api-error.ts';
import { SimulatorControllers } from './controllers.ts';
import { DiscoveryCatalog, type ResourceInfo } from './discovery-catalog.ts';
import { FaultInjector, type KubeVerb } from './faults.ts';
import { handleKubeRequest } from './http-handler.ts';
import type { KubeObject } from './kube-object.ts';
import type { KubeManifest } from './manifest.ts';
import { ObjectStore } from './object-store.ts';
import { BUILTIN_NAMESPACES, ResourceApi } from './resource-api.ts';

export interface KubeSimulatorOptions {
  /** TCP port on 127.0.0.1. @default 0 (any free port) */
  port?: number;
  /** Bearer token clients must send; the kubeconfig carries it. @default 'eks-dr-sandbox' */
  token?: string;
  /** Delay before a new CRD is Established and served. @default 50 */
  crdEstablishDelayMs?: number;
  /** Name of the cluster in the kubeconfig. @default 'eks-dr-sandbox' */
  clusterName?: string;
  /**
   * Serve HTTPS with this PEM key and self-signed certificate (for 127.0.0.1), which the kubeconfig
   * then trusts. kubectl needs it: client-go sends no credentials over plain HTTP.
   * @default undefined (plain HTTP)
   */
  tls?: { key: string; cert: string };
}

export interface NodeOptions {
  ready?: boolean;
  podsPerNode?: number;
  namePrefix?: string;
  labels?: Record<string, string>;
}

/** Raised when a manifest cannot be loaded; names the source and the document. */
export class ManifestLoadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ManifestLoadError';
  }
}

/**
 * A small Kubernetes API server in-process: real discovery documents, real HTTP semantics,
 * fault injection. Start it, point @kubernetes/client-node or kubectl at `kubeconfig()`, stop it.
 */
export class KubeApiSimulator {
  readonly faults = new FaultInjector();
  readonly requests = new Map<KubeVerb, number>();
  readonly catalog = new DiscoveryCatalog();
  readonly store = new ObjectStore();
  readonly api: ResourceApi;
  private readonly controllers: SimulatorControllers;
  private server: Server | TlsServer | undefined;
  private readonly token: string;
  private readonly clusterName: string;

  constructor(private readonly options: KubeSimulatorOptions = {}) {
    this.token = options.token ?? 'eks-dr-sandbox';
    this.clusterName = options.clusterName ?? 'eks-dr-sandbox';
    this.api = new ResourceApi(this.catalog, this.store);
    this.controllers = new SimulatorControllers(this.catalog, this.store, this.api, {
      crdEstablishDelayMs: options.crdEstablishDelayMs,
    });
    this.api.hooks = this.controllers;
    const namespaces = this.resource('v1', 'Namespace');
    for (const name of BUILTIN_NAMESPACES) this.api.create(namespaces, '', { metadata: { name } });
  }

  /** Listens on 127.0.0.1; resolves with the base URL. */
  async start(): Promise<string> {
    if (this.server) return this.url;
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      void handleKubeRequest(
        {
          catalog: this.catalog,
          store: this.store,
          api: this.api,
          faults: this.faults,
          token: this.token,
          requests: this.requests,
          serverAddress: () => this.url.replace(/^https?:\/\//, ''),
        },
        req,
        res,
      );
    };
    const tls = this.options.tls;
    const server = tls ? createTlsServer({ key: tls.key, cert: tls.cert }, handler) : createServer(handler);
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    return this.url;
  }

  /** Closes every connection (watches included) and the listener. */
  async stop(): Promise<void> {
    this.controllers.stop();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get url(): string {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('the Kubernetes API simulator is not started');
    return `${this.options.tls ? 'https' : 'http'}://127.0.0.1:${address.port}`;
  }

  /** A kubeconfig for this server, with its token (what `aws eks update-kubeconfig` would write). */
  kubeconfig(): string {
    const name = this.clusterName;
    return [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      `- name: ${name}`,
      '  cluster:',
      `    server: ${this.url}`,
      this.options.tls
        ? `    certificate-authority-data: ${Buffer.from(this.options.tls.cert).toString('base64')}`
        : // Plain HTTP on loopback; @kubernetes/client-node only accepts http:// with this flag set.
          '    insecure-skip-tls-verify: true',
      'users:',
      `- name: ${name}-admin`,
      '  user:',
      `    token: ${this.token}`,
      'contexts:',
      `- name: ${name}`,
      '  context:',
      `    cluster: ${name}`,
      `    user: ${name}-admin`,
      '    namespace: default',
      `current-context: ${name}`,
      '',
    ].join('\n');
  }

  async writeKubeconfig(file: string): Promise<void> {
    await writeFile(file, this.kubeconfig(), { mode: 0o600 });
  }

  /**
   * Creates manifests in order, as `kubectl create -f` would; CRDs are Established at once so that
   * their custom objects can follow in the same load. Objects without a namespace go to `default`.
   */
  load(manifests: Iterable<unknown>, source = 'manifests'): number {
    let count = 0;
    this.controllers.bulk(() => {
      for (const manifest of manifests) {
        count += 1;
        this.createManifest(manifest, `${source} document ${count}`);
      }
    });
    return count;
  }

  /** Loads multi-document YAML text (`---` separated; `kind: List` expanded). */
  loadYaml(text: string, source = 'YAML'): number {
    const manifests: unknown[] = [];
    parseAllDocuments(text).forEach((doc, index) => {
      if (doc.errors.length > 0) {
        throw new ManifestLoadError(
          `${source} document ${index + 1}: ${doc.errors[0]?.message ?? 'invalid YAML'}`,
        );
      }
      const value: unknown = doc.toJS();
      if (value === null || value === undefined) return;
      if (
        isRecord(value) &&
        typeof value.kind === 'string' &&
        value.kind.endsWith('List') &&
        Array.isArray(value.items)
      ) {
        manifests.push(...value.items);
      } else manifests.push(value);
    });
    return this.load(manifests, source);
  }

  /** Adds nodes (Ready by default) so that workloads can become Ready: what a node group scale-up does. */
  addNodes(count: number, options: NodeOptions = {}): string[] {
    const info = this.resource('v1', 'Node');
    const prefix = options.namePrefix ?? 'ip-10-0-0';
    const existing = this.store.existingTable(info.storageKey)?.size ?? 0;
    const names: string[] = [];
    for (let i = 0; i < count; i++) {
      const name = `${prefix}-${existing + i + 1}.ec2.internal`;
      this.api.create(info, '', nodeManifest(name, options));
      names.push(name);
    }
    return names;
  }

  /** Marks a node Ready or NotReady (the kubelet's heartbeat, simulated). */
  setNodeReady(name: string, ready: boolean): void {
    const info = this.resource('v1', 'Node');
    const node = this.api.getObject(info, '', name);
    node.status = { ...(node.status ?? {}), conditions: [readyCondition(ready)] };
    this.api.updateStatus(info, '', name, node);
  }

  /** Number of stored objects of a resource (`deployments.apps`, `configmaps`), or of all when omitted. */
  count(storageKey?: string): number {
    if (storageKey) return this.store.existingTable(storageKey)?.size ?? 0;
    return this.store.storageKeys().reduce((sum, key) => sum + (this.store.existingTable(key)?.size ?? 0), 0);
  }

  private createManifest(manifest: unknown, where: string): void {
    if (!isRecord(manifest) || typeof manifest.apiVersion !== 'string' || typeof manifest.kind !== 'string') {
      throw new ManifestLoadError(`${where}: apiVersion and kind are required`);
    }
    const info = this.catalog.lookupKind(manifest.apiVersion, manifest.kind);
    if (!info) {
      throw new ManifestLoadError(
        `${where}: no matches for kind "${manifest.kind}" in version "${manifest.apiVersion}" (is its CRD loaded first?)`,
      );
    }
    const metadata = isRecord(manifest.metadata) ? manifest.metadata : {};
    const namespace = info.namespaced
      ? (typeof metadata.namespace === 'string' && metadata.namespace) || 'default'
      : '';
    try {
      this.api.create(info, namespace, manifest);
    } catch (error) {
      const detail = error instanceof KubeApiError ? error.message : String(error);
      throw new ManifestLoadError(`${where} (${manifest.kind} ${String(metadata.name ?? '')}): ${detail}`, {
        cause: error,
      });
    }
    if (info.storageKey === 'customresourcedefinitions.apiextensions.k8s.io')
      this.controllers.establishPendingNow();
  }

  private resource(apiVersion: string, kind: string): ResourceInfo {
    const info = this.catalog.lookupKind(apiVersion, kind);
    if (!info) throw new Error(`discovery has no ${kind} in ${apiVersion}`);
    return info;
  }
}

function readyCondition(ready: boolean): Record<string, string> {
  return {
    type: 'Ready',
    status: ready ? 'True' : 'False',
    reason: ready ? 'KubeletReady' : 'KubeletNotReady',
    message: ready ? 'kubelet is posting ready status' : 'container runtime network not ready',
  };
}

function nodeManifest(name: string, options: NodeOptions): KubeObject {
  const pods = String(options.podsPerNode ?? 110);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', ...(options.labels ?? {}) },
    },
    spec: {},
    status: {
      capacity: { cpu: '4', memory: '16Gi', pods },
      allocatable: { cpu: '3920m', memory: '15Gi', pods },
      conditions: [readyCondition(options.ready ?? true)],
    },
  };
}

export type { KubeManifest };
