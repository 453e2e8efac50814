// Kubernetes clients of clusters reached by name: the cluster's endpoint and CA from a directory (EKS
// DescribeCluster on AWS, the sandbox's stand-in locally), a bearer token from a token source (an EKS token,
// the sandbox's static one), and a client rebuilt before that token expires.
import type { Now } from '../util/clock.ts';
import { accessForEks, type ClusterAccess } from './cluster-access.ts';
import { type ClusterClient, HttpClusterClient } from './cluster-client.ts';

/** What a connector needs to know of a cluster: what EKS DescribeCluster answers, in part. */
export interface ClusterEndpoint {
  name: string;
  status: string;
  /** Absent while the cluster is being created. */
  endpoint?: string;
  /** Base64 PEM of the cluster's CA; absent for a plain-HTTP (sandbox) cluster. */
  certificateAuthorityData?: string;
}

/** Where a cluster is: ClusterDirectory of src/failover answers this. */
export interface ClusterLocator {
  describeCluster(name: string): Promise<ClusterEndpoint>;
}

/** How a ClusterConnector finds and authenticates to the cluster of each key (a plan's side, say). */
export interface ClusterConnectorOptions<Key extends string> {
  /** The cluster name of a key. */
  clusterName(key: Key): string;
  /** The directory that knows the key's cluster (the one of its region). */
  directory(key: Key): ClusterLocator;
  /** A bearer token for the cluster (an EKS token; the sandbox's static one). */
  token(key: Key, clusterName: string): Promise<string>;
  /** Real time, for token expiry. @default new Date() */
  clock?: Now;
  /** EKS tokens live 15 minutes; a client is rebuilt after this. @default 10 minutes */
  tokenLifetimeMs?: number;
}

/** EKS tokens are valid for 15 minutes: a client is replaced well before, so no request carries a stale one. */
export const DEFAULT_TOKEN_LIFETIME_MS = 10 * 60_000;

/** One ClusterClient per key, from the directory and a token, rebuilt before the token expires. */
export class ClusterConnector<Key extends string> {
  readonly #options: ClusterConnectorOptions<Key>;
  readonly #clients = new Map<Key, { client: Promise<ClusterClient>; expiresAt: number }>();

  constructor(options: ClusterConnectorOptions<Key>) {
    this.#options = options;
  }

  /** The key's client, created on first use and after the token's lifetime. */
  client(key: Key): Promise<ClusterClient> {
    const clock = this.#options.clock ?? (() => new Date());
    const cached = this.#clients.get(key);
    if (cached && cached.expiresAt > clock().getTime()) return cached.client;
    if (cached) void cached.client.then((client) => client.close()).catch(() => undefined);
    const client = this.#connect(key);
    const lifetime = this.#options.tokenLifetimeMs ?? DEFAULT_TOKEN_LIFETIME_MS;
    this.#clients.set(key, { client, expiresAt: clock().getTime() + lifetime });
    // A failed connection is not cached: the next invocation (a workflow retry) tries again.
    client.catch(() => {
      if (this.#clients.get(key)?.client === client) this.#clients.delete(key);
    });
    return client;
  }

  /** Closes every client (the sandbox's shutdown). */
  async close(): Promise<void> {
    for (const { client } of this.#clients.values()) {
      await client.then((c) => c.close()).catch(() => undefined);
    }
    this.#clients.clear();
  }

  async #connect(key: Key): Promise<ClusterClient> {
    const name = this.#options.clusterName(key);
    const info = await this.#options.directory(key).describeCluster(name);
    const token = await this.#options.token(key, name);
    return new HttpClusterClient(clusterAccess(info, token));
  }
}

/** Cluster access from DescribeCluster: TLS with the cluster's CA on EKS, plain HTTP for the sandbox. */
export function clusterAccess(info: ClusterEndpoint, token: string): ClusterAccess {
  if (info.endpoint === undefined) {
    throw new Error(`cluster ${info.name} has no endpoint yet (status ${info.status})`);
  }
  if (info.certificateAuthorityData !== undefined) {
    return accessForEks({
      name: info.name,
      endpoint: info.endpoint,
      certificateAuthorityData: info.certificateAuthorityData,
      token,
    });
  }
  return {
    name: info.name,
    clusterName: info.name,
    server: info.endpoint,
    insecureSkipTlsVerify: false,
    token,
  };
}
