import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { KubeConfigError } from './errors.ts';

// How to reach one API server, without reading any file: what Lambdas use (EKS endpoint + token), kept
// apart from the kubeconfig file reader so their bundles carry no YAML parser.

/** An exec credential plugin (`aws eks get-token`), as kubeconfig `users[].user.exec` describes it. */
export interface ExecPlugin {
  command: string;
  args: string[];
  env: Record<string, string>;
}

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
  exec?: ExecPlugin;
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

const execFileAsync = promisify(execFile);

/**
 * The bearer token to send, if any: the static one, or one from the exec plugin (cached until shortly
 * before the expiry the plugin reports, as kubectl does).
 */
export class CredentialSource {
  private cached: { token: string; expiresAt: number } | undefined;

  constructor(private readonly access: ClusterAccess) {}

  async bearerToken(): Promise<string | undefined> {
    if (this.access.token) return this.access.token;
    const exec = this.access.exec;
    if (!exec) return undefined;
    if (this.cached && this.cached.expiresAt > Date.now() + 60_000) return this.cached.token;
    let stdout: string;
    try {
      ({ stdout } = await execFileAsync(exec.command, exec.args, {
        env: { ...process.env, ...exec.env },
        timeout: 30_000,
      }));
    } catch (error) {
      throw new KubeConfigError(
        `exec credential plugin '${exec.command}' failed: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    let credential: { status?: { token?: string; expirationTimestamp?: string } };
    try {
      credential = JSON.parse(stdout);
    } catch (error) {
      throw new KubeConfigError(`exec credential plugin '${exec.command}' did not print an ExecCredential`, {
        cause: error,
      });
    }
    const token = credential.status?.token;
    if (!token)
      throw new KubeConfigError(`exec credential plugin '${exec.command}': status.token is missing`);
    const expiry = Date.parse(credential.status?.expirationTimestamp ?? '');
    this.cached = { token, expiresAt: Number.isNaN(expiry) ? Date.now() + 5 * 60_000 : expiry };
    return token;
  }
}
