import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from 'node:https';
import { type ClusterAccess, CredentialSource } from './cluster-access.ts';
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

/**
 * HTTP to one API server with the kubeconfig's credentials (token, client certificate, CA, exec plugin).
 * Plain node:http rather than a generated client: snapshots move every object of a cluster through
 * here, and reading the JSON ourselves keeps it generic across built-in and custom resources.
 */
export class KubeTransport {
  readonly server: URL;
  private readonly agent: HttpAgent | HttpsAgent;
  private readonly timeoutMs: number;
  private readonly credentials: CredentialSource;

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
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 16 };
    this.agent =
      this.server.protocol === 'https:'
        ? new HttpsAgent({
            ...agentOptions,
            ca: access.caPem,
            cert: access.clientCertificatePem,
            key: access.clientKeyPem,
            rejectUnauthorized: !access.insecureSkipTlsVerify,
          })
        : new HttpAgent(agentOptions);
    this.credentials = new CredentialSource(access);
    this.timeoutMs = options.timeoutMs ?? 60_000;
  }

  /** Sends one request; a non-2xx answer becomes the typed error of src/kube/errors.ts. */
  async send(request: KubeHttpRequest): Promise<KubeHttpResponse> {
    const path = withQuery(request.path, request.query);
    const target: KubeRequestTarget = { method: request.method, path };
    const body = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body));
    const options: RequestOptions = {
      method: request.method,
      protocol: this.server.protocol,
      hostname: this.server.hostname,
      port: this.server.port || undefined,
      path: `${this.server.pathname.replace(/\/$/, '')}${path}`,
      agent: this.agent,
      headers: {
        Accept: request.accept ?? 'application/json',
        ...(body
          ? { 'Content-Type': request.contentType ?? 'application/json', 'Content-Length': body.length }
          : {}),
      },
    };
    // A token (static, or from the exec plugin such as `aws eks get-token`); TLS material is on the agent.
    const token = await this.credentials.bearerToken();
    if (token) (options.headers as Record<string, string>).Authorization = `Bearer ${token}`;
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
    this.agent.destroy();
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
