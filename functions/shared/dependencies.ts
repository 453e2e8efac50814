// What the functions work with, behind the interfaces of src/: one object the handlers take through
// createHandler(deps). `realDependencies()` wires the AWS adapters from the environment and the plan, each
// client created once per container on first use; the sandbox hands in its stand-ins instead.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { Route53Client } from '@aws-sdk/client-route-53';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import type { BackupManifest, BackupStore, VolumeSnapshotRecord } from '../../src/archive/index.ts';
import { CloudWatchMetrics } from '../../src/aws/cloudwatch-metrics.ts';
import { Ec2VolumeSnapshots } from '../../src/aws/ec2-volume-snapshots.ts';
import { EksClusterDirectory } from '../../src/aws/eks-cluster-directory.ts';
import { EksNodeCapacity } from '../../src/aws/eks-node-capacity.ts';
import { Route53Dns } from '../../src/aws/route53-dns.ts';
import { Route53HealthChecks } from '../../src/aws/route53-health-checks.ts';
import { copyBackup, S3BackupStore } from '../../src/aws/s3-backup-store.ts';
import { SfnWorkflows } from '../../src/aws/sfn-workflows.ts';
import { SnsNotifier } from '../../src/aws/sns-notifier.ts';
import {
  type ClusterDirectory,
  type ClusterInfo,
  type DnsProvider,
  fetchHttpProbe,
  type HealthCheckStatusReader,
  type HttpProbe,
  type MetricsPublisher,
  type NodeCapacity,
  type Notifier,
  type Now,
  type WorkflowStarter,
} from '../../src/failover/index.ts';
import { type ClusterClient, HttpClusterClient } from '../../src/kube/cluster-client.ts';
import { eksToken } from '../../src/kube/eks-token.ts';
import { accessForEks, type ClusterAccess } from '../../src/kube/kubeconfig.ts';
import { type DrPlan, planFromEnvironment } from '../../src/plan/index.ts';
import type { VolumeSnapshots } from '../../src/volumes/index.ts';
import {
  type DeploymentSide,
  type Environment,
  optionalEnv,
  requireEnv,
  requireSide,
  stateMachinesFromEnv,
} from './env.ts';
import type { Side } from './envelope.ts';
import { traced } from './powertools.ts';

/** The workflows a function may start or look at. */
export type WorkflowKind = 'backup' | 'failover' | 'failback' | 'drill';

/** Knobs the sandbox turns to run on compressed time; AWS uses the defaults. */
export interface FunctionTuning {
  /** Pause between consecutive health probes. @default 1000 */
  healthIntervalMs?: number;
  /** Time kept free at the end of a restore invocation for the answer to get back. @default 30_000 */
  restoreSafetyMarginMs?: number;
  /** Pause between checks of DR volumes being created from snapshots. @default 5_000 */
  volumePollMs?: number;
  /** Availability zones of the DR region new volumes may go to. @default `<dr region>a`, `b`, `c` */
  drAvailabilityZones?: readonly string[];
}

/** Everything the handlers need, each behind an interface of src/. */
export interface FunctionDependencies {
  readonly plan: DrPlan;
  /** The half of the plan this deployment serves. */
  readonly side: DeploymentSide;
  /** Time as the run sees it (modelled in the sandbox). */
  readonly now: Now;
  /** Waits in the same time as `now`. */
  readonly sleep: (ms: number) => Promise<void>;
  /** The ARN of one of the plan's state machines; throws naming the variable when the stack did not set it. */
  stateMachineArn(workflow: WorkflowKind): string;
  /** The backup bucket of one side. */
  store(side: Side): BackupStore;
  /** Copies a backup between the sides' buckets, verified by sha256, and completes the destination manifest. */
  copyBackup(
    from: Side,
    to: Side,
    name: string,
    options?: { volumeSnapshots?: readonly VolumeSnapshotRecord[] },
  ): Promise<BackupManifest>;
  /** A client of one side's cluster (EKS endpoint and a fresh token). */
  cluster(side: Side): Promise<ClusterClient>;
  /** EKS node groups (the plan's DR node groups). */
  readonly capacity: NodeCapacity;
  readonly dns: DnsProvider;
  readonly probe: HttpProbe;
  readonly healthChecks: HealthCheckStatusReader;
  readonly metrics: MetricsPublisher;
  readonly notifier: Notifier;
  readonly workflows: WorkflowStarter;
  /** EC2 snapshots and volumes of one side's region. */
  volumeSnapshots(side: Side): VolumeSnapshots;
  readonly tuning?: FunctionTuning;
}

