import type { RequestOptions } from 'node:https';

// How to reach one API server, without reading any file: what Lambdas use (EKS endpoint + token), kept
// apart from the kubeconfig loader (src/kube/kubeconfig.ts, over @kubernetes/client-node) so their
// bundles carry neither client-node nor a YAML parser.

/**
 * Fills one request's TLS material (`ca`, `cert`, `key`, `rejectUnauthorized`, `servername`) and headers
 * (`Authorization`, `Impersonate-User`; `auth` for basic auth), as @kubernetes/client-node's
 * `KubeConfig.applyToHTTPSOptions` does.
 */
export type RequestAuthenticator = (options: RequestOptions) => Promise<void>;

/** How to reach and authenticate to one API server: a kubeconfig context, resolved. */
export interface ClusterAccess {
  /** The context's name (or the EKS cluster's). */
  name: string;
  /** The kubeconfig cluster entry's name (the EKS cluster's name for EKS). */
  clusterName: string;
  server: string;
  /** PEM of the cluster CA. */
  caPem?: string;
  insecureSkipTlsVerify: boolean;
  namespace?: string;
  token?: string;
  clientCertificatePem?: string;
  clientKeyPem?: string;
  /**
   * Credentials applied before every request, in place of the static fields above: a kubeconfig loaded by
   * client-node, whose exec plugins (`aws eks get-token`) and token files refresh there.
   */
  authenticate?: RequestAuthenticator;
}

export interface EksClusterAccess {
  name: string;
  /** https://XXXX.gr7.eu-west-1.eks.amazonaws.com */
  endpoint: string;
  /** certificateAuthority.data from DescribeCluster (base64 PEM). */
  certificateAuthorityData: string;
  /** A bearer token from `eksToken` (or `aws eks get-token`). */
  token: string;
}

/** What `aws eks update-kubeconfig` would write, with a token instead of an exec plugin. */
export function accessForEks(access: EksClusterAccess): ClusterAccess {
  return {
    name: access.name,
    clusterName: access.name,
    server: access.endpoint,
    caPem: Buffer.from(access.certificateAuthorityData, 'base64').toString('utf8'),
    insecureSkipTlsVerify: false,
    token: access.token,
  };
}

/** The access's authenticator, or one that applies its static CA, client certificate and token. */
export function authenticatorOf(access: ClusterAccess): RequestAuthenticator {
  if (access.authenticate) return access.authenticate;
  return async (options) => {
    if (access.caPem) options.ca = access.caPem;
    if (access.clientCertificatePem) options.cert = access.clientCertificatePem;
    if (access.clientKeyPem) options.key = access.clientKeyPem;
    options.rejectUnauthorized = !access.insecureSkipTlsVerify;
    if (access.token) options.headers = { ...options.headers, Authorization: `Bearer ${access.token}` };
  };
}
