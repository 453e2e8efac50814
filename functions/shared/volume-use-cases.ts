// The volume use cases as the functions wire them: on the functions' clock (modelled time in the sandbox),
// which the injected sleep advances, over EC2 of the primary and DR regions.
import { type DrVolumes, drVolumesOf } from '../../src/restore/index.ts';
import { VolumeBackupper, VolumeRestorer } from '../../src/volumes/index.ts';
import { backupNameFor } from './backup-name.ts';
import type { FunctionDependencies } from './dependencies.ts';
import type { Side } from './envelope.ts';

/** How often DR volumes are looked at, while they are made and while cleanup waits for them to detach. */
export const DEFAULT_VOLUME_POLL_MS = 5_000;

/** Snapshots of the primary's volumes and their copies to DR (the snapshot and volumes functions). */
export function volumeBackupper(
  deps: Pick<FunctionDependencies, 'volumeSnapshots' | 'now' | 'sleep'>,
): VolumeBackupper {
  return new VolumeBackupper({
    source: deps.volumeSnapshots('primary'),
    dr: deps.volumeSnapshots('dr'),
    sleep: deps.sleep,
    now: () => deps.now().getTime(),
  });
}

/** DR volumes made from the snapshot copies, and deleted after a drill (the restore function). */
export function volumeRestorer(
  deps: Pick<FunctionDependencies, 'volumeSnapshots' | 'now' | 'sleep' | 'tuning'>,
): VolumeRestorer {
  return new VolumeRestorer({
    dr: deps.volumeSnapshots('dr'),
    sleep: deps.sleep,
    now: () => deps.now().getTime(),
    limits: { pollIntervalMs: volumePollMs(deps) },
  });
}

/** The pause between looks at DR volumes: the sandbox's tuning, or the default. */
export function volumePollMs(deps: Pick<FunctionDependencies, 'tuning'>): number {
  return deps.tuning?.volumePollMs ?? DEFAULT_VOLUME_POLL_MS;
}

/** The DR volumes of the restore an execution runs into `side`: none but into DR with volumes on. */
export function drVolumes(
  deps: Pick<FunctionDependencies, 'plan' | 'volumeSnapshots' | 'now' | 'sleep' | 'tuning'>,
  side: Side,
  executionName: string,
): DrVolumes | undefined {
  return drVolumesOf(deps.plan, side, () => volumeRestorer(deps), {
    restoreName: backupNameFor(executionName),
    drAvailabilityZones: deps.tuning?.drAvailabilityZones,
    pollIntervalMs: volumePollMs(deps),
  });
}
