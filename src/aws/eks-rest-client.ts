// EKS DescribeCluster without @aws-sdk/client-eks. The snapshot, restore and workloads-ready functions make
// this one EKS call to reach a cluster; the SDK client and its JSON protocol cost them about 19 ms of every
// cold start (bench/bundles.ts, issue 7). The capacity function, which scales node groups, keeps the SDK.
//
// Protocol (restJson1, from the EKS API reference and the SDK's own model): `GET /clusters/{name}`, answered
// `{"cluster": {...}}`. A refusal names its code in the `x-amzn-errortype` header
// (`ResourceNotFoundException:http://internal.amazon.com/...`), else in the body's `__type` or `code`,
// with `message` beside it; 5xx answers are the server's fault and worth retrying.
import {
  AwsApiError,
  AwsResponseError,
  encodeRfc3986,
  regionalEndpoint,
  type SignedClientOptions,
  SignedHttpClient,
  type SignedService,
  snippet,
} from './signed-http.ts';

// The transport's errors under the names EKS's callers and tests know.
export { AwsApiError as EksApiError, AwsResponseError as EksResponseError };

const EKS: SignedService = { serviceName: 'EKS', signingName: 'eks', endpointPrefix: 'eks' };

/** The members of DescribeCluster's `cluster` that eks-dr reads; EKS sends many more. */
export interface EksClusterDescription {
  name?: string;
  arn?: string;
  status?: string;
  version?: string;
  endpoint?: string;
  certificateAuthority?: { data?: string };
}

/** What EksClusterDirectory needs of EKS. */
export interface EksClusterApi {
  /** The `cluster` of DescribeCluster, or undefined when EKS answered without one. */
  describeCluster(name: string): Promise<EksClusterDescription | undefined>;
}

/** Options of EksRestClient. */
export type EksRestClientOptions = SignedClientOptions;

/** The public EKS endpoint of `region`. */
export function eksEndpoint(region: string): string {
  return regionalEndpoint(EKS.endpointPrefix, region);
}

/** EKS DescribeCluster over its REST API: a SigV4-signed GET (node:https, keep-alive), a JSON answer. */
export class EksRestClient implements EksClusterApi {
  readonly region: string;
  readonly #http: SignedHttpClient;

  constructor(options: EksRestClientOptions) {
    this.#http = SignedHttpClient.forService(EKS, options);
    this.region = options.region;
  }

  /** The cluster `name`; EKS's refusals (ResourceNotFoundException, AccessDeniedException) throw EksApiError. */
  async describeCluster(name: string): Promise<EksClusterDescription | undefined> {
    const action = 'DescribeCluster';
    const { status, text, headers } = await this.#http.send(action, {
      method: 'GET',
      path: `/clusters/${encodeRfc3986(name)}`,
      headers: { accept: 'application/json' },
    });
    const body = parseJson(action, status, text);
    if (status < 200 || status >= 300) throw errorOf(action, status, body, headers);
    const cluster = isRecord(body) ? body.cluster : undefined;
    if (cluster === undefined || cluster === null) return undefined;
    if (!isRecord(cluster))
      throw new AwsResponseError('EKS', action, status, 'a "cluster" that is not an object');
    return cluster as EksClusterDescription;
  }
}

function parseJson(action: string, status: number, text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AwsResponseError('EKS', action, status, `a body that is not JSON (${snippet(text)})`, {
      cause: error,
    });
  }
}

// The SDK's restJson1 rule: the header first, then the body; a code may carry a namespace (`aws#Code`) or a
// trailing URI (`Code:http://...`), neither of which is part of it.
function errorOf(
  action: string,
  status: number,
  body: unknown,
  headers: Record<string, string | string[] | undefined>,
): Error {
  const fields = isRecord(body) ? body : {};
  const raw = firstString(headers['x-amzn-errortype'], fields.__type, fields.code, fields.Code);
  const code = raw?.split(':')[0]?.split('#').pop()?.trim();
  const requestId = firstString(headers['x-amzn-requestid'], headers['x-amz-request-id']);
  if (code === undefined || code === '') {
    return new AwsResponseError('EKS', action, status, `no error code (${snippet(JSON.stringify(body))})`);
  }
  return new AwsApiError(action, code, firstString(fields.message, fields.Message) ?? '', status, requestId);
}

function firstString(...values: unknown[]): string | undefined {
  for (const value of values) {
    const text = Array.isArray(value) ? value[0] : value;
    if (typeof text === 'string' && text !== '') return text;
  }
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
