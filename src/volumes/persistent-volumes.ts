// The PersistentVolumes of a backup: the EBS volumes to snapshot after a backup and to make in DR before a
// restore are those behind the PVs the archive holds, so both read them here.
import { readBackup } from '../archive/backup-reader.ts';
import type { BackupStore } from '../archive/backup-store.ts';
import type { KubeObject } from '../kube/kube-object.ts';
import { isRecord } from '../util/is-record.ts';
import { InvalidVolumeInputError } from './errors.ts';

/** True for the core group's `persistentvolumes`, as a discovered resource or an archive entry names it. */
export function isPersistentVolumes(resource: { group: string; resource: string }): boolean {
  return resource.group === '' && resource.resource === 'persistentvolumes';
}

/** The PersistentVolumes a stored backup holds, as archived, read through the verifying reader. */
export async function persistentVolumesOf(store: BackupStore, backupName: string): Promise<KubeObject[]> {
  const persistentVolumes: KubeObject[] = [];
  for await (const entry of readBackup(store, backupName)) {
    if (!isPersistentVolumes(entry)) continue;
    const { object } = entry;
    if (!isRecord(object) || !isRecord(object.metadata)) {
      throw new InvalidVolumeInputError(
        `persistentvolumes/${entry.name}`,
        store.describeBackup(backupName, 'archive'),
        'is not a Kubernetes object (no metadata) in the archive',
      );
    }
    persistentVolumes.push({ ...object, metadata: object.metadata });
  }
  return persistentVolumes;
}
