// What the functions work with, behind the interfaces of src/: one object the handlers take through
// createHandler(deps). The sandbox hands in its stand-ins for all of it; on AWS each function's `handler`
// wires the base (plan, side, clock, state machine ARNs) from ./base.ts and only the adapters it uses from
// functions/shared/aws/*, so a bundle carries only the SDK clients its function calls.
import type {
  BackupManifest,
  BackupStore,
  ManifestSigner,
  SignatureVerifier,
  VolumeSnapshotRecord,
} from '../../src/archive/index.ts';
import type {
  DnsProvider,
  HealthCheckStatusReader,
  HttpProbe,
  MetricsPublisher,
  NodeCapacity,
  Notifier,
  Now,
  RecoveryLedger,
  WorkflowStarter,
} from '../../src/failover/index.ts';
import type { ClusterClient } from '../../src/kube/cluster-client.ts';
import type { DrPlan } from '../../src/plan/index.ts';
import type { VolumeSnapshots } from '../../src/volumes/index.ts';
import type { DeploymentSide } from './env.ts';
import type { Side } from './envelope.ts';

export { clusterNameOf, regionOf } from './sides.ts';

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
  /** How long an EBS snapshot copy may stay pending. @default 12 hours (VolumeBackupper's) */
  volumeCopyTimeoutMs?: number;
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
  /** The plan's claim (one recovery at a time) and its active side. */
  readonly ledger: RecoveryLedger;
  /** EC2 snapshots and volumes of one side's region. */
  volumeSnapshots(side: Side): VolumeSnapshots;
  readonly tuning?: FunctionTuning;
  /**
   * The plan's manifest key in this region: writers of manifests sign with it, readers verify with it.
   * Absent (no SIGNING_KEY_ARN): manifests are written unsigned and signatures are not checked.
   */
  readonly signing?: ManifestSigning;
}

/** Signs and verifies manifests with one key (KMS on AWS, an Ed25519 key in the sandbox). */
export interface ManifestSigning {
  readonly signer: ManifestSigner;
  readonly verifier: SignatureVerifier;
}
