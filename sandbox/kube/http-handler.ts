import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { apiErrors, KubeApiError } from './api-error.ts';
import type { DiscoveryCatalog, ResourceInfo } from './discovery-catalog.ts';
import type { FaultInjector, FaultRule, KubeVerb, RequestFacts } from './faults.ts';
import type { ObjectStore, StoreChange, StoredObject } from './object-store.ts';
import {
  continuePage,
  handOver,
  type ListOptions,
  type PatchType,
  type ResourceApi,
} from './resource-api.ts';

const AGGREGATED_CONTENT_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
const TABLE_CONTENT_TYPE = 'application/json;as=Table;v=v1;g=meta.k8s.io';
const MAX_BODY_BYTES = 3 * 1024 * 1024; // kube-apiserver's request size limit
const COMMA = Buffer.from(',');
const LIST_END = Buffer.from(']}');

/** A request resolved against discovery: which resource, namespace, object and subresource it names. */
interface ResourceRequest {
  info: ResourceInfo;
  namespace: string;
  name?: string;
  subresource?: string;
  verb: KubeVerb;
}

export interface HandlerContext {
  catalog: DiscoveryCatalog;
  store: ObjectStore;
  api: ResourceApi;
  faults: FaultInjector;
  /** When set, requests must carry `Authorization: Bearer <token>`. */
  token?: string;
  /** Counts per verb, for tests and benchmarks. */
  requests: Map<KubeVerb, number>;
  serverAddress: () => string;
}

/** Serves one HTTP request the way kube-apiserver would. */
export async function handleKubeRequest(
  ctx: HandlerContext,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sandbox');
  const method = (req.method ?? 'GET').toUpperCase();
  let facts: RequestFacts = { verb: 'discovery', path: url.pathname };
  try {
    if (ctx.token !== undefined && req.headers.authorization !== `Bearer ${ctx.token}`)
      throw apiErrors.unauthorized();
    const target = resolveResource(ctx.catalog, url.pathname, method, url.searchParams);
    facts = target
      ? {
          verb: target.verb,
          resource: target.info.resource,
          group: target.info.group,
          namespace: target.namespace || undefined,
          path: url.pathname,
          page: continuePage(url.searchParams.get('continue') ?? undefined),
        }
      : { verb: method === 'GET' ? 'discovery' : 'get', path: url.pathname };
    ctx.requests.set(facts.verb, (ctx.requests.get(facts.verb) ?? 0) + 1);
    const faults = ctx.faults.evaluate(facts);
    await applyFaultsBeforeAnswer(faults);
    const reset = faults.some((f) => f.kind === 'connectionReset');
    if (!target) {
      serveNonResource(ctx, url.pathname, req, res, method);
      return;
    }
    if (target.verb === 'watch') {
      serveWatch(ctx, target, url.searchParams, res);
      return;
    }
    const body =
      ['POST', 'PUT', 'PATCH'].includes(method) || (method === 'DELETE' && hasBody(req))
        ? await readBody(req)
        : undefined;
    const result = serveResource(ctx, target, method, url.searchParams, req, body);
    send(res, result.status, result.body, result.contentType, reset);
  } catch (error) {
    const apiError =
      error instanceof KubeApiError
        ? error
        : apiErrors.internal(error instanceof Error ? error.message : String(error));
    const headers: Record<string, string> = {};
    if (apiError.details?.retryAfterSeconds !== undefined)
      headers['Retry-After'] = String(apiError.details.retryAfterSeconds);
    send(res, apiError.code, JSON.stringify(apiError.toStatus()), 'application/json', false, headers);
  }
}

/** Latency first, then the first fault that answers instead of the server (429, 5xx, 410). */
async function applyFaultsBeforeAnswer(faults: FaultRule[]): Promise<void> {
  for (const fault of faults) {
    if (fault.kind === 'latency') await new Promise((r) => setTimeout(r, fault.latencyMs ?? 0));
  }
  for (const fault of faults) {
    if (fault.kind === 'tooManyRequests') throw apiErrors.tooManyRequests(fault.retryAfterSeconds ?? 1);
    if (fault.kind === 'serverError') {
      const code = fault.status ?? 500;
      const reason = code === 503 ? 'ServiceUnavailable' : 'InternalError';
      throw new KubeApiError(code, reason, `Internal error occurred: injected fault (${code})`);
    }
    if (fault.kind === 'expireContinue') throw apiErrors.expiredContinue();
  }
}

