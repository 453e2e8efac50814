// Snapshot of one side's cluster into its bucket, named after the execution; then EBS snapshots of the
// persistent volumes it archived, whose progress the workflow polls through the volumes function.
import { BackupAlreadyExistsError, type BackupManifest, readBackup } from '../src/archive/index.ts';
import { BackupService } from '../src/backup/backup-service.ts';
import { type Timed, timed } from '../src/failover/index.ts';
import * as z from '../src/util/zod.ts';
import {
  findEbsVolumes,
  type KubeObject,
  type SnapshotBatch,
  VolumeBackupper,
} from '../src/volumes/index.ts';
import { clusterClients } from './shared/aws/clusters.ts';
import { volumeSnapshotsOf } from './shared/aws/ec2.ts';
import { backupStores } from './shared/aws/s3.ts';
import { backupNameFor } from './shared/backup-name.ts';
import type { FunctionDependencies } from './shared/dependencies.ts';
import { envelopeSchema, parseInput, runKeys, type Side, sideSchema } from './shared/envelope.ts';
import { inRun, lazyHandler, type StepHandler } from './shared/handler.ts';
import { clusterNameOf, regionOf } from './shared/sides.ts';

const snapshotInput = z.extend(envelopeSchema, { side: sideSchema });

/** What the Snapshot step answers: the backup, and the EBS snapshots started for its volumes. */
export interface SnapshotAnswer {
  name: string;
  createdAt: string;
  objects: number;
  bytes: number;
  phase: string;
  location: string;
  volumeCount: number;
  /** The started EBS snapshots (the volumes function's `checkSnapshots` input), or null without volumes. */
  volumes: SnapshotBatch | null;
  /** True when a retried attempt found the backup its first attempt completed. */
  existed: boolean;
}

/** The snapshot function over its dependencies. */
export function createHandler(
  deps: Pick<FunctionDependencies, 'plan' | 'store' | 'cluster' | 'now' | 'sleep' | 'volumeSnapshots'>,
): StepHandler<Timed<SnapshotAnswer>> {
  return async (event) => {
    const request = parseInput('Snapshot', snapshotInput, event);
    const name = backupNameFor(request.executionName);
    return inRun('snapshot', { ...runKeys(request, deps.plan.name), backup: name }, () =>
      timed(deps.now, async () => {
        const { manifest, existed } = await takeSnapshot(deps, request.side, name);
        // EBS snapshots are copied primary → DR by the backup workflow; a failback snapshot of DR has none.
        const volumes =
          deps.plan.volumes.enabled && request.side === 'primary'
            ? await startVolumeSnapshots(deps, name)
            : null;
        return {
          name,
          createdAt: manifest.created,
          objects: manifest.totalObjects,
          bytes: manifest.parts.reduce((sum, part) => sum + part.size, 0),
          phase: manifest.phase,
          location: deps.store(request.side).describeBackup(name),
          volumeCount: volumes?.items.length ?? 0,
          volumes: volumes && volumes.items.length > 0 ? volumes : null,
          existed,
        };
      }),
    );
  };
}

async function takeSnapshot(
  deps: Pick<FunctionDependencies, 'plan' | 'store' | 'cluster' | 'now'>,
  side: Side,
  name: string,
): Promise<{ manifest: BackupManifest; existed: boolean }> {
  const store = deps.store(side);
  if (await store.exists(name)) return { manifest: await store.getManifest(name), existed: true };
  const service = new BackupService({ client: await deps.cluster(side), store, now: deps.now });
  const request = {
    name,
    clusterName: clusterNameOf(deps.plan, side),
    filters: deps.plan.backup.filters,
    sourceRegion: regionOf(deps.plan, side),
  };
  try {
    return { manifest: (await service.run(request)).manifest, existed: false };
  } catch (error) {
    // An attempt that died mid-upload left an archive without a manifest: incomplete, so it is discarded.
    if (!(error instanceof BackupAlreadyExistsError) || (await store.exists(name))) throw error;
    await store.delete(name);
    return { manifest: (await service.run(request)).manifest, existed: false };
  }
}

async function startVolumeSnapshots(
  deps: Pick<FunctionDependencies, 'plan' | 'store' | 'now' | 'sleep' | 'volumeSnapshots'>,
  name: string,
): Promise<SnapshotBatch> {
  // The PVs as archived, so the volumes snapshotted are exactly those the backup will restore.
  const persistentVolumes: KubeObject[] = [];
  for await (const entry of readBackup(deps.store('primary'), name)) {
    if (entry.resource === 'persistentvolumes' && entry.group === '')
      persistentVolumes.push(entry.object as KubeObject);
  }
  const { volumes } = findEbsVolumes(persistentVolumes);
  const backupper = new VolumeBackupper({
    source: deps.volumeSnapshots('primary'),
    dr: deps.volumeSnapshots('dr'),
    sleep: deps.sleep,
    now: () => deps.now().getTime(),
  });
  return backupper.startSnapshots(name, volumes);
}

/** The Lambda entry point. */
export const handler = lazyHandler((base) =>
  createHandler({
    ...base,
    store: backupStores(base),
    cluster: clusterClients(base),
    volumeSnapshots: volumeSnapshotsOf(base),
  }),
);
