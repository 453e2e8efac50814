import { parseArgs } from 'node:util';
import { BackupService } from '../src/backup/backup-service.ts';
import type { BackupFilters } from '../src/backup/resource-filter.ts';
import {
  DEFAULT_LIST_CONCURRENCY,
  DEFAULT_PAGE_SIZE,
  type SnapshotProgress,
} from '../src/backup/snapshot.ts';
import { HttpClusterClient } from '../src/kube/cluster-client.ts';
import { interruptible } from './interrupt.ts';
import { clusterAccessFromFlags, KUBECONFIG_OPTIONS, KUBECONFIG_USAGE } from './kubeconfig.ts';
import { type OpenBackupStoreOptions, openBackupStore } from './open-store.ts';
import { formatBytes, formatTable, progressLine } from './progress.ts';
import { userSigner } from './signing-keys.ts';

const USAGE = `Usage: eks-dr backup [--kubeconfig FILE] [--context NAME] --to DIR|s3://bucket/prefix [options]

Snapshots every Kubernetes object of a cluster into <to>/backups/<name>/<name>.tar.gz and writes
<to>/backups/<name>/manifest.json last. A name that exists is never overwritten.

Options:
${KUBECONFIG_USAGE}
  --to LOCATION                  a directory or s3://bucket/prefix (required)
  --name NAME                    backup name (default: backup-<UTC yyyymmddhhmmss>)
  --cluster-name NAME            cluster name for the manifest (default: the context's cluster)
  --include-namespaces a,b       only these namespaces (listed server-side); * for all
  --exclude-namespaces a,b       leave these namespaces out
  --include-resources r,..       only these resources (deployments.apps, deploy, Deployment, ...)
  --exclude-resources r,..       leave these resources out
  --selector k=v,...             label selector applied to every list
  --include-cluster-resources true|false
                                 cluster-scoped resources: all or none; omitted (auto) takes all unless
                                 namespaces are filtered, then only their PVs, CRDs and Namespaces
  --page-size N                  objects per LIST page (default ${DEFAULT_PAGE_SIZE})
  --concurrency N                resources listed at once (default ${DEFAULT_LIST_CONCURRENCY})
  --s3-endpoint URL              S3-compatible endpoint (default: AWS_ENDPOINT_URL_S3)
  --region REGION                AWS region of the bucket (default: AWS_REGION)
  --kms-key-id KEY               SSE-KMS key for the S3 objects
  --json                         print the summary as JSON
  -h, --help                     this text`;

/** Flags every command that opens a backup store accepts. */
export const STORE_OPTIONS = {
  's3-endpoint': { type: 'string' },
  region: { type: 'string' },
  'kms-key-id': { type: 'string' },
} as const;

/** Store options from flags, falling back to the AWS CLI's environment variables. */
export function storeOptions(values: {
  's3-endpoint'?: string | undefined;
  region?: string | undefined;
  'kms-key-id'?: string | undefined;
}): OpenBackupStoreOptions {
  return {
    s3Endpoint: values['s3-endpoint'] ?? (process.env.AWS_ENDPOINT_URL_S3 || undefined),
    region: values.region ?? (process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || undefined),
    kmsKeyId: values['kms-key-id'],
  };
}