function resolveResource(
  catalog: DiscoveryCatalog,
  path: string,
  method: string,
  query: URLSearchParams,
): ResourceRequest | undefined {
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    version = parts[1] as string;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1] as string;
    version = parts[2] as string;
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  if (!catalog.hasGroupVersion(group, version)) throw apiErrors.pathNotFound();
  let namespace = '';
  // /namespaces/<ns>/<resource>/… unless it is the namespaces resource itself (or one of its subresources).
  if (
    rest[0] === 'namespaces' &&
    rest.length >= 3 &&
    catalog.lookup(group, version, rest[2] as string)?.namespaced
  ) {
    namespace = rest[1] as string;
    rest = rest.slice(2);
  }
  const [resource, name, subresource, ...extra] = rest;
  const info = resource ? catalog.lookup(group, version, resource) : undefined;
  if (!info || extra.length > 0) throw apiErrors.pathNotFound();
  if (subresource !== undefined && !info.subresources.has(subresource)) throw apiErrors.pathNotFound();
  const verb = verbOf(method, name !== undefined, query);
  const allowed = subresource ? info.subresources.get(subresource)?.verbs : info.verbs;
  if (!allowed?.includes(verb))
    throw apiErrors.methodNotAllowed(method, `${info.resource}${subresource ? `/${subresource}` : ''}`);
  return { info, namespace, name, subresource, verb };
}

function verbOf(method: string, named: boolean, query: URLSearchParams): KubeVerb {
  const watch = query.get('watch');
  switch (method) {
    case 'GET':
      if (watch === 'true' || watch === '1') return 'watch';
      return named ? 'get' : 'list';
    case 'POST':
      return named ? 'update' : 'create'; // POST to a named path is not a create; the verb check rejects it
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return named ? 'delete' : 'deletecollection';
    default:
      throw new KubeApiError(
        405,
        'MethodNotAllowed',
        `the server does not allow this method on the requested resource (${method})`,
      );
  }
}

interface Answer {
  status: number;
  /** Text, or chunks written to the socket in order (a list: no page-sized copy is ever made). */
  body: string | Buffer[];
  contentType?: string;
}

function serveResource(
  ctx: HandlerContext,
  target: ResourceRequest,
  method: string,
  query: URLSearchParams,
  req: IncomingMessage,
  rawBody: string | undefined,
): Answer {
  const { api } = ctx;
  const { info, namespace, name, subresource } = target;
  const dryRun = query.getAll('dryRun').includes('All');
  if (method === 'POST' && name !== undefined) throw apiErrors.methodNotAllowed(method, info.resource);
  const contentType = (req.headers['content-type'] ?? 'application/json').split(';')[0]?.trim() ?? '';
  const body = () => parseBody(rawBody, contentType);
  const json = (status: number, value: unknown): Answer => ({ status, body: JSON.stringify(value) });
  const objectAnswer = (status: number, stored: StoredObject): Answer => ({
    status,
    body: [api.renderBytes(info, stored)],
  });

  if (subresource === 'scale') {
    const objName = name as string;
    if (target.verb === 'get') return json(200, api.getScale(info, namespace, objName));
    if (target.verb === 'update')
      return json(200, api.updateScale(info, namespace, objName, { body: body() }, dryRun));
    return json(
      200,
      api.updateScale(info, namespace, objName, { patchType: patchType(contentType), patch: body() }, dryRun),
    );
  }
  if (subresource === 'status') {
    const objName = name as string;
    if (target.verb === 'get') return objectAnswer(200, api.get(info, namespace, objName));
    if (target.verb === 'update')
      return objectAnswer(200, api.updateStatus(info, namespace, objName, body(), dryRun));
    return objectAnswer(
      200,
      api.patch(info, namespace, objName, patchType(contentType), body(), 'status', dryRun),
    );
  }
  if (subresource !== undefined) throw apiErrors.methodNotAllowed(method, `${info.resource}/${subresource}`);

  switch (target.verb) {
    case 'get':
      return objectAnswer(200, api.get(info, namespace, name as string));
    case 'list':
      return serveList(ctx, info, namespace, listOptions(query), req.headers.accept ?? '');
    case 'create':
      return objectAnswer(201, api.create(info, namespace, body(), dryRun));
    case 'update':
      return objectAnswer(200, api.update(info, namespace, name as string, body(), dryRun));
    case 'patch':
      return objectAnswer(
        200,
        api.patch(info, namespace, name as string, patchType(contentType), body(), 'main', dryRun),
      );
    case 'delete':
      return json(200, api.delete(info, namespace, name as string, rawBody ? body() : undefined, dryRun));
    case 'deletecollection': {
      const items = api.deleteCollection(info, namespace, listOptions(query), dryRun);
      return json(200, { apiVersion: apiVersionOf(info), kind: `${info.kind}List`, metadata: {}, items });
    }
    default:
      throw apiErrors.methodNotAllowed(method, info.resource);
  }
}

