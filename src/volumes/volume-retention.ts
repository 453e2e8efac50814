import type { VolumeSnapshotRecord } from '../archive/index.ts';
import { type CreatedResource, InvalidVolumeInputError } from './errors.ts';
import type { VolumeSnapshots } from './ports.ts';

/** A backup as retention sees it: its name and the volume snapshots its manifest records. */
export interface BackupVolumeSnapshots {
  name: string;
  volumeSnapshots: readonly VolumeSnapshotRecord[];
}

/** One snapshot in one region, and the backup and PV it belongs to. */
export interface SnapshotRef {
  region: string;
  snapshotId: string;
  backup: string;
  persistentVolume: string;
}

/** What retention did with each snapshot of the pruned backups. */
export interface VolumeRetentionReport {
  deleted: SnapshotRef[];
  /** Already deleted (by a person, or by an earlier run that stopped half-way). */
  alreadyGone: SnapshotRef[];
  /** Left in place because a kept backup records the same snapshot. */
  stillReferenced: SnapshotRef[];
  /** DeleteSnapshot failed; the next retention run tries again. */
  failed: (SnapshotRef & { message: string })[];
}

/** Deletes the snapshots of pruned backups in every region they were copied to, never one a kept backup records. */
export class VolumeRetention {
  readonly #ports: ReadonlyMap<string, VolumeSnapshots>;

  /** `ports`: one VolumeSnapshots per region snapshots may live in (source and DR). */
  constructor(ports: readonly VolumeSnapshots[]) {
    this.#ports = portsByRegion(ports);
  }

  /** Deletes what only pruned backups reference; one failed delete is reported and does not stop the rest. */
  async prune(request: {
    pruned: readonly BackupVolumeSnapshots[];
    kept: readonly BackupVolumeSnapshots[];
  }): Promise<VolumeRetentionReport> {
    const keptNames = new Set(request.kept.map((b) => b.name));
    const both = request.pruned.find((b) => keptNames.has(b.name));
    if (both !== undefined) {
      throw new InvalidVolumeInputError('pruned', both.name, 'is also among the kept backups');
    }
    const referenced = new Set(request.kept.flatMap((b) => refsOf(b)).map(keyOf));
    const seen = new Set<string>();
    const candidates: SnapshotRef[] = [];
    for (const ref of request.pruned.flatMap((b) => refsOf(b))) {
      if (seen.has(keyOf(ref))) continue;
      seen.add(keyOf(ref));
      if (!this.#ports.has(ref.region)) {
        throw new InvalidVolumeInputError(
          `backup ${ref.backup} snapshot ${ref.snapshotId} region`,
          ref.region,
          `no EC2 client for this region (have ${[...this.#ports.keys()].join(', ')})`,
        );
      }
      candidates.push(ref);
    }
    const report: VolumeRetentionReport = { deleted: [], alreadyGone: [], stillReferenced: [], failed: [] };
    for (const ref of candidates) {
      if (referenced.has(keyOf(ref))) {
        report.stillReferenced.push(ref);
        continue;
      }
      await deleteInto(this.#ports.get(ref.region) as VolumeSnapshots, ref, report);
    }
    return report;
  }
}

/** Deletes the snapshots a failed backup step created (the `created` of its error); volumes are left alone. */
export async function discardCreatedSnapshots(
  ports: readonly VolumeSnapshots[],
  created: readonly CreatedResource[],
): Promise<VolumeRetentionReport> {
  const byRegion = portsByRegion(ports);
  const snapshots = created.filter((c) => c.kind === 'snapshot');
  for (const c of snapshots) {
    if (!byRegion.has(c.region)) {
      throw new InvalidVolumeInputError(`created ${c.id} region`, c.region, 'no EC2 client for this region');
    }
  }
  const report: VolumeRetentionReport = { deleted: [], alreadyGone: [], stillReferenced: [], failed: [] };
  for (const c of snapshots) {
    const ref = { region: c.region, snapshotId: c.id, backup: '', persistentVolume: c.persistentVolume };
    await deleteInto(byRegion.get(c.region) as VolumeSnapshots, ref, report);
  }
  return report;
}

function portsByRegion(ports: readonly VolumeSnapshots[]): Map<string, VolumeSnapshots> {
  const byRegion = new Map<string, VolumeSnapshots>();
  for (const port of ports) {
    if (byRegion.has(port.region)) {
      throw new InvalidVolumeInputError('ports', port.region, 'more than one EC2 client for this region');
    }
    byRegion.set(port.region, port);
  }
  return byRegion;
}

async function deleteInto(
  port: VolumeSnapshots,
  ref: SnapshotRef,
  report: VolumeRetentionReport,
): Promise<void> {
  try {
    const outcome = await port.deleteSnapshot(ref.snapshotId);
    (outcome === 'deleted' ? report.deleted : report.alreadyGone).push(ref);
  } catch (error) {
    report.failed.push({ ...ref, message: error instanceof Error ? error.message : String(error) });
  }
}

function refsOf(backup: BackupVolumeSnapshots): SnapshotRef[] {
  return backup.volumeSnapshots.flatMap((record) => [
    {
      region: record.region,
      snapshotId: record.snapshotId,
      backup: backup.name,
      persistentVolume: record.persistentVolume,
    },
    ...(record.copies ?? []).map((copy) => ({
      region: copy.region,
      snapshotId: copy.snapshotId,
      backup: backup.name,
      persistentVolume: record.persistentVolume,
    })),
  ]);
}

function keyOf(ref: SnapshotRef): string {
  return `${ref.region}/${ref.snapshotId}`;
}
