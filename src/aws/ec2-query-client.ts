// A small signed client of the EC2 Query API. eks-dr makes six EC2 calls; @aws-sdk/client-ec2 carries every
// operation's schema (~550 KB no bundler can shake), which kept the Lambda bundles over 1 MB (issue 7).
//
// Protocol, from "Query requests for Amazon EC2"
// (https://docs.aws.amazon.com/AWSEC2/latest/APIReference/Query-Requests.html) and the ec2Query traits of
// the SDK's own model (ec2QueryName/xmlName): a form-encoded POST of Action, Version=2016-11-15 and the
// parameters; every list is flattened to 1-based `Name.N` under its singular query name (OwnerIds → Owner.N,
// Filters → Filter.N with Filter.N.Value.M, TagSpecifications → TagSpecification.N with
// TagSpecification.N.Tag.M.Key/Value); empty lists are left out; booleans are `true`/`false`. Answers are
// XML: `<ActionResponse>` with lowerCamel members, or `<Response><Errors><Error><Code/><Message/></Error>
// </Errors><RequestID/></Response>` with HTTP 4xx (client) or 5xx (server; RequestLimitExceeded is a 503).
import { HttpRequest } from '@smithy/protocol-http';
import { parseXml, type XmlElement } from './query-xml.ts';
import {
  AwsApiError,
  AwsNetworkError,
  AwsResponseError,
  encodeRfc3986,
  formEncode,
  regionalEndpoint,
  type SignedClientOptions,
  SignedHttpClient,
  type SignedService,
  snippet,
} from './signed-http.ts';

// The transport's errors under the names EC2's callers and tests know.
export {
  AwsApiError as Ec2ApiError,
  AwsNetworkError as Ec2NetworkError,
  AwsResponseError as Ec2ResponseError,
  encodeRfc3986,
};

const EC2: SignedService = { serviceName: 'EC2', signingName: 'ec2', endpointPrefix: 'ec2' };

const API_VERSION = '2016-11-15';
const CONTENT_TYPE = 'application/x-www-form-urlencoded; charset=utf-8';

/** A value of a structured EC2 request: lists become `Name.N`, nested objects `Name.Member`. */
export type Ec2QueryValue = string | number | boolean | undefined | Ec2QueryParams | readonly Ec2QueryValue[];

/** A structured EC2 request whose keys are already EC2 query names (`Owner`, `Filter`, `TagSpecification`). */
export interface Ec2QueryParams {
  readonly [name: string]: Ec2QueryValue;
}

/** AWS credentials, as `defaultProvider()` of @aws-sdk/credential-provider-node resolves them. */
export type { AwsCredentials as Ec2Credentials } from './signed-http.ts';

/** What Ec2VolumeSnapshots needs of an EC2 client: its region, calls, and presigned URLs for CopySnapshot. */
export interface Ec2Api {
  readonly region: string;
  /** Calls `action` and returns the root element of its answer (`<ActionResponse>`). */
  call(action: string, params: Ec2QueryParams): Promise<XmlElement>;
  /** A SigV4-presigned GET URL of `action` against `region`'s endpoint, valid for an hour. */
  presignUrl(action: string, params: Ec2QueryParams, region: string): Promise<string>;
}

/** Options of Ec2QueryClient. */
export type Ec2QueryClientOptions = SignedClientOptions;

/**
 * Flattens a structured request into EC2's `Name.N` / `Name.Member` pairs, in the order given. Undefined
 * values and empty lists are left out (an undefined list item takes no index), as the SDK's ec2Query does.
 */
export function flattenEc2Params(params: Ec2QueryParams): [string, string][] {
  const pairs: [string, string][] = [];
  const add = (key: string, value: Ec2QueryValue): void => {
    if (value === undefined) return;
    if (typeof value === 'string') {
      pairs.push([key, value]);
    } else if (typeof value === 'boolean') {
      pairs.push([key, value ? 'true' : 'false']);
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value))
        throw new RangeError(`EC2 parameter ${key}: ${value} is not a finite number`);
      pairs.push([key, String(value)]);
    } else if (isList(value)) {
      let index = 0;
      for (const item of value) if (item !== undefined) add(`${key}.${++index}`, item);
    } else {
      for (const [name, member] of Object.entries(value)) add(`${key}.${name}`, member);
    }
  };
  for (const [name, value] of Object.entries(params)) add(name, value);
  return pairs;
}

