import type { ClusterAccess } from './cluster-access.ts';
import { type DiscoveryResult, discoverResources } from './discovery.ts';
import { KubeNotFoundError } from './errors.ts';
import { type ApiResource, apiVersionOf, type KubeObject } from './kube-object.ts';
import { type RetryOptions, withRetry } from './retry.ts';
import { KubeTransport, type KubeTransportOptions } from './transport.ts';

export interface ListPageRequest {
  resource: ApiResource;
  /** Omitted: across all namespaces (or a cluster-scoped resource). */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continueToken?: string;
}

export interface ListPage {
  items: KubeObject[];
  /** Present while more pages follow. */
  continueToken?: string;
  resourceVersion?: string;
}

/** Everything eks-dr does to a cluster, generic over resources; the use cases depend on this only. */
export interface ClusterClient {
  /** The API server URL, for messages. */
  readonly server: string;
  discover(): Promise<DiscoveryResult>;
  /** The server's `/version` gitVersion (`v1.31.2-eks-...`), or undefined when it does not say. */
  serverVersion(): Promise<string | undefined>;
  listPage(request: ListPageRequest): Promise<ListPage>;
  /** The object, or undefined when it does not exist. */
  get(resource: ApiResource, namespace: string | undefined, name: string): Promise<KubeObject | undefined>;
  create(resource: ApiResource, namespace: string | undefined, object: KubeObject): Promise<KubeObject>;
  replace(resource: ApiResource, namespace: string | undefined, object: KubeObject): Promise<KubeObject>;
  mergePatch(
    resource: ApiResource,
    namespace: string | undefined,
    name: string,
    patch: unknown,
  ): Promise<KubeObject>;
  delete(resource: ApiResource, namespace: string | undefined, name: string): Promise<void>;
  close(): void;
}

export interface HttpClusterClientOptions extends KubeTransportOptions {
  /** Retries of transient failures (429 with Retry-After, 5xx, resets). */
  retry?: RetryOptions;
}

/** ClusterClient over the API server's HTTP interface, retrying transient failures. */
export class HttpClusterClient implements ClusterClient {
  readonly server: string;
  private readonly transport: KubeTransport;

  constructor(
    access: ClusterAccess,
    private readonly options: HttpClusterClientOptions = {},
  ) {
    this.transport = new KubeTransport(access, options);
    this.server = this.transport.server.toString().replace(/\/$/, '');
  }

  discover(): Promise<DiscoveryResult> {
    return this.retry(() => discoverResources(this.transport));
  }

  async serverVersion(): Promise<string | undefined> {
    const version = await this.retry(() =>
      this.transport.json<{ gitVersion?: unknown }>({ method: 'GET', path: '/version' }),
    );
    return typeof version?.gitVersion === 'string' ? version.gitVersion : undefined;
  }

  async listPage(request: ListPageRequest): Promise<ListPage> {
    const list = await this.retry(() =>
      this.transport.json<{
        items?: KubeObject[];
        metadata?: { continue?: string; resourceVersion?: string };
      }>({
        method: 'GET',
        path: collectionPath(request.resource, request.namespace),
        query: {
          limit: request.limit,
          continue: request.continueToken,
          labelSelector: request.labelSelector,
          fieldSelector: request.fieldSelector,
        },
      }),
    );
    const apiVersion = apiVersionOf(request.resource);
    const items = list.items ?? [];
    // List items come without apiVersion/kind; the archive stores whole objects, as `kubectl get -o json` shows them.
    for (const item of items) {
      item.apiVersion ??= apiVersion;
      item.kind ??= request.resource.kind;
    }
    return {
      items,
      continueToken: list.metadata?.continue || undefined,
      resourceVersion: list.metadata?.resourceVersion,
    };
  }

  async get(
    resource: ApiResource,
    namespace: string | undefined,
    name: string,
  ): Promise<KubeObject | undefined> {
    try {
      return await this.retry(() =>
        this.transport.json<KubeObject>({ method: 'GET', path: objectPath(resource, namespace, name) }),
      );
    } catch (error) {
      if (error instanceof KubeNotFoundError) return undefined;
      throw error;
    }
  }

  create(resource: ApiResource, namespace: string | undefined, object: KubeObject): Promise<KubeObject> {
    return this.retry(() =>
      this.transport.json<KubeObject>({
        method: 'POST',
        path: collectionPath(resource, namespace),
        body: object,
      }),
    );
  }

  replace(resource: ApiResource, namespace: string | undefined, object: KubeObject): Promise<KubeObject> {
    const name = object.metadata.name ?? '';
    return this.retry(() =>
      this.transport.json<KubeObject>({
        method: 'PUT',
        path: objectPath(resource, namespace, name),
        body: object,
      }),
    );
  }

  mergePatch(
    resource: ApiResource,
    namespace: string | undefined,
    name: string,
    patch: unknown,
  ): Promise<KubeObject> {
    return this.retry(() =>
      this.transport.json<KubeObject>({
        method: 'PATCH',
        path: objectPath(resource, namespace, name),
        body: patch,
        contentType: 'application/merge-patch+json',
      }),
    );
  }

  async delete(resource: ApiResource, namespace: string | undefined, name: string): Promise<void> {
    try {
      await this.retry(() =>
        this.transport.send({ method: 'DELETE', path: objectPath(resource, namespace, name) }),
      );
    } catch (error) {
      if (!(error instanceof KubeNotFoundError)) throw error;
    }
  }

  close(): void {
    this.transport.close();
  }

  private retry<T>(call: () => Promise<T>): Promise<T> {
    return withRetry(call, this.options.retry);
  }
}

/** `/api/v1/namespaces/ns/configmaps`, `/apis/apps/v1/deployments` (all namespaces), ... */
export function collectionPath(resource: ApiResource, namespace: string | undefined): string {
  const root = resource.group ? `/apis/${resource.group}/${resource.version}` : `/api/${resource.version}`;
  const scope = resource.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  return `${root}${scope}/${resource.resource}`;
}

/** The URL of one object. */
export function objectPath(resource: ApiResource, namespace: string | undefined, name: string): string {
  return `${collectionPath(resource, namespace)}/${encodeURIComponent(name)}`;
}
