import { parseArgs } from 'node:util';
import { verifyBackup } from '../src/archive/backup-reader.ts';
import { describeSignature } from '../src/archive/signing.ts';
import { STORE_OPTIONS, storeOptions } from './backup-command.ts';
import { openBackupStore, splitBackupPath } from './open-store.ts';
import { formatBytes, formatTable } from './progress.ts';
import { TRUST_OPTIONS, TRUST_USAGE, trustFromFlags } from './signing-keys.ts';

const USAGE = `Usage: eks-dr inspect --from LOCATION/backups/NAME [--json]

Shows what a backup holds: cluster, times, filters, objects per resource, parts. The archive is read
and checked against its manifest first, so a corrupt or truncated backup is refused.

Options:
  --from PATH          <directory or s3://bucket/prefix>/backups/<name> (required)
  --s3-endpoint URL    S3-compatible endpoint (default: AWS_ENDPOINT_URL_S3)
  --region REGION      AWS region of the bucket (default: AWS_REGION)
${TRUST_USAGE}
  --json               print the manifest as JSON
  -h, --help           this text`;

/** `eks-dr inspect`: what is inside a backup. */
export async function runInspectCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      from: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      ...STORE_OPTIONS,
      ...TRUST_OPTIONS,
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (!values.from) throw new Error('--from <location>/backups/<name> is required');
  const { location, name } = splitBackupPath(values.from);
  const store = openBackupStore(location, storeOptions(values));
  const { manifest, signature } = await verifyBackup(store, name, { trust: await trustFromFlags(values) });
  if (values.json) {
    console.log(JSON.stringify(manifest, null, 2));
    return 0;
  }
  const filters = Object.entries(manifest.filters).map(
    ([key, value]) => `${key}=${Array.isArray(value) ? value.join(',') : value}`,
  );
  const rows = Object.entries(manifest.counts).map(([resource, count]) => [resource, String(count)]);
  console.log(
    [
      `Backup:       ${manifest.name} (${manifest.phase}, format ${manifest.formatVersion})`,
      `Cluster:      ${manifest.cluster.name}${manifest.cluster.kubernetesVersion ? ` (${manifest.cluster.kubernetesVersion})` : ''}${manifest.cluster.server ? ` at ${manifest.cluster.server}` : ''}`,
      `Created:      ${manifest.created}`,
      `Completed:    ${manifest.completed}`,
      `Filters:      ${filters.length ? filters.join(' ') : 'none'}`,
      `Objects:      ${manifest.totalObjects}`,
      `Signature:    ${signature ? describeSignature(signature) : 'not checked'}`,
      ...manifest.parts.map(
        (part) => `Part:         ${part.name} ${formatBytes(part.size)} sha256:${part.sha256}`,
      ),
      ...(manifest.sourceRegion
        ? [
            `Region:       ${manifest.sourceRegion}${manifest.copiedRegions.length ? ` (copied to ${manifest.copiedRegions.join(', ')})` : ''}`,
          ]
        : []),
      ...(manifest.volumeSnapshots.length
        ? [`Volumes:      ${manifest.volumeSnapshots.length} EBS snapshots`]
        : []),
      '',
      formatTable([['RESOURCE', 'OBJECTS'], ...rows], [1]),
      ...(manifest.warnings.length ? ['', 'Warnings:', ...manifest.warnings.map((w) => `  - ${w}`)] : []),
    ].join('\n'),
  );
  return 0;
}