/** The public EC2 endpoint of `region`. */
export function ec2Endpoint(region: string): string {
  return regionalEndpoint(EC2.endpointPrefix, region);
}

/** EC2 over its Query API: SigV4-signed form POSTs (node:https, keep-alive), XML answers. */
export class Ec2QueryClient implements Ec2Api {
  readonly region: string;
  readonly endpoint: URL;
  readonly #customEndpoint: boolean;
  readonly #http: SignedHttpClient;

  constructor(options: Ec2QueryClientOptions) {
    this.#customEndpoint = options.endpoint !== undefined;
    this.#http = SignedHttpClient.forService(EC2, options);
    this.region = options.region;
    this.endpoint = this.#http.endpoint;
  }

  /** Calls `action` with `params` and returns the `<ActionResponse>` root; EC2's refusals throw Ec2ApiError. */
  async call(action: string, params: Ec2QueryParams): Promise<XmlElement> {
    const body = formEncode([['Action', action], ['Version', API_VERSION], ...flattenEc2Params(params)]);
    const { status, text } = await this.#http.send(action, {
      method: 'POST',
      path: this.endpoint.pathname,
      headers: { 'content-type': CONTENT_TYPE },
      body,
    });
    if (status >= 200 && status < 300) return answerOf(action, status, text);
    throw errorOf(action, status, text);
  }

  /**
   * A presigned GET URL of `action` against `region` (CopySnapshot of an encrypted snapshot needs one signed for
   * the source region, as the SDK's copySnapshotPresignedUrl middleware makes). A client given its own endpoint
   * presigns against that endpoint too, as the SDK does.
   */
  async presignUrl(action: string, params: Ec2QueryParams, region: string): Promise<string> {
    const url = this.#customEndpoint ? this.endpoint : new URL(ec2Endpoint(region));
    const query: Record<string, string> = { Action: action, Version: API_VERSION };
    for (const [key, value] of flattenEc2Params(params)) query[key] = value;
    const presigned = await this.#http.signerFor(region).presign(
      new HttpRequest({
        method: 'GET',
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port === '' ? undefined : Number(url.port),
        path: url.pathname,
        headers: { host: url.host },
        query,
      }),
      { expiresIn: 3600 },
    );
    const pairs = Object.entries(presigned.query ?? {}).flatMap(([key, value]) =>
      (Array.isArray(value) ? value : [value ?? '']).map((v): [string, string] => [key, v]),
    );
    return `${url.origin}${url.pathname}?${formEncode(pairs)}`;
  }
}

function answerOf(action: string, status: number, text: string): XmlElement {
  let root: XmlElement;
  try {
    root = parseXml(text);
  } catch (error) {
    throw new AwsResponseError('EC2', action, status, `a body that is not XML (${snippet(text)})`, {
      cause: error,
    });
  }
  if (root.name !== `${action}Response`) {
    throw new AwsResponseError(
      'EC2',
      action,
      status,
      `<${root.name}> where <${action}Response> was expected`,
    );
  }
  return root;
}

function errorOf(action: string, status: number, text: string): Error {
  let root: XmlElement | undefined;
  try {
    root = parseXml(text);
  } catch (error) {
    return new AwsResponseError('EC2', action, status, `a body that is not XML (${snippet(text)})`, {
      cause: error,
    });
  }
  const error = root.child('Errors')?.child('Error');
  const code = error?.textOf('Code');
  if (error === undefined || code === undefined || code === '') {
    return new AwsResponseError('EC2', action, status, `no <Errors><Error><Code> (${snippet(text)})`);
  }
  const requestId = root.textOf('RequestID') ?? root.textOf('RequestId');
  return new AwsApiError(action, code, error.textOf('Message') ?? '', status, requestId);
}

function isList(value: Ec2QueryValue): value is readonly Ec2QueryValue[] {
  return Array.isArray(value);
}