function serveList(
  ctx: HandlerContext,
  info: ResourceInfo,
  namespace: string,
  options: ListOptions,
  accept: string,
): Answer {
  const page = ctx.api.list(info, namespace, options);
  const metadata: Record<string, unknown> = { resourceVersion: String(page.resourceVersion) };
  if (page.continueToken) metadata.continue = page.continueToken;
  if (page.remainingItemCount !== undefined) metadata.remainingItemCount = page.remainingItemCount;
  if (accept.includes('as=Table')) {
    return {
      status: 200,
      body: JSON.stringify(toTable(ctx, info, page.items, metadata)),
      contentType: TABLE_CONTENT_TYPE,
    };
  }
  // Objects are kept as JSON bytes: the list is their stored buffers between commas, never parsed
  // nor copied into one page-sized string (which costs more than the rest of the request together).
  const head = `{"apiVersion":${JSON.stringify(apiVersionOf(info))},"kind":${JSON.stringify(`${info.kind}List`)},"metadata":${JSON.stringify(metadata)},"items":[`;
  const chunks: Buffer[] = [Buffer.from(head)];
  page.items.forEach((item, index) => {
    if (index > 0) chunks.push(COMMA);
    chunks.push(ctx.api.renderBytes(info, item));
  });
  chunks.push(LIST_END);
  return { status: 200, body: chunks };
}

/** The server-side printing kubectl asks for: NAME and AGE columns (plus NAMESPACE when listing all). */
function toTable(
  ctx: HandlerContext,
  info: ResourceInfo,
  items: ReturnType<ResourceApi['list']>['items'],
  metadata: Record<string, unknown>,
) {
  const now = Date.now();
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    columnDefinitions: [
      {
        name: 'Name',
        type: 'string',
        format: 'name',
        description: 'Name must be unique within a namespace.',
        priority: 0,
      },
      { name: 'Age', type: 'string', format: '', description: 'CreationTimestamp', priority: 0 },
    ],
    rows: items.map((item) => {
      const object = ctx.api.parse(info, item);
      const created = Date.parse(object.metadata.creationTimestamp ?? '');
      return {
        cells: [item.name, humanAge(Number.isNaN(created) ? 0 : now - created)],
        object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata },
      };
    }),
  };
}

function humanAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 172800) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

function serveWatch(
  ctx: HandlerContext,
  target: ResourceRequest,
  query: URLSearchParams,
  res: ServerResponse,
): void {
  const { info, namespace } = target;
  const options = listOptions(query);
  // Validates the selectors once (a bad one is a 400, not a broken stream).
  const initial = ctx.api.list(info, namespace, { ...options, limit: undefined, continueToken: undefined });
  res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
  // Clients wait for the headers before they consider the watch open.
  res.flushHeaders();
  const write = (type: string, json: Buffer) => {
    res.cork();
    res.write(`{"type":"${type}","object":`);
    res.write(json);
    res.write('}\n');
    res.uncork();
  };
  const resourceVersion = query.get('resourceVersion');
  if (!resourceVersion || resourceVersion === '0' || query.get('sendInitialEvents') === 'true') {
    for (const item of initial.items) write('ADDED', ctx.api.renderBytes(info, item));
  }
  const matching = new Set(initial.items.map((i) => i.key));
  const listener = (change: StoreChange) => {
    if (change.storageKey !== info.storageKey) return;
    if (info.namespaced && namespace && change.object.namespace !== namespace) return;
    // Re-evaluates the selectors on the changed object only.
    const page = ctx.api.list(info, change.object.namespace, {
      ...options,
      fieldSelector: [options.fieldSelector, `metadata.name=${change.object.name}`].filter(Boolean).join(','),
    });
    const now = change.type !== 'DELETED' && page.items.length > 0;
    const was = matching.has(change.object.key);
    if (change.type === 'DELETED') {
      if (was) write('DELETED', ctx.api.renderBytes(info, change.object));
      matching.delete(change.object.key);
      return;
    }
    if (now) {
      write(was ? 'MODIFIED' : 'ADDED', ctx.api.renderBytes(info, change.object));
      matching.add(change.object.key);
    } else if (was) {
      write('DELETED', ctx.api.renderBytes(info, change.object));
      matching.delete(change.object.key);
    }
  };
  ctx.store.changes.on('change', listener);
  const timeoutSeconds = Number(query.get('timeoutSeconds') ?? 1800);
  const timer = setTimeout(() => res.end(), Math.max(0, timeoutSeconds) * 1000);
  res.on('close', () => {
    clearTimeout(timer);
    ctx.store.changes.off('change', listener);
  });
}

