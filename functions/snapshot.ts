// Snapshot of one side's cluster into its bucket, named after the execution and signed; then EBS snapshots of
// the PVs it archived (the primary's for a backup, DR's for a failback), polled through the volumes function.
import { backupOnce } from '../src/backup/backup-service.ts';
import { type Timed, timed } from '../src/failover/index.ts';
import * as z from '../src/util/zod.ts';
import { findEbsVolumes, type SnapshotBatch } from '../src/volumes/index.ts';
import { clusterClients } from './shared/aws/clusters.ts';
import { volumeSnapshotsOf } from './shared/aws/ec2.ts';
import { manifestSigningOf } from './shared/aws/kms.ts';
import { backupStores } from './shared/aws/s3.ts';
import { backupNameFor } from './shared/backup-name.ts';
import type { FunctionDependencies } from './shared/dependencies.ts';
import { envelopeSchema, parseInput, runKeys, sideSchema } from './shared/envelope.ts';
import { inRun, lazyHandler, type StepHandler } from './shared/handler.ts';
import { clusterNameOf, otherSide, regionOf } from './shared/sides.ts';
import { volumeBackupper } from './shared/volume-use-cases.ts';

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

type Needs = 'plan' | 'store' | 'cluster' | 'now' | 'sleep' | 'volumeSnapshots' | 'signing';

/** The snapshot function over its dependencies. */
export function createHandler(deps: Pick<FunctionDependencies, Needs>): StepHandler<Timed<SnapshotAnswer>> {
  return async (event) => {
    const { side, ...request } = parseInput('Snapshot', snapshotInput, event);
    const name = backupNameFor(request.executionName);
    return inRun('snapshot', { ...runKeys(request, deps.plan.name), backup: name }, () =>
      timed(deps.now, async () => {
        const store = deps.store(side);
        const clusterName = clusterNameOf(deps.plan, side);
        const backup = await backupOnce(
          { store, connect: () => deps.cluster(side), now: deps.now, signer: deps.signing?.signer },
          { name, clusterName, filters: deps.plan.backup.filters, sourceRegion: regionOf(deps.plan, side) },
        );
        // EBS snapshots of the PVs as archived, copied to the other side: DR's data goes home on failback.
        const pvs = deps.plan.volumes.enabled ? await backup.persistentVolumes() : [];
        const backupper = volumeBackupper(deps, { from: side, to: otherSide(side) });
        const volumes =
          pvs.length > 0 ? await backupper.startSnapshots(name, findEbsVolumes(pvs).volumes) : null;
        return {
          name,
          createdAt: backup.manifest.created,
          objects: backup.manifest.totalObjects,
          bytes: backup.manifest.parts.reduce((sum, part) => sum + part.size, 0),
          phase: backup.manifest.phase,
          location: store.describeBackup(name),
          volumeCount: volumes?.items.length ?? 0,
          volumes: volumes && volumes.items.length > 0 ? volumes : null,
          existed: backup.existed,
        };
      }),
    );
  };
}

/** The Lambda entry point. */
export const handler = lazyHandler((base) =>
  createHandler({
    ...base,
    signing: manifestSigningOf(base),
    store: backupStores(base),
    cluster: clusterClients(base),
    volumeSnapshots: volumeSnapshotsOf(base),
  }),
);
