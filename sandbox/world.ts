// The whole local world a DR run needs, on one laptop: a primary cluster running a sample shop, a DR cluster
// in pilot light, an S3 server with a bucket per region, EKS, EC2 and Route 53 stand-ins sharing one
// compressed clock, a health endpoint per side that is healthy only when that side's cluster really runs the
// shop, EBS volumes whose content a test can write and read, and every workflow function wired to it
// through the real handlers. The end-to-end tests and `npm run demo` run on it.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { S3Client } from '@aws-sdk/client-s3';
import { createHandler as approval } from '../functions/approval.ts';
import { createHandler as capacity } from '../functions/capacity.ts';
import { createHandler as copy } from '../functions/copy.ts';
import { createHandler as dns } from '../functions/dns.ts';
import { createHandler as guard } from '../functions/guard.ts';
import { createHandler as health } from '../functions/health.ts';
import { createHandler as prune } from '../functions/prune.ts';
import { createHandler as report } from '../functions/report.ts';
import { createHandler as restore } from '../functions/restore.ts';
import { createHandler as selectBackup } from '../functions/select-backup.ts';
import type { FunctionDependencies, FunctionTuning } from '../functions/shared/dependencies.ts';
import type { Side } from '../functions/shared/envelope.ts';
import { logger } from '../functions/shared/powertools.ts';
import { clusterNameOf } from '../functions/shared/sides.ts';
import { createHandler as snapshot } from '../functions/snapshot.ts';
import { createHandler as trigger } from '../functions/trigger.ts';
import { createHandler as volumes } from '../functions/volumes.ts';
import { createHandler as workloadsReady } from '../functions/workloads-ready.ts';
import { copyBackup, S3BackupStore } from '../src/aws/s3-backup-store.ts';
import {
  type DnsRecordSet,
  fetchHttpProbe,
  HealthCheckNotFoundError,
  type TriggerOutcome,
} from '../src/failover/index.ts';
import { ClusterConnector } from '../src/kube/cluster-connector.ts';
import { type DrPlan, type DrPlanInput, parsePlan } from '../src/plan/index.ts';
import { isRecord } from '../src/util/is-record.ts';
import type { WorkflowFunction, WorkflowName } from '../src/workflows/definitions.ts';
import { Ec2Registry } from './aws/ec2-standin.ts';
import { SandboxClock } from './aws/sandbox-clock.ts';
import { SandboxEks } from './aws/sandbox-eks.ts';
import { SandboxMetrics } from './aws/sandbox-metrics.ts';
import { SandboxNotifier } from './aws/sandbox-notifier.ts';
import { SandboxRecoveryLedger } from './aws/sandbox-recovery-ledger.ts';
import { SandboxRoute53 } from './aws/sandbox-route53.ts';
import { sandboxSigningKey } from './aws/sandbox-signing-key.ts';
import { objectKey } from './kube/object-store.ts';
import { KubeApiSimulator } from './kube/simulator.ts';
import type { LocalFunction, WorkflowEvent } from './workflows/local-workflow-runner.ts';
import { LocalWorkflowStarter, localStateMachineArn } from './workflows/local-workflow-starter.ts';

