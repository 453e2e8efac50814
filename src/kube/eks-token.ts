import { Sha256 } from '@aws-crypto/sha256-js';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface EksTokenRequest {
  clusterName: string;
  region: string;
  credentials: AwsCredentials | (() => Promise<AwsCredentials>);
  /** Clock for signing; injected by tests. @default new Date() */
  now?: Date;
}

/** EKS tokens are valid 15 minutes; the presigned URL itself for 60 seconds, as aws-iam-authenticator signs it. */
const PRESIGN_EXPIRY_SECONDS = 60;

/**
 * The bearer token `aws eks get-token` makes: a presigned STS GetCallerIdentity URL carrying the
 * `x-k8s-aws-id` header, base64url-encoded without padding, prefixed `k8s-aws-v1.`.
 */
export async function eksToken(request: EksTokenRequest): Promise<string> {
  const host = `sts.${request.region}.amazonaws.com`;
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
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`)
    .join('&');
  const url = `https://${host}/?${query}`;
  return `k8s-aws-v1.${Buffer.from(url).toString('base64url')}`;
}
