import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from 'node:https';
import { authenticatorOf, type ClusterAccess, type RequestAuthenticator } from './cluster-access.ts';
import { KubeConfigError, KubeConnectionError, type KubeRequestTarget, kubeErrorFor } from './errors.ts';

export interface KubeHttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** @default 'application/json' for a body */
  contentType?: string;
  accept?: string;
}

export interface KubeHttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The answer's bytes: decoded only by callers that need text (a snapshot copies list items as bytes). */
  body: Buffer;
}

export interface KubeTransportOptions {
  /** Sockets kept open to the API server; match the caller's concurrency. @default 16 */
  maxSockets?: number;
  /** Per-request timeout. @default 60_000 */
  timeoutMs?: number;
}

/** What one request is sent with: an agent holding the TLS material, and the credential headers. */
interface AppliedCredentials {
  agent: HttpAgent | HttpsAgent;
  headers: Record<string, string>;
}

/**
 * HTTP to one API server with the access's credentials (token, client certificate, CA, exec plugin).
 * Plain node:http rather than a generated client: snapshots move every object of a cluster through
 * here, and reading the JSON ourselves keeps it generic across built-in and custom resources.
 * Credentials come from the access's authenticator before every request (for a kubeconfig, client-node's
 * `applyToHTTPSOptions`, which runs and caches exec plugins); the keep-alive agent is ours and is only
 * replaced when the TLS material it returns changes (an exec plugin's rotated client certificate).
 */
export class KubeTransport {
  readonly server: URL;
  private readonly maxSockets: number;
  private readonly timeoutMs: number;
  private readonly authenticate: RequestAuthenticator;
  private agent: { agent: HttpAgent | HttpsAgent; tls: string } | undefined;
  private readonly retiredAgents: Array<HttpAgent | HttpsAgent> = [];
  private pending: Promise<AppliedCredentials> | undefined;

  constructor(access: ClusterAccess, options: KubeTransportOptions = {}) {
    try {
      this.server = new URL(access.server);
    } catch (error) {
      throw new KubeConfigError(
        `kubeconfig context '${access.name}': server '${access.server}' is not a URL`,
        {
          cause: error,
        },
      );
    }
    this.maxSockets = options.maxSockets ?? 16;
    this.authenticate = authenticatorOf(access);
    this.timeoutMs = options.timeoutMs ?? 60_000;
  }

  /** Sends one request; a non-2xx answer becomes the typed error of src/kube/errors.ts. */
  async send(request: KubeHttpRequest): Promise<KubeHttpResponse> {
    const path = withQuery(request.path, request.query);
    const target: KubeRequestTarget = { method: request.method, path };
    const body = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body));
    const credentials = await this.credentials();
    const options: RequestOptions = {
      method: request.method,
      protocol: this.server.protocol,
      hostname: this.server.hostname,
      port: this.server.port || undefined,
      path: `${this.server.pathname.replace(/\/$/, '')}${path}`,
      agent: credentials.agent,
      headers: {
        ...credentials.headers,
        Accept: request.accept ?? 'application/json',
        ...(body
          ? { 'Content-Type': request.contentType ?? 'application/json', 'Content-Length': body.length }
          : {}),
      },
    };
    const response = await this.exchange(options, body, target);
    if (response.status >= 200 && response.status < 300) return response;
    const retryAfter = response.headers['retry-after'];
    throw kubeErrorFor(
      response.status,
      parseStatus(response.body.toString('utf8')),
      target,
      Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
    );
  }

  /** Sends a request and parses the JSON answer. */
  async json<T>(request: KubeHttpRequest): Promise<T> {
    const response = await this.send(request);
    try {
      return JSON.parse(response.body.toString('utf8')) as T;
    } catch (error) {
      throw new KubeConnectionError(
        { method: request.method, path: request.path },
        new Error('answer is not JSON', { cause: error }),
      );
    }
  }

  /** Closes idle keep-alive sockets so the process can exit. */
  close(): void {
    this.agent?.agent.destroy();
    for (const agent of this.retiredAgents) agent.destroy();
    this.retiredAgents.length = 0;
  }

  // Requests started while credentials are being applied share that application: one exec plugin run,
  // not one per parallel request.
  private credentials(): Promise<AppliedCredentials> {
    this.pending ??= this.applyCredentials().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async applyCredentials(): Promise<AppliedCredentials> {
    const applied: RequestOptions = { headers: {} };
    await this.authenticate(applied);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(applied.headers ?? {})) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    if (applied.auth) headers.Authorization = `Basic ${Buffer.from(applied.auth).toString('base64')}`;
    return { agent: this.agentFor(applied), headers };
  }

  private agentFor(applied: RequestOptions): HttpAgent | HttpsAgent {
    const https = this.server.protocol === 'https:';
    const tls = https
      ? JSON.stringify([
          pemText(applied.ca),
          pemText(applied.cert),
          pemText(applied.key),
          applied.rejectUnauthorized,
          applied.servername,
        ])
      : '';
    if (this.agent?.tls === tls) return this.agent.agent;
    if (this.agent) this.retiredAgents.push(this.agent.agent);
    const common = { keepAlive: true, maxSockets: this.maxSockets };
    const agent = https
      ? new HttpsAgent({
          ...common,
          ca: applied.ca,
          cert: applied.cert,
          key: applied.key,
          ...(applied.rejectUnauthorized === undefined
            ? {}
            : { rejectUnauthorized: applied.rejectUnauthorized }),
          ...(applied.servername ? { servername: applied.servername } : {}),
        })
      : new HttpAgent(common);
    this.agent = { agent, tls };
    return agent;
  }

  private exchange(
    options: RequestOptions,
    body: Buffer | undefined,
    target: KubeRequestTarget,
  ): Promise<KubeHttpResponse> {
    const send = this.server.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', (error) => reject(new KubeConnectionError(target, error)));
        res.on('aborted', () => reject(new KubeConnectionError(target, new Error('response aborted'))));
        res.on('end', () => {
          if (!res.complete) {
            reject(
              new KubeConnectionError(target, new Error('connection closed before the whole answer arrived')),
            );
            return;
          }
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks),
          });
        });
      });
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', (error) => reject(new KubeConnectionError(target, error)));
      req.end(body);
    });
  }
}

// TLS material as text, to notice when it changes (client-node hands out fresh Buffers each time).
function pemText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.map((item) => pemText(item)).join('\n');
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function withQuery(path: string, query: KubeHttpRequest['query']): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query))
    if (value !== undefined && value !== '') params.set(key, String(value));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

function parseStatus(text: string): { reason?: string; message?: string } | undefined {
  try {
    const parsed = JSON.parse(text) as { kind?: string; reason?: string; message?: string };
    return parsed && typeof parsed === 'object' ? parsed : undefined;
  } catch {
    return text ? { message: text.slice(0, 500) } : undefined;
  }
}