// s3rver ships no type declarations; this is the part of its API the world uses.
interface S3rverServer {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
const S3rver = createRequire(import.meta.url)('s3rver') as new (options: {
  port: number;
  address: string;
  directory: string;
  silent: boolean;
  configureBuckets: { name: string }[];
}) => S3rverServer;

const SAMPLE_APP_DIR = join(dirname(fileURLToPath(import.meta.url)), 'sample-app');
/** The sandbox token of both simulators (what `aws eks get-token` stands for). */
const SANDBOX_TOKEN = 'eks-dr-sandbox';

/** The EBS volumes behind the sample app's PVs, in the primary region. */
export const SAMPLE_VOLUMES = [
  { volumeId: 'vol-0a1b2c3d4e5f60001', availabilityZone: 'eu-west-1a', sizeGi: 10, data: 'orders v1' },
  { volumeId: 'vol-0a1b2c3d4e5f60002', availabilityZone: 'eu-west-1b', sizeGi: 10, data: 'orders v1' },
] as const;

/** The Route 53 zone of the sample plan. */
export const SAMPLE_ZONE_ID = 'Z0EKSDRSANDBOX1';
/** What the records point at on each side. */
export const SAMPLE_TARGETS = {
  primary: { shop: '192.0.2.10', api: 'primary-alb.eu-west-1.elb.amazonaws.com' },
  dr: { shop: '198.51.100.10', api: 'dr-alb.eu-central-1.elb.amazonaws.com' },
} as const;

/** How the world is built. */
export interface SandboxWorldOptions {
  /** Real milliseconds one modelled second takes (a 90 s node boot takes 90 × this). @default 2 */
  realMsPerModelledSecond?: number;
  /** Changes to the sample plan (merged one level deep). */
  plan?: Partial<DrPlanInput>;
  /** Real milliseconds the restore function is told it has left (a Lambda's remaining time). @default 900_000 */
  restoreTimeBudgetMs?: number;
  /** Answers an approval's task token, as an operator's SendTaskSuccess would. @default approves at once */
  approve?: (taskToken: string) => Promise<unknown>;
  /** Powertools log level of the functions. @default 'SILENT' */
  logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  /** Every workflow event of runs the trigger starts. */
  onEvent?: (execution: string, event: WorkflowEvent) => void;
  /** Wraps the functions of runs the trigger starts, e.g. to keep what one returned. @default as they are */
  wrapFunctions?: (
    functions: Record<WorkflowFunction, LocalFunction>,
  ) => Partial<Record<WorkflowFunction, LocalFunction>>;
  /** The draw of node boot times in [0, 1). @default Math.random */
  random?: () => number;
  /** Knobs of the functions beyond the world's compressed-time defaults (e.g. a shorter copy deadline). */
  tuning?: Partial<FunctionTuning>;
}

/** The local world; `stop()` tears it all down. */
export interface SandboxWorld {
  readonly plan: DrPlan;
  readonly clock: SandboxClock;
  readonly primary: KubeApiSimulator;
  readonly dr: KubeApiSimulator;
  readonly eks: SandboxEks;
  readonly route53: SandboxRoute53;
  readonly ec2: Ec2Registry;
  readonly metrics: SandboxMetrics;
  readonly notifier: SandboxNotifier;
  /** The plan's claim and active side, with the DynamoDB table's conditions. */
  readonly ledger: SandboxRecoveryLedger;
  readonly stores: Record<Side, S3BackupStore>;
  readonly s3Endpoint: string;
  /** DR's health endpoint: the failover's gate. */
  readonly health: SandboxHealthEndpoint;
  /** The primary's health endpoint: the failback's gate. */
  readonly primaryHealth: SandboxHealthEndpoint;
  /** The functions' dependencies: the world's stand-ins behind the interfaces of src/. */
  readonly deps: FunctionDependencies;
  /** Step Functions for the trigger: runs the ASL files locally with functionsFor(world). */
  readonly workflows: LocalWorkflowStarter;
  /** Real milliseconds one modelled second takes. */
  readonly realMsPerModelledSecond: number;
  /** The restore function's remaining time per invocation; tests shorten it to force continuations. */
  restoreTimeBudgetMs: number;
  /** Objects in the sample app's namespaces of a simulator (no nodes, no built-ins). */
  sampleObjects(cluster: KubeApiSimulator): string[];
  /** Writes `data` on the EBS volume behind one side's PV, as the pod using it would. */
  writeVolume(side: Side, persistentVolume: string, data: string): void;
  /** What is written on the EBS volume behind one side's PV now. */
  volumeData(side: Side, persistentVolume: string): string | undefined;
  /** Real milliseconds for a Wait state of `seconds` (the runner's `waitMs`). */
  waitMs(seconds: number): number;
  /** Delivers an EventBridge event to the trigger function. */
  trigger(event: unknown): Promise<TriggerOutcome>;
  stop(): Promise<void>;
}

/** A health endpoint's knobs. */
export interface SandboxHealthEndpoint {
  readonly url: string;
  /** Answers this status whatever DR runs (a broken ingress, say); undefined returns to the real check. */
  force(status: number | undefined): void;
  /** Probes answered so far. */
  readonly probes: number;
}

/** Starts every server of the world and loads the sample app into the primary cluster. */
export async function startSandboxWorld(options: SandboxWorldOptions = {}): Promise<SandboxWorld> {
  logger.setLogLevel(options.logLevel ?? 'SILENT');
  const perSecond = options.realMsPerModelledSecond ?? 2;
  const clock = new SandboxClock({ realMsPerModelledSecond: perSecond });
  const cleanups: (() => Promise<void> | void)[] = [];
  try {
    const primary = new KubeApiSimulator({
      token: SANDBOX_TOKEN,
      clusterName: 'shop-primary',
      crdEstablishDelayMs: 20,
    });
    const dr = new KubeApiSimulator({
      token: SANDBOX_TOKEN,
      clusterName: 'shop-dr',
      crdEstablishDelayMs: 20,
    });
    await primary.start();
    cleanups.push(() => primary.stop());
    await dr.start();
    cleanups.push(() => dr.stop());
    for (const file of (await readdir(SAMPLE_APP_DIR)).filter((f) => f.endsWith('.yaml')).sort()) {
      primary.loadYaml(await readFile(join(SAMPLE_APP_DIR, file), 'utf8'), `sample-app/${file}`);
    }

    const directory = await mkdtemp(join(tmpdir(), 'eks-dr-world-'));
    cleanups.push(() => rm(directory, { recursive: true, force: true }));
    const buckets = { primary: 'eks-dr-sandbox-primary', dr: 'eks-dr-sandbox-dr' };
    const s3rver = new S3rver({
      port: 0,
      address: '127.0.0.1',
      directory,
      silent: true,
      configureBuckets: [{ name: buckets.primary }, { name: buckets.dr }],
    });
    const s3Endpoint = `http://127.0.0.1:${(await s3rver.run()).port}`;
    cleanups.push(() => s3rver.close());

    const health = await startHealthEndpoint(dr);
    cleanups.push(() => health.close());
    const primaryHealth = await startHealthEndpoint(primary);
    cleanups.push(() => primaryHealth.close());

    const urls = { primary: primaryHealth.endpoint.url, dr: health.endpoint.url };
    const plan = parsePlan(samplePlan(buckets, urls, options.plan), 'sandbox world plan');

    const eks = new SandboxEks({
      clock,
      region: plan.dr.region,
      ...(options.random ? { random: options.random } : {}),
    });
    eks.addCluster({
      name: plan.primary.clusterName,
      simulator: primary,
      nodegroups: [{ name: 'apps', min: 2, desired: 3, max: 6 }],
    });
    eks.addCluster({
      name: plan.dr.clusterName,
      simulator: dr,
      nodegroups: plan.dr.nodeGroups.map((group) => ({ name: group.name, ...group.pilotLightSize })),
    });

    const route53 = new SandboxRoute53({ clock });
    route53.addZone({ id: SAMPLE_ZONE_ID, name: 'example.com', records: initialRecords() });

    const ec2 = new Ec2Registry({
      now: () => clock.nowMs(),
      retry: { sleep: (ms) => clock.sleep(ms) },
    });
    for (const volume of SAMPLE_VOLUMES) ec2.region(plan.primary.region).addVolume(volume);

    const s3 = (region: string) =>
      new S3Client({
        endpoint: s3Endpoint,
        forcePathStyle: true,
        region,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      });
    const stores: Record<Side, S3BackupStore> = {
      primary: new S3BackupStore({
        client: s3(plan.primary.region),
        bucket: buckets.primary,
        region: plan.primary.region,
      }),
      dr: new S3BackupStore({ client: s3(plan.dr.region), bucket: buckets.dr, region: plan.dr.region }),
    };
    const connector = new ClusterConnector<Side>({
      clusterName: (side) => clusterNameOf(plan, side),
      directory: () => eks,
      token: async () => SANDBOX_TOKEN,
    });
    cleanups.push(() => connector.close());
    // The stand-in of the plan's KMS key: the demo's backups are signed and verified through the real handlers.
    const signing = sandboxSigningKey();
    const metrics = new SandboxMetrics();
    const notifier = new SandboxNotifier();
    const ledger = new SandboxRecoveryLedger();
    const regionOf = (side: Side) => (side === 'primary' ? plan.primary.region : plan.dr.region);
    let world: SandboxWorld | undefined;
    const workflows = new LocalWorkflowStarter({
      functions: () => {
        const functions = functionsFor(world as SandboxWorld);
        return options.wrapFunctions ? { ...functions, ...options.wrapFunctions(functions) } : functions;
      },
      waitMs: (seconds) => clock.toRealMs(seconds * 1000),
      retryIntervalMs: 0,
      now: () => clock.now(),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
    cleanups.push(() => workflows.idle().then(() => undefined));
    const deps: FunctionDependencies = {
      plan,
      side: 'dr',
      now: () => clock.now(),
      sleep: (ms) => clock.sleep(ms),
      stateMachineArn: (workflow) => localStateMachineArn(workflow),
      store: (side) => stores[side],
      copyBackup: (from, to, name, copyOptions = {}) =>
        copyBackup(stores[from], stores[to], name, {
          ...(copyOptions.volumeSnapshots ? { volumeSnapshots: copyOptions.volumeSnapshots } : {}),
          trust: { verifier: signing.verifier },
          signer: signing.signer,
        }),
      signing,
      cluster: (side) => connector.client(side),
      capacity: eks,
      dns: route53,
      probe: fetchHttpProbe,
      healthChecks: {
        healthCheckStatus: async (id) => {
          throw new HealthCheckNotFoundError(id);
        },
      },
      metrics,
      notifier,
      workflows,
      ledger,
      volumeSnapshots: (side) => ec2.region(regionOf(side)),
      tuning: { healthIntervalMs: 1000, restoreSafetyMarginMs: 0, volumePollMs: 5_000, ...options.tuning },
    };
    const triggerFn = trigger(deps);
    world = {
      plan,
      clock,
      primary,
      dr,
      eks,
      route53,
      ec2,
      metrics,
      notifier,
      ledger,
      stores,
      s3Endpoint,
      health: health.endpoint,
      primaryHealth: primaryHealth.endpoint,
      deps,
      workflows,
      realMsPerModelledSecond: perSecond,
      restoreTimeBudgetMs: options.restoreTimeBudgetMs ?? 900_000,
      sampleObjects: (cluster) => sampleObjects(cluster),
      writeVolume: (side, pv, data) =>
        ec2.region(regionOf(side)).writeVolume(volumeIdOf(side === 'primary' ? primary : dr, pv), data),
      volumeData: (side, pv) =>
        ec2.region(regionOf(side)).volumeData(volumeIdOf(side === 'primary' ? primary : dr, pv)),
      waitMs: (seconds) => clock.toRealMs(seconds * 1000),
      trigger: (event) => triggerFn(event),
      stop: async () => {
        // Node group updates in flight finish on the compressed clock first: cancelling their timers
        // would leave them pending forever. Bounded, so a broken update cannot hold the process.
        await Promise.race([eks.idle(), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
        clock.cancelAll();
        for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
      },
    };
    approvals.set(world, options.approve ?? (async () => ({ approvedBy: 'sandbox-operator' })));
    return world;
  } catch (error) {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
    throw error;
  }
}

const approvals = new WeakMap<SandboxWorld, (taskToken: string) => Promise<unknown>>();

/**
 * Every workflow function, each the real handler built with createHandler(world.deps). The approval answers
 * with what the world's approver sends back for the task token, as `.waitForTaskToken` would.
 */
export function functionsFor(world: SandboxWorld): Record<WorkflowFunction, LocalFunction> {
  const { deps } = world;
  const restoreFn = restore(deps);
  const approvalFn = approval(deps);
  const approve = approvals.get(world) ?? (async () => ({ approvedBy: 'sandbox-operator' }));
  return {
    Guard: guard(deps),
    Approval: async (payload) => {
      await approvalFn(payload);
      return approve(String((payload as { taskToken?: unknown }).taskToken));
    },
    SelectBackup: selectBackup(deps),
    Capacity: capacity(deps),
    Restore: (payload) => restoreFn(payload, { getRemainingTimeInMillis: () => world.restoreTimeBudgetMs }),
    WorkloadsReady: workloadsReady(deps),
    Health: health(deps),
    Dns: dns(deps),
    Snapshot: snapshot(deps),
    Volumes: volumes(deps),
    Copy: copy(deps),
    Prune: prune(deps),
    Report: report(deps),
  };
}

/** The workflows of the world, by the ARN the trigger starts. */
export function stateMachineOf(workflow: WorkflowName): string {
  return localStateMachineArn(workflow);
}

function samplePlan(
  buckets: Record<Side, string>,
  healthUrls: Record<Side, string>,
  overrides: Partial<DrPlanInput> = {},
): DrPlanInput {
  const base: DrPlanInput = {
    name: 'shop',
    description: 'The sandbox shop: eu-west-1 primary, eu-central-1 pilot light.',
    primary: { region: 'eu-west-1', clusterName: 'shop-primary', backupBucket: buckets.primary },
    dr: {
      region: 'eu-central-1',
      clusterName: 'shop-dr',
      backupBucket: buckets.dr,
      nodeGroups: [
        {
          name: 'apps',
          pilotLightSize: { min: 0, desired: 0, max: 4 },
          targetSize: { min: 2, desired: 2, max: 4 },
        },
      ],
    },
    backup: { schedule: 'rate(1 hour)', retention: { count: 3, maxAgeDays: 7 } },
    volumes: {
      enabled: true,
      availabilityZoneMapping: { 'eu-west-1a': 'eu-central-1a', 'eu-west-1b': 'eu-central-1b' },
    },
    dns: {
      hostedZoneId: SAMPLE_ZONE_ID,
      records: [
        {
          name: 'shop.example.com',
          type: 'A',
          mode: 'swap',
          primary: { values: [SAMPLE_TARGETS.primary.shop] },
          dr: { values: [SAMPLE_TARGETS.dr.shop] },
          ttl: 60,
        },
        {
          name: 'api.example.com',
          type: 'CNAME',
          mode: 'weighted',
          primary: { values: [SAMPLE_TARGETS.primary.api] },
          dr: { values: [SAMPLE_TARGETS.dr.api] },
          ttl: 60,
        },
      ],
    },
    healthCheck: {
      primary: { url: healthUrls.primary, consecutiveSuccesses: 2, timeoutSeconds: 2 },
      dr: { url: healthUrls.dr, consecutiveSuccesses: 2, timeoutSeconds: 2 },
    },
    failover: {
      alarms: [{ name: 'shop-primary-5xx' }, { name: 'shop-primary-health', region: 'us-east-1' }],
      autoFailover: true,
      approvalRequired: false,
    },
    objectives: { rtoMinutes: 30, rpoMinutes: 60 },
  };
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const current = merged[key];
    merged[key] =
      isRecord(current) && isRecord(value) ? { ...current, ...value } : (value as unknown as typeof current);
  }
  return merged as DrPlanInput;
}

function initialRecords(): DnsRecordSet[] {
  return [
    { name: 'shop.example.com.', type: 'A', ttl: 60, values: [SAMPLE_TARGETS.primary.shop] },
    {
      name: 'api.example.com.',
      type: 'CNAME',
      ttl: 60,
      values: [SAMPLE_TARGETS.primary.api],
      setIdentifier: 'primary',
      weight: 100,
    },
    {
      name: 'api.example.com.',
      type: 'CNAME',
      ttl: 60,
      values: [SAMPLE_TARGETS.dr.api],
      setIdentifier: 'dr',
      weight: 0,
    },
  ];
}

/** 200 while the cluster runs every Deployment of the shop Ready; 503 otherwise. */
async function startHealthEndpoint(
  cluster: KubeApiSimulator,
): Promise<{ endpoint: SandboxHealthEndpoint; close: () => Promise<void> }> {
  let forced: number | undefined;
  let probes = 0;
  const server: Server = createServer((request, response) => {
    probes += 1;
    const status = request.url === '/healthz' ? (forced ?? (servesShop(cluster) ? 200 : 503)) : 404;
    response
      .writeHead(status, { 'content-type': 'text/plain' })
      .end(status === 200 ? 'ok\n' : 'unavailable\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;
  return {
    endpoint: {
      url,
      force: (status) => {
        forced = status;
      },
      get probes() {
        return probes;
      },
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function servesShop(cluster: KubeApiSimulator): boolean {
  const deployments = [...(cluster.store.existingTable('deployments.apps')?.objects.values() ?? [])].map(
    (stored) =>
      JSON.parse(stored.json) as { spec?: { replicas?: number }; status?: { readyReplicas?: number } },
  );
  return (
    deployments.length > 0 &&
    deployments.every((d) => (d.status?.readyReplicas ?? 0) >= (d.spec?.replicas ?? 1))
  );
}

// The EBS volume id behind a CSI PersistentVolume of the cluster; throws naming the PV when there is none.
function volumeIdOf(cluster: KubeApiSimulator, persistentVolume: string): string {
  const stored = cluster.store
    .existingTable('persistentvolumes')
    ?.objects.get(objectKey('', persistentVolume));
  const pv = JSON.parse(stored?.json ?? '{}') as { spec?: { csi?: { volumeHandle?: string } } };
  const id = pv.spec?.csi?.volumeHandle;
  if (id === undefined) throw new RangeError(`PersistentVolume ${persistentVolume}: none with an EBS volume`);
  return id;
}

const BUILT_IN_NAMESPACES = new Set(['default', 'kube-system', 'kube-public', 'kube-node-lease']);

function sampleObjects(cluster: KubeApiSimulator): string[] {
  const refs: string[] = [];
  for (const key of cluster.store.storageKeys()) {
    if (['nodes', 'events', 'leases.coordination.k8s.io'].includes(key)) continue;
    for (const stored of cluster.store.existingTable(key)?.objects.values() ?? []) {
      const object = JSON.parse(stored.json) as { metadata?: { namespace?: string; name?: string } };
      const namespace = object.metadata?.namespace;
      const name = object.metadata?.name ?? '';
      if (namespace !== undefined && BUILT_IN_NAMESPACES.has(namespace)) continue;
      if (key === 'namespaces' && BUILT_IN_NAMESPACES.has(name)) continue;
      refs.push(`${key} ${namespace ? `${namespace}/` : ''}${name}`);
    }
  }
  return refs.sort();
}
