import { parseArgs } from 'node:util';
import { checkStorageLocation, DEFAULT_STORAGE_LOCATION, exportVeleroBackup } from '../src/export/velero.ts';
import { STORE_OPTIONS, storeOptions } from './backup-command.ts';
import { openBackupStore, splitBackupPath } from './open-store.ts';
import { formatBytes } from './progress.ts';

const USAGE = `Usage: eks-dr export --velero --from LOCATION/backups/NAME --to DESTINATION [--json]

Writes a backup as a Velero backup into a backup storage location's layout:
<to>/backups/<name>/velero-backup.json, <name>.tar.gz and <name>-resource-list.json.gz. A Velero
BackupStorageLocation on that bucket and prefix syncs it in, and 'velero restore create --from-backup
<name>' restores it. The backup is verified first; an existing <to>/backups/<name>/ is never overwritten.

Options:
  --velero                  export in Velero's format (the only format; required)
  --from PATH               <directory or s3://bucket/prefix>/backups/<name> (required)
  --to LOCATION             directory or s3://bucket/prefix: the Velero BSL's bucket and prefix (required)
  --storage-location NAME   the BSL name recorded in the Backup (default: ${DEFAULT_STORAGE_LOCATION}; Velero's
                            sync replaces it with the BSL it finds the backup in)
  --s3-endpoint URL         S3-compatible endpoint, for --from and --to (default: AWS_ENDPOINT_URL_S3)
  --region REGION           AWS region of the buckets (default: AWS_REGION)
  --kms-key-id KEY          SSE-KMS key for what is written to S3 (default: the bucket's encryption)
  --json                    print the result as JSON
  -h, --help                this text`;

/** `eks-dr export --velero`: a backup as a Velero backup. */
export async function runExportCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      velero: { type: 'boolean' },
      from: { type: 'string' },
      to: { type: 'string' },
      'storage-location': { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      ...STORE_OPTIONS,
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  // Every flag is checked before the first read, so a typo costs nothing.
  if (!values.velero) throw new Error('--velero is required (the only export format)');
  if (!values.from) throw new Error('--from <location>/backups/<name> is required');
  if (!values.to) throw new Error('--to <directory or s3://bucket/prefix> is required');
  const storageLocation = values['storage-location'] ?? DEFAULT_STORAGE_LOCATION;
  checkStorageLocation(storageLocation);
  const { location, name } = splitBackupPath(values.from);
  const options = storeOptions(values);
  const source = openBackupStore(location, options);
  const destination = openBackupStore(values.to, options);
  const result = await exportVeleroBackup(source, name, destination, { storageLocation });
  if (values.json) {
    console.log(JSON.stringify(result, null, 2));
    return 0;
  }
  console.log(
    [
      `Exported ${name} for Velero (${result.phase}): ${result.totalObjects} objects, ${formatBytes(result.contentsBytes)}`,
      `  ${result.files.metadata}`,
      `  ${result.files.contents}`,
      `  ${result.files.resourceList}`,
      ...result.warnings.map((warning) => `Warning: ${warning}`),
    ].join('\n'),
  );
  return 0;
}