/** The region of one side of the plan. */
export function regionOf(plan: DrPlan, side: Side): string {
  return side === 'primary' ? plan.primary.region : plan.dr.region;
}

/** The cluster name of one side of the plan. */
export function clusterNameOf(plan: DrPlan, side: Side): string {
  return side === 'primary' ? plan.primary.clusterName : plan.dr.clusterName;
}

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

/** Lazily computes a value once. */
function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => {
    made ??= { value: make() };
    return made.value;
  };
}

/**
 * The AWS adapters, wired from the environment (functions/README.md) and the plan. Nothing is created
 * until a handler asks: a function that never talks to EC2 never builds an EC2 client.
 */
export function realDependencies(env: Environment = process.env): FunctionDependencies {
  const plan = planFromEnvironment(optionalEnv('EKS_DR_PLAN', env), 'EKS_DR_PLAN');
  const side = requireSide(env);
  const arns = stateMachinesFromEnv(env);
  const variables: Record<WorkflowKind, string> = {
    backup: 'BACKUP_STATE_MACHINE_ARN',
    failover: 'FAILOVER_STATE_MACHINE_ARN',
    failback: 'FAILBACK_STATE_MACHINE_ARN',
    drill: 'DRILL_STATE_MACHINE_ARN',
  };
  const perSide = <T>(make: (side: Side) => T): ((side: Side) => T) => {
    const made = { primary: once(() => make('primary')), dr: once(() => make('dr')) };
    return (which) => made[which]();
  };
  const s3 = perSide((which) => traced(new S3Client({ region: regionOf(plan, which) })));
  const eks = perSide((which) => traced(new EKSClient({ region: regionOf(plan, which) })));
  const ec2 = perSide((which) => traced(new EC2Client({ region: regionOf(plan, which) })));
  // Route 53 is global; its API lives in us-east-1.
  const route53 = once(() => traced(new Route53Client({ region: 'us-east-1' })));
  const stores = perSide(
    (which) =>
      new S3BackupStore({
        client: s3(which),
        bucket: which === 'primary' ? plan.primary.backupBucket : plan.dr.backupBucket,
        prefix: plan.backup.prefix,
        kmsKeyId: which === 'primary' ? plan.primary.kmsKeyArn : plan.dr.kmsKeyArn,
        region: regionOf(plan, which),
      }),
  );
  const directories = perSide((which) => new EksClusterDirectory(eks(which)));
  const credentials = once(() => defaultProvider());
  const connector = new ClusterConnector({
    plan,
    directory: directories,
    token: (which, clusterName) =>
      eksToken({ clusterName, region: regionOf(plan, which), credentials: credentials() }),
  });
  const capacity = once(() => new EksNodeCapacity(eks('dr')));
  const dns = once(() => new Route53Dns(route53()));
  const healthChecks = once(() => new Route53HealthChecks(route53()));
  const metrics = once(() => new CloudWatchMetrics(traced(new CloudWatchClient({}))));
  const notifier = once(
    () => new SnsNotifier(traced(new SNSClient({})), requireEnv('NOTIFICATION_TOPIC_ARN', env)),
  );
  const workflows = once(() => new SfnWorkflows(traced(new SFNClient({}))));
  const volumes = perSide((which) => new Ec2VolumeSnapshots(ec2(which), { region: regionOf(plan, which) }));
  return {
    plan,
    side,
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    stateMachineArn: (workflow) => arns[workflow] ?? requireEnv(variables[workflow], env),
    store: stores,
    copyBackup: (from, to, name, options = {}) =>
      copyBackup(stores(from), stores(to), name, {
        ...(options.volumeSnapshots ? { volumeSnapshots: options.volumeSnapshots } : {}),
      }),
    cluster: (which) => connector.client(which),
    get capacity() {
      return capacity();
    },
    get dns() {
      return dns();
    },
    probe: fetchHttpProbe,
    get healthChecks() {
      return healthChecks();
    },
    get metrics() {
      return metrics();
    },
    get notifier() {
      return notifier();
    },
    get workflows() {
      return workflows();
    },
    volumeSnapshots: volumes,
  };
}

let shared: FunctionDependencies | undefined;

/** The real dependencies of this container, built on the first invocation and reused by every later one. */
export function containerDependencies(): FunctionDependencies {
  shared ??= realDependencies();
  return shared;
}