function serveNonResource(
  ctx: HandlerContext,
  path: string,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
): void {
  if (method !== 'GET') throw apiErrors.methodNotAllowed(method, path);
  const accept = req.headers.accept ?? '';
  const wantsAggregated = /as=APIGroupDiscoveryList/.test(accept) && /v=v2(?!beta)/.test(accept);
  const trimmed = path.replace(/\/+$/, '') || '/';
  const parts = trimmed.split('/').filter(Boolean);
  const { catalog } = ctx;
  let body: unknown;
  let contentType = 'application/json';
  if (trimmed === '/version') body = catalog.serverVersion;
  else if (['/healthz', '/livez', '/readyz'].includes(trimmed)) {
    send(res, 200, 'ok', 'text/plain');
    return;
  } else if (trimmed === '/api') {
    body = wantsAggregated ? catalog.aggregatedCore() : catalog.apiVersions(ctx.serverAddress());
    if (wantsAggregated) contentType = AGGREGATED_CONTENT_TYPE;
  } else if (trimmed === '/api/v1') body = catalog.coreResourceList();
  else if (trimmed === '/apis') {
    body = wantsAggregated ? catalog.aggregatedGroups() : catalog.apiGroupList();
    if (wantsAggregated) contentType = AGGREGATED_CONTENT_TYPE;
  } else if (parts[0] === 'apis' && parts.length === 2) body = catalog.apiGroup(parts[1] as string);
  else if (parts[0] === 'apis' && parts.length === 3)
    body = catalog.apiResourceList(parts[1] as string, parts[2] as string);
  if (body === undefined) throw apiErrors.pathNotFound();
  send(res, 200, JSON.stringify(body), contentType);
}

function listOptions(query: URLSearchParams): ListOptions {
  const limit = query.get('limit');
  return {
    labelSelector: query.get('labelSelector') ?? undefined,
    fieldSelector: query.get('fieldSelector') ?? undefined,
    limit: limit ? Number.parseInt(limit, 10) : undefined,
    continueToken: query.get('continue') || undefined,
  };
}

function patchType(contentType: string): PatchType {
  switch (contentType) {
    case 'application/merge-patch+json':
      return 'merge';
    case 'application/strategic-merge-patch+json':
      return 'strategic';
    case 'application/json-patch+json':
      return 'json';
    case 'application/apply-patch+yaml':
    case 'application/apply-patch+json':
      return 'apply';
    default:
      throw apiErrors.unsupportedMediaType(contentType);
  }
}

function parseBody(raw: string | undefined, contentType: string): unknown {
  if (raw === undefined || raw === '') throw apiErrors.badRequest('the request body is empty');
  let parsed: unknown;
  try {
    parsed = contentType.endsWith('yaml') ? parseYaml(raw) : JSON.parse(raw);
  } catch (error) {
    throw apiErrors.badRequest(
      `the request body is not valid ${contentType.endsWith('yaml') ? 'YAML' : 'JSON'}: ${(error as Error).message}`,
    );
  }
  // Parsed here and used once: the API may store it without copying it first.
  return typeof parsed === 'object' && parsed !== null ? handOver(parsed) : parsed;
}

function hasBody(req: IncomingMessage): boolean {
  return Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new KubeApiError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer[],
  contentType = 'application/json',
  resetMidway = false,
  headers: Record<string, string> = {},
): void {
  if (!resetMidway) {
    const chunks = typeof body === 'string' ? [Buffer.from(body)] : body;
    const length = chunks.reduce((sum, chunk) => sum + chunk.length, 0);
    res.writeHead(status, {
      'Content-Type': contentType,
      'Content-Length': String(length),
      ...headers,
    });
    // One writev for the whole answer.
    res.cork();
    for (const chunk of chunks) res.write(chunk);
    res.end();
    return;
  }
  const bytes = typeof body === 'string' ? Buffer.from(body) : Buffer.concat(body);
  // A connection reset mid-page: half the body, then the socket dies. Sent chunked, as kube-apiserver
  // streams large lists, because node-fetch (under @kubernetes/client-node) only notices a premature
  // close on chunked bodies and would otherwise wait forever for the missing Content-Length bytes.
  res.writeHead(status, { 'Content-Type': contentType, ...headers });
  res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => res.socket?.destroy());
}

function apiVersionOf(info: ResourceInfo): string {
  return info.group ? `${info.group}/${info.version}` : info.version;
}
