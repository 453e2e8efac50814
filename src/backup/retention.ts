// Retention across both buckets: at most `count` backups per bucket and none older than `maxAgeDays`,
// except the newest backup copied to DR, which is what a failover would restore. EBS snapshots of a pruned
// backup go first, in every region they were copied to; a backup whose snapshots could not all be deleted
// keeps its manifest, so the next run tries again instead of leaking them.
import { BackupLockedError, type BackupStore, type StoredBackup } from '../archive/index.ts';
import type { BackupVolumeSnapshots, VolumeRetentionReport, VolumeSnapshots } from '../volumes/index.ts';
import { VolumeRetention } from '../volumes/index.ts';

/** One of the plan's two buckets. */
type Side = 'primary' | 'dr';

/** How many backups to keep and for how long. */
export interface RetentionPolicy {
  count: number;
  maxAgeDays: number;
}

/** What a retention run did. */
export interface RetentionOutcome {
  /** Backups deleted, per side. */
  deleted: { name: string; side: Side }[];
  /** Backups left, per side. */
  kept: Record<Side, number>;
  /** The newest copied backup, never deleted. */
  protected: string | null;
  /** Backups Object Lock (or a policy) refused to delete, or kept because a snapshot delete failed. */
  retained: { name: string; side: Side; reason: string }[];
  snapshots: { deleted: number; alreadyGone: number; failed: number };
}

/** Applies the policy to both stores and their volume snapshots. */
export async function applyRetention(request: {
  stores: Record<Side, BackupStore>;
  volumeSnapshots: readonly VolumeSnapshots[];
  policy: RetentionPolicy;
  now: Date;
}): Promise<RetentionOutcome> {
  const { stores, policy, now } = request;
  const listings: Record<Side, StoredBackup[]> = {
    primary: (await stores.primary.list()).backups,
    dr: (await stores.dr.list()).backups,
  };
  // A manifest only reaches the DR bucket once the copy was verified: its newest is the newest copied backup.
  const protectedName = listings.dr.find((backup) => backup.manifest.phase === 'Completed')?.name ?? null;
  const maxAgeMs = policy.maxAgeDays * 86_400_000;
  const doomed: Record<Side, StoredBackup[]> = { primary: [], dr: [] };
  for (const side of ['primary', 'dr'] as const) {
    doomed[side] = listings[side].filter(
      (backup, index) =>
        backup.name !== protectedName &&
        (index >= policy.count || now.getTime() - Date.parse(backup.manifest.created) > maxAgeMs),
    );
  }
  const doomedNames = new Set([...doomed.primary, ...doomed.dr].map((backup) => backup.name));
  const keptNames = new Set(
    (['primary', 'dr'] as const).flatMap((side) =>
      listings[side].filter((backup) => !doomed[side].includes(backup)).map((backup) => backup.name),
    ),
  );
  // Snapshots go only with a backup no bucket keeps; the DR manifest is the one that records them.
  const recordsOf = (name: string): BackupVolumeSnapshots => {
    const manifests = [...listings.dr, ...listings.primary].filter((backup) => backup.name === name);
    const withRecords = manifests.find((backup) => backup.manifest.volumeSnapshots.length > 0);
    return { name, volumeSnapshots: withRecords?.manifest.volumeSnapshots ?? [] };
  };
  const pruned = [...doomedNames].filter((name) => !keptNames.has(name)).map(recordsOf);
  const kept = [...keptNames].map(recordsOf);
  const report: VolumeRetentionReport =
    pruned.some((backup) => backup.volumeSnapshots.length > 0) && request.volumeSnapshots.length > 0
      ? await new VolumeRetention(request.volumeSnapshots).prune({ pruned, kept })
      : { deleted: [], alreadyGone: [], stillReferenced: [], failed: [] };
  const failedBackups = new Set(report.failed.map((ref) => ref.backup));
  const outcome: RetentionOutcome = {
    deleted: [],
    kept: { primary: 0, dr: 0 },
    protected: protectedName,
    retained: [],
    snapshots: {
      deleted: report.deleted.length,
      alreadyGone: report.alreadyGone.length,
      failed: report.failed.length,
    },
  };
  for (const side of ['primary', 'dr'] as const) {
    let deleted = 0;
    for (const backup of doomed[side]) {
      if (failedBackups.has(backup.name)) {
        outcome.retained.push({ name: backup.name, side, reason: 'a volume snapshot could not be deleted' });
        continue;
      }
      try {
        await stores[side].delete(backup.name);
        outcome.deleted.push({ name: backup.name, side });
        deleted += 1;
      } catch (error) {
        if (!(error instanceof BackupLockedError)) throw error;
        outcome.retained.push({ name: backup.name, side, reason: error.message });
      }
    }
    outcome.kept[side] = listings[side].length - deleted;
  }
  return outcome;
}
