import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';
import { regionalHost } from '../aws/partitions.ts';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface EksTokenRequest {
  clusterName: string;
  region: string;
  /** Static credentials or a provider such as `defaultProvider()` of @aws-sdk/credential-provider-node. */
  credentials: AwsCredentials | (() => Promise<AwsCredentials>);
  /** Clock for signing; injected by tests. @default new Date() */
  now?: Date;
}

/** EKS tokens are valid 15 minutes; the presigned URL itself for 60 seconds, as aws-iam-authenticator signs it. */
const PRESIGN_EXPIRY_SECONDS = 60;

/** The prefix aws-iam-authenticator (and `aws eks get-token`) put before the encoded URL. */
export const EKS_TOKEN_PREFIX = 'k8s-aws-v1.';

/**
 * The bearer token `aws eks get-token` makes: a presigned STS GetCallerIdentity URL carrying the
 * `x-k8s-aws-id` header, base64url-encoded without padding, prefixed `k8s-aws-v1.`. The STS host is the
 * region's own in its partition (`sts.cn-north-1.amazonaws.com.cn` in China): the cluster's authenticator
 * accepts only its partition's STS endpoints.
 */
export async function eksToken(request: EksTokenRequest): Promise<string> {
  const host = regionalHost('sts', request.region);
  const signer = new SignatureV4({
    service: 'sts',
    region: request.region,
    credentials: request.credentials,
    sha256: Sha256,
  });
  const presigned = await signer.presign(
    new HttpRequest({
      method: 'GET',
      protocol: 'https:',
      hostname: host,
      path: '/',
      query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
      headers: { host, 'x-k8s-aws-id': request.clusterName },
    }),
    { expiresIn: PRESIGN_EXPIRY_SECONDS, signingDate: request.now },
  );
  const query = Object.entries(presigned.query ?? {})
    .flatMap(([key, value]) => (value === null ? [] : [value].flat()).map((one) => [key, one] as const))
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
    .join('&');
  const url = `https://${host}/?${query}`;
  return `${EKS_TOKEN_PREFIX}${Buffer.from(url).toString('base64url')}`;
}
