// The transport under eks-dr's small AWS clients (EC2's Query API, EKS DescribeCluster): one SigV4-signed
// request over node:https with a keep-alive agent and a deadline for the whole exchange. The SDK clients
// these replace carry every operation's schema; a Lambda that makes one or two calls of a service loads
// faster without them (issue 7, bench/bundles.ts).
import { request as httpRequest } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

/** AWS credentials, as `defaultProvider()` of @aws-sdk/credential-provider-node resolves them. */
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** Static credentials, or a provider that refreshes them (the Lambda role's). */
export type CredentialSource = AwsCredentials | (() => Promise<AwsCredentials>);

/** What every client over SignedHttpClient is given. */
export interface SignedClientOptions {
  region: string;
  credentials: CredentialSource;
  /** @default https://<service>.<region>.amazonaws.com (.amazonaws.com.cn in China) */
  endpoint?: string;
  /** The whole exchange, from connecting to the last byte of the answer. @default 30_000 */
  requestTimeoutMs?: number;
}

/** How a service is reached and named: `EC2`/`ec2`/`ec2`, `EKS`/`eks`/`eks`. */
export interface SignedService {
  /** The name errors use. */
  serviceName: string;
  /** The SigV4 signing name. */
  signingName: string;
  /** The first label of its public endpoint. */
  endpointPrefix: string;
}

/** Options of SignedHttpClient. */
export interface SignedHttpClientOptions {
  /** The name errors use (`EC2`, `EKS`). */
  serviceName: string;
  /** The SigV4 signing name (`ec2`, `eks`). */
  signingName: string;
  region: string;
  endpoint: URL;
  credentials: CredentialSource;
  /** The whole exchange, from connecting to the last byte of the answer. @default 30_000 */
  requestTimeoutMs?: number;
}

/** One request; `path` is signed and sent as given, so it must already be percent-encoded. */
export interface SignedRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/** What came back: the status, the body as text, and the headers (lower-case names). */
export interface SignedAnswer {
  status: number;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * The connection failed or timed out before a whole answer arrived. `$retryable` (as the SDK marks retryable
 * failures) makes `isTransientAwsError` retry it; `code` keeps the socket's code (ECONNRESET, ETIMEDOUT).
 */
export class AwsNetworkError extends Error {
  readonly $retryable = { throttling: false };

  constructor(
    readonly service: string,
    readonly action: string,
    readonly endpoint: string,
    readonly code: string,
    options: { cause?: unknown } = {},
  ) {
    super(`${service} ${action} at ${endpoint}: ${code} (${causeMessage(options.cause)})`, options);
    this.name = 'AwsNetworkError';
  }
}

/** A refusal the service answered; `name` is its code, so `awsErrorCode()` and the retry classifiers read it. */
export class AwsApiError extends Error {
  readonly $fault: 'client' | 'server';
  readonly $metadata: { httpStatusCode: number; requestId: string | undefined };

  constructor(
    readonly action: string,
    readonly code: string,
    message: string,
    httpStatusCode: number,
    readonly requestId: string | undefined,
  ) {
    super(message || code);
    this.name = code;
    this.$fault = httpStatusCode >= 500 ? 'server' : 'client';
    this.$metadata = { httpStatusCode, requestId };
  }
}

/** An answer not in the service's format (a proxy's page, a truncated body); 5xx ones count as transient. */
export class AwsResponseError extends Error {
  readonly $fault: 'client' | 'server';
  readonly $metadata: { httpStatusCode: number };

  constructor(
    readonly service: string,
    readonly action: string,
    readonly httpStatusCode: number,
    problem: string,
    options: { cause?: unknown } = {},
  ) {
    super(`${service} ${action} answered HTTP ${httpStatusCode} with ${problem}`, options);
    this.name = 'AwsResponseError';
    this.$fault = httpStatusCode >= 500 ? 'server' : 'client';
    this.$metadata = { httpStatusCode };
  }
}

/** The AWS region names SigV4 signs for (`eu-west-1`, `us-gov-west-1`, `cn-north-1`). */
function isRegionName(region: string): boolean {
  return /^[a-z]{2,}(-[a-z]+)+-\d+$/.test(region);
}

/** `https://<prefix>.<region>.amazonaws.com`, with China's `.cn` suffix. */
export function regionalEndpoint(prefix: string, region: string): string {
  return `https://${prefix}.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

/** SigV4-signed requests to one endpoint of one service. */
export class SignedHttpClient {
  readonly region: string;
  readonly endpoint: URL;
  readonly #options: SignedHttpClientOptions;
  readonly #signer: SignatureV4;
  readonly #timeoutMs: number;
  readonly #agent: Agent | undefined;

  constructor(options: SignedHttpClientOptions) {
    const { serviceName } = options;
    if (!isRegionName(options.region)) {
      throw new RangeError(
        `${serviceName} client region ${JSON.stringify(options.region)}: not an AWS region name`,
      );
    }
    if (options.endpoint.protocol !== 'https:' && options.endpoint.protocol !== 'http:') {
      throw new RangeError(
        `${serviceName} client endpoint ${options.endpoint.href}: expected an http(s) URL`,
      );
    }
    const timeout = options.requestTimeoutMs ?? 30_000;
    if (!(timeout > 0))
      throw new RangeError(`${serviceName} client requestTimeoutMs ${timeout}: expected > 0`);
    this.region = options.region;
    this.endpoint = options.endpoint;
    this.#options = options;
    this.#timeoutMs = timeout;
    this.#signer = this.signerFor(options.region);
    // A warm Lambda reuses the TLS connection instead of a handshake per call.
    this.#agent = this.endpoint.protocol === 'https:' ? new Agent({ keepAlive: true }) : undefined;
  }

  /**
   * The transport of `service` for a client's options: its public endpoint in the region unless the options
   * name one (which must be a URL).
   */
  static forService(service: SignedService, options: SignedClientOptions): SignedHttpClient {
    let endpoint: URL;
    try {
      endpoint = new URL(options.endpoint ?? regionalEndpoint(service.endpointPrefix, options.region));
    } catch (error) {
      throw new RangeError(`${service.serviceName} client endpoint ${options.endpoint}: not a URL`, {
        cause: error,
      });
    }
    return new SignedHttpClient({
      serviceName: service.serviceName,
      signingName: service.signingName,
      region: options.region,
      endpoint,
      credentials: options.credentials,
      ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
    });
  }

  /** A SigV4 signer of this service for `region` (presigned URLs for another region need their own). */
  signerFor(region: string): SignatureV4 {
    return new SignatureV4({
      service: this.#options.signingName,
      region,
      credentials: this.#options.credentials,
      sha256: Sha256,
    });
  }

  /** Signs and sends `request`; any answer resolves (callers judge the status), a lost one throws AwsNetworkError. */
  async send(action: string, request: SignedRequest): Promise<SignedAnswer> {
    const url = this.endpoint;
    const body = request.body;
    const signed = await this.#signer.sign(
      new HttpRequest({
        method: request.method,
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port === '' ? undefined : Number(url.port),
        path: request.path,
        headers: { ...request.headers, host: url.host },
        ...(body === undefined ? {} : { body }),
      }),
    );
    const headers: Record<string, string> = { ...signed.headers };
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    return this.#exchange(action, new URL(request.path, url), request.method, headers, body);
  }

  #exchange(
    action: string,
    target: URL,
    method: string,
    headers: Record<string, string>,
    body: string | undefined,
  ): Promise<SignedAnswer> {
    const origin = this.endpoint.origin;
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (outcome: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        outcome();
      };
      const fail = (error: Error & { code?: unknown }): void => {
        const code = typeof error.code === 'string' ? error.code : error.name;
        settle(() =>
          reject(new AwsNetworkError(this.#options.serviceName, action, origin, code, { cause: error })),
        );
      };
      const req = send(target, { method, headers, agent: this.#agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', fail);
        res.on('end', () =>
          settle(() =>
            resolve({
              status: res.statusCode ?? 0,
              text: Buffer.concat(chunks).toString('utf8'),
              headers: res.headers,
            }),
          ),
        );
      });
      const timer = setTimeout(() => {
        fail(
          Object.assign(new Error(`no complete answer within ${this.#timeoutMs} ms`), { code: 'ETIMEDOUT' }),
        );
        req.destroy();
      }, this.#timeoutMs);
      req.on('error', fail);
      req.end(body);
    });
  }
}

/** RFC 3986 percent-encoding, as SigV4 canonicalises it (encodeURIComponent leaves !'()* alone). */
export function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** The form body (or query string) of `pairs`. */
export function formEncode(pairs: readonly (readonly [string, string])[]): string {
  return pairs.map(([key, value]) => `${encodeRfc3986(key)}=${encodeRfc3986(value)}`).join('&');
}

/** A short, one-line excerpt of an answer's body for error messages. */
export function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat === '' ? 'empty' : JSON.stringify(flat.length > 120 ? `${flat.slice(0, 120)}…` : flat);
}

function causeMessage(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}