/** `eks-dr backup`: snapshot a cluster into a directory or S3. */
export async function runBackupCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...KUBECONFIG_OPTIONS,
      to: { type: 'string' },
      name: { type: 'string' },
      'cluster-name': { type: 'string' },
      'include-namespaces': { type: 'string' },
      'exclude-namespaces': { type: 'string' },
      'include-resources': { type: 'string' },
      'exclude-resources': { type: 'string' },
      selector: { type: 'string' },
      'include-cluster-resources': { type: 'string' },
      'page-size': { type: 'string' },
      concurrency: { type: 'string' },
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
  if (!values.to) throw new Error('--to DIR|s3://bucket/prefix is required');
  const pageSize = positiveInteger(values['page-size'], '--page-size', DEFAULT_PAGE_SIZE);
  const concurrency = positiveInteger(values.concurrency, '--concurrency', DEFAULT_LIST_CONCURRENCY);
  const filters: BackupFilters = {
    ...list('includeNamespaces', values['include-namespaces']),
    ...list('excludeNamespaces', values['exclude-namespaces']),
    ...list('includeResources', values['include-resources']),
    ...list('excludeResources', values['exclude-resources']),
    ...(values.selector ? { labelSelector: values.selector } : {}),
    ...clusterResources(values['include-cluster-resources']),
  };
  const kubeConfig = await clusterAccessFromFlags(values);
  const clusterName = values['cluster-name'] ?? kubeConfig.clusterName;
  const name = values.name ?? defaultName(new Date());
  const store = openBackupStore(values.to, storeOptions(values));
  const client = new HttpClusterClient(kubeConfig, { maxSockets: concurrency * 2 });
  const progress = progressLine();
  const region = storeOptions(values).region;
  try {
    const service = new BackupService({
      client,
      store,
      // The user's own key, made on first use: every CLI backup is signed, with no setup.
      signer: await userSigner(),
      onProgress: (p) => progress.update(describeProgress(name, p)),
    });
    const request = {
      name,
      clusterName,
      filters,
      pageSize,
      concurrency,
      ...(region ? { sourceRegion: region } : {}),
    };
    const outcome = await interruptible(`backup ${name} abandoned, nothing stored`, (signal) =>
      service.run(request, { signal }),
    );
    progress.done();
    const { manifest } = outcome;
    const part = manifest.parts[0];
    if (values.json) {
      console.log(
        JSON.stringify(
          {
            name: manifest.name,
            location: outcome.location,
            phase: manifest.phase,
            cluster: manifest.cluster,
            totalObjects: manifest.totalObjects,
            counts: manifest.counts,
            bytes: part?.size ?? 0,
            sha256: part?.sha256,
            durationMs: outcome.durationMs,
            warnings: manifest.warnings,
          },
          null,
          2,
        ),
      );
    } else {
      const rows = Object.entries(manifest.counts).map(([resource, count]) => [resource, String(count)]);
      console.log(
        [
          `Backup ${manifest.name} ${manifest.phase}: ${manifest.totalObjects} objects, ${formatBytes(part?.size ?? 0)} in ${(outcome.durationMs / 1000).toFixed(1)} s`,
          `  ${outcome.location}`,
          '',
          formatTable([['RESOURCE', 'OBJECTS'], ...rows], [1]),
          ...(manifest.warnings.length ? ['', 'Warnings:', ...manifest.warnings.map((w) => `  - ${w}`)] : []),
        ].join('\n'),
      );
    }
    return manifest.phase === 'Completed' ? 0 : 1;
  } finally {
    progress.done();
    client.close();
  }
}

function describeProgress(name: string, p: SnapshotProgress): string {
  const restarts = p.restarts ? `, ${p.restarts} list restarts` : '';
  return `backup ${name}: ${p.phase.toLowerCase()}: ${p.listsDone}/${p.listsTotal} resources, ${p.objects} objects${restarts}`;
}

function defaultName(now: Date): string {
  return `backup-${now.toISOString().replace(/[-:T]/g, '').slice(0, 14)}`;
}

function list<K extends keyof BackupFilters>(key: K, text: string | undefined): Partial<Record<K, string[]>> {
  if (text === undefined) return {};
  return { [key]: text.split(',').map((part) => part.trim()) } as Partial<Record<K, string[]>>;
}

function positiveInteger(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${flag} must be a positive integer, got '${text}'`);
  return value;
}

function clusterResources(value: string | undefined): Pick<BackupFilters, 'includeClusterResources'> {
  if (value === undefined) return {};
  if (value === 'true' || value === 'false') return { includeClusterResources: value === 'true' };
  throw new Error(`--include-cluster-resources must be true or false (omit it for auto), got '${value}'`);
}
