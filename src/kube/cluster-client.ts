import type { RetryOptions } from '../util/retry.ts';
import type { ClusterAccess } from './cluster-access.ts';
import { type DiscoveryResult, discoverResources } from './discovery.ts';
import { KubeConnectionError, KubeNotFoundError } from './errors.ts';
import { type ApiResource, apiVersionOf, type KubeObject } from './kube-object.ts';
import { ListScanError, scanList } from './list-scanner.ts';
import { withKubeRetry } from './retry-policy.ts';
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

/**
 * One object of a LIST answer as bytes, for callers that copy objects rather than read them (a snapshot).
 * `bytes` is the object exactly as the server sent it; `typeMeta` holds the apiVersion/kind members a List
 * leaves out of its items (absent when the item carries them), to go in front of the others.
 */
export interface RawListItem {
  /** metadata.name; undefined only for a malformed object. */
  name?: string;
  namespace?: string;
  bytes: Buffer;
  /** `"apiVersion":"v1","kind":"Pod"`: members to insert after the object's `{`. */
  typeMeta?: Buffer;
  /** Where metadata.managedFields (with one comma) lies in `bytes`, for callers that leave it out. */
  managedFields?: { start: number; end: number };
  /** The object parsed, apiVersion/kind set: for the few objects a caller must look into. */
  object(): KubeObject;
}

/** A LIST page as bytes: see RawListItem. */
export interface RawListPage {
  items: RawListItem[];
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
  /** One page of a LIST with its objects left as bytes (not parsed): what a snapshot copies. */
  listRawPage(request: ListPageRequest): Promise<RawListPage>;
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
  retry?: Partial<RetryOptions>;
}

/**
 * ClusterClient over the API server's HTTP interface, retrying transient failures.
 * Writes (create/replace/patch/get) stay here rather than in client-node's KubernetesObjectApi, which in
 * 1.4 serializes bodies through its generated models and so drops fields they do not know (a newer
 * cluster's fields, `x-kubernetes-preserve-unknown-fields` of a CRD: kubernetes-client/javascript#2962),
 * lower-cases the whole request path, and opens a new connection per request. bench:restore (10k objects,
 * 3 ms latency, the same busy machine) ran 180 objects/s through it, 4.9× sequential, against 361 objects/s
 * here, 9.5× (1,704 objects/s, 34× on a quieter run); the target is 10×.
 */
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
        query: listQuery(request),
      }),
    );
    const apiVersion = apiVersionOf(request.resource);
    const items = list.items ?? [];
    for (const item of items) withTypeMeta(item, apiVersion, request.resource.kind);
    return {
      items,
      continueToken: list.metadata?.continue || undefined,
      resourceVersion: list.metadata?.resourceVersion,
    };
  }

  async listRawPage(request: ListPageRequest): Promise<RawListPage> {
    const target = { method: 'GET' as const, path: collectionPath(request.resource, request.namespace) };
    // Scanned inside the retry, as listPage parses inside it: a cut-off answer is fetched again.
    const { body, scanned } = await this.retry(async () => {
      const response = await this.transport.send({
        ...target,
        query: listQuery(request),
      });
      try {
        return { body: response.body, scanned: scanList(response.body) };
      } catch (error) {
        if (!(error instanceof ListScanError)) throw error;
        throw new KubeConnectionError(
          target,
          new Error(`answer is not a JSON List: ${error.message}`, { cause: error }),
        );
      }
    });
    const apiVersion = apiVersionOf(request.resource);
    const kind = request.resource.kind;
    // The members to put in front are the same for every item that lacks the same ones (for built-in
    // resources: all of them), so each variant is encoded once per page, not once per object.
    const typeMetas = new Map<string, Buffer | undefined>();
    const typeMetaFor = (hasApiVersion: boolean, hasKind: boolean): Buffer | undefined => {
      const variant = `${hasApiVersion}/${hasKind}`;
      if (!typeMetas.has(variant)) {
        const members = [
          ...(hasApiVersion ? [] : [`"apiVersion":${JSON.stringify(apiVersion)}`]),
          ...(hasKind ? [] : [`"kind":${JSON.stringify(kind)}`]),
        ];
        typeMetas.set(variant, members.length === 0 ? undefined : Buffer.from(members.join(',')));
      }
      return typeMetas.get(variant);
    };
    const items = scanned.items.map((found): RawListItem => {
      const bytes = body.subarray(found.start, found.end);
      const typeMeta = typeMetaFor(found.hasApiVersion, found.hasKind);
      return {
        name: found.name,
        namespace: found.namespace,
        bytes,
        ...(typeMeta ? { typeMeta } : {}),
        ...(found.managedFields
          ? {
              managedFields: {
                start: found.managedFields.start - found.start,
                end: found.managedFields.end - found.start,
              },
            }
          : {}),
        object: () => withTypeMeta(JSON.parse(bytes.toString('utf8')) as KubeObject, apiVersion, kind),
      };
    });
    const metadata = scanned.metadata
      ? (JSON.parse(body.toString('utf8', scanned.metadata.start, scanned.metadata.end)) as {
          continue?: string;
          resourceVersion?: string;
        })
      : undefined;
    return {
      items,
      continueToken: metadata?.continue || undefined,
      resourceVersion: metadata?.resourceVersion,
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
    return withKubeRetry(call, this.options.retry);
  }
}

// List items come without apiVersion/kind; eks-dr hands out whole objects, as `kubectl get -o json` shows them.
function withTypeMeta(object: KubeObject, apiVersion: string, kind: string): KubeObject {
  object.apiVersion ??= apiVersion;
  object.kind ??= kind;
  return object;
}

// The query of one LIST page, parsed or raw alike.
function listQuery(request: ListPageRequest): Record<string, string | number | undefined> {
  return {
    limit: request.limit,
    continue: request.continueToken,
    labelSelector: request.labelSelector,
    fieldSelector: request.fieldSelector,
  };
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
