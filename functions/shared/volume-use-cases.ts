// The volume use cases as the functions wire them: on the functions' clock (modelled time in the sandbox),
// which the injected sleep advances, over EC2 of the sides a run goes from and to: primary → DR for a
// backup (and the failover it serves), DR → primary for a failback.
import { DrRestore, type DrVolumes, drVolumesOf } from '../../src/restore/index.ts';
import { VolumeBackupper, VolumeRestorer } from '../../src/volumes/index.ts';
import { backupNameFor } from './backup-name.ts';
import type { FunctionDependencies } from './dependencies.ts';
import type { Side } from './envelope.ts';

/** How often restored volumes are looked at, while they are made and while cleanup waits for them to detach. */
export const DEFAULT_VOLUME_POLL_MS = 5_000;

/** Which way a run's volumes go: the side they are snapshotted in, and the side the copies go to. */
export interface VolumeDirection {
  from: Side;
  to: Side;
}

/** The backup's direction, which a step that names none takes. */
export const PRIMARY_TO_DR: VolumeDirection = { from: 'primary', to: 'dr' };

/** Snapshots of one side's volumes and their copies to the other (the snapshot and volumes functions). */
export function volumeBackupper(
  // Tuning is optional: the snapshot step only starts snapshots, which the copy deadline does not bound.
  deps: Pick<FunctionDependencies, 'volumeSnapshots' | 'now' | 'sleep'> &
    Partial<Pick<FunctionDependencies, 'tuning'>>,
  direction: VolumeDirection = PRIMARY_TO_DR,
): VolumeBackupper {
  const copyTimeoutMs = deps.tuning?.volumeCopyTimeoutMs;
  return new VolumeBackupper({
    from: deps.volumeSnapshots(direction.from),
    to: deps.volumeSnapshots(direction.to),
    sleep: deps.sleep,
    now: deps.now,
    ...(copyTimeoutMs === undefined ? {} : { limits: { copyTimeoutMs } }),
  });
}

/** The KMS key that encrypts copies into `to`: the plan's volume key of that side, its bucket key, or aws/ebs. */
export function copyKeyOf(deps: Pick<FunctionDependencies, 'plan'>, to: Side): string {
  const { plan } = deps;
  const key =
    to === 'dr'
      ? (plan.volumes.drKmsKeyArn ?? plan.dr.kmsKeyArn)
      : (plan.volumes.primaryKmsKeyArn ?? plan.primary.kmsKeyArn);
  return key ?? 'alias/aws/ebs';
}

/** Volumes made from the snapshot copies in `side`, and deleted after a drill (the restore function). */
export function volumeRestorer(
  deps: Pick<FunctionDependencies, 'volumeSnapshots' | 'now' | 'sleep' | 'tuning'>,
  side: Side,
): VolumeRestorer {
  return new VolumeRestorer({
    to: deps.volumeSnapshots(side),
    sleep: deps.sleep,
    now: deps.now,
    limits: { pollIntervalMs: volumePollMs(deps) },
  });
}

/** The pause between looks at restored volumes: the sandbox's tuning, or the default. */
export function volumePollMs(deps: Pick<FunctionDependencies, 'tuning'>): number {
  return deps.tuning?.volumePollMs ?? DEFAULT_VOLUME_POLL_MS;
}

/** The volumes of the restore an execution runs into `side`: none with volumes off in the plan. */
export function drVolumes(
  deps: Pick<FunctionDependencies, 'plan' | 'volumeSnapshots' | 'now' | 'sleep' | 'tuning'>,
  side: Side,
  executionName: string,
): DrVolumes | undefined {
  const zones = side === 'dr' ? deps.tuning?.drAvailabilityZones : undefined;
  return drVolumesOf(deps.plan, side, () => volumeRestorer(deps, side), {
    restoreName: backupNameFor(executionName),
    ...(zones ? { availabilityZones: zones } : {}),
    pollIntervalMs: volumePollMs(deps),
  });
}

/** The restore an execution runs into `side`: its bucket, cluster and volumes, and the manifest key's verifier. */
export function drRestoreOf(
  deps: Pick<
    FunctionDependencies,
    'plan' | 'store' | 'cluster' | 'volumeSnapshots' | 'now' | 'sleep' | 'tuning' | 'signing'
  >,
  side: Side,
  executionName: string,
): DrRestore {
  return new DrRestore({
    store: deps.store(side),
    connect: () => deps.cluster(side),
    volumes: drVolumes(deps, side, executionName),
    sleep: deps.sleep,
    verifier: deps.signing?.verifier,
  });
}
