// One Kubernetes client per side, from the cluster's EKS description and a bearer token, shared by the AWS
// wiring (functions/shared/aws/clusters.ts) and the sandbox.
import type { ClusterDirectory, ClusterInfo } from '../../src/failover/index.ts';
import { accessForEks, type ClusterAccess } from '../../src/kube/cluster-access.ts';
import { type ClusterClient, HttpClusterClient } from '../../src/kube/cluster-client.ts';
import type { DrPlan } from '../../src/plan/index.ts';
import type { Side } from './envelope.ts';
import { clusterNameOf } from './sides.ts';

/** How a ClusterConnector finds and authenticates to a side's cluster. */
export interface ClusterConnectorOptions {
  plan: DrPlan;
  directory(side: Side): ClusterDirectory;
  /** A bearer token for the cluster (an EKS token; the sandbox's static one). */
  token(side: Side, clusterName: string): Promise<string>;
  /** Real milliseconds, for token expiry. @default Date.now */
  clock?: () => number;
  /** EKS tokens live 15 minutes; a client is rebuilt after this. @default 10 minutes */
  tokenLifetimeMs?: number;
}

/** One ClusterClient per side, from DescribeCluster and a token, rebuilt before the token expires. */
export class ClusterConnector {
  readonly #options: ClusterConnectorOptions;
  readonly #clients = new Map<Side, { client: Promise<ClusterClient>; expiresAt: number }>();

  constructor(options: ClusterConnectorOptions) {
    this.#options = options;
  }

  /** The side's client, created on first use and after the token's lifetime. */
  client(side: Side): Promise<ClusterClient> {
    const clock = this.#options.clock ?? Date.now;
    const cached = this.#clients.get(side);
    if (cached && cached.expiresAt > clock()) return cached.client;
    if (cached) void cached.client.then((client) => client.close()).catch(() => undefined);
    const client = this.#connect(side);
    this.#clients.set(side, { client, expiresAt: clock() + (this.#options.tokenLifetimeMs ?? 10 * 60_000) });
    // A failed connection is not cached: the next invocation (a workflow retry) tries again.
    client.catch(() => this.#clients.delete(side));
    return client;
  }

  /** Closes every client (the sandbox's shutdown). */
  async close(): Promise<void> {
    for (const { client } of this.#clients.values()) {
      await client.then((c) => c.close()).catch(() => undefined);
    }
    this.#clients.clear();
  }

  async #connect(side: Side): Promise<ClusterClient> {
    const name = clusterNameOf(this.#options.plan, side);
    const info = await this.#options.directory(side).describeCluster(name);
    const token = await this.#options.token(side, name);
    return new HttpClusterClient(clusterAccess(info, token));
  }
}

/** Cluster access from DescribeCluster: TLS with the cluster's CA on EKS, plain HTTP for the sandbox. */
export function clusterAccess(info: ClusterInfo, token: string): ClusterAccess {
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
