import { parseArgs } from 'node:util';
import { describeSignature } from '../src/archive/signing.ts';
import { HttpClusterClient } from '../src/kube/cluster-client.ts';
import { InvalidRestoreOptionError } from '../src/restore/errors.ts';
import {
  type ExistingResourcePolicy,
  existingResourcePolicies,
  parseNamespaceList,
  parseNamespaceMapping,
  type RestoreOptions,
  resolveRestoreOptions,
} from '../src/restore/options.ts';
import type { PlanLine } from '../src/restore/planner.ts';
import { DEFAULT_RESTORE_CONCURRENCY, type RestoreProgress, Restorer } from '../src/restore/restorer.ts';
import type { RestoreResult } from '../src/restore/result.ts';
import { clusterAccessFromFlags, KUBECONFIG_OPTIONS } from './kubeconfig.ts';
import { openBackupStore, splitBackupPath } from './open-store.ts';
import { TRUST_OPTIONS, TRUST_USAGE, trustFromFlags } from './signing-keys.ts';

const USAGE = `Usage: eks-dr restore [--kubeconfig FILE] [--context NAME] --from <dir or s3://bucket/prefix>/backups/<name> [options]

Restores a backup into the cluster of a kubeconfig, Velero style: the archive is verified first, CRDs
go first, then namespaces, storage, RBAC, config and workloads; objects that exist are skipped (or
replaced with --existing-resource-policy update). Every object's outcome is reported.

Options:
  --kubeconfig FILE                  kubeconfig of the target cluster (default: KUBECONFIG, then
                                     ~/.kube/config, then the pod's service account)
  --context NAME                     context to use (default: the kubeconfig's current-context)
  --from PATH                        the backup: <directory or s3://bucket/prefix>/backups/<name> (required)
  --s3-endpoint URL                  an S3-compatible endpoint (e.g. the local S3 sandbox)
  --namespace-mapping a:b,c:d        restore namespace a into b, c into d
  --existing-resource-policy P       none (skip and report, default) or update (replace)
  --include-namespaces a,b           restore only these namespaces (and the cluster objects they need)
  --exclude-namespaces a,b           do not restore these namespaces
  --allow-subject KIND:NAME          restore role bindings to this subject although it is refused by
                                     default (User:system:anonymous, Group:system:unauthenticated);
                                     repeat for several
  --refuse-subject KIND:NAME         refuse role bindings to this subject too (e.g.
                                     Group:system:authenticated); repeat for several
  --concurrency N                    objects applied at once (default ${DEFAULT_RESTORE_CONCURRENCY})
  --dry-run                          print the plan, per object; write nothing
${TRUST_USAGE}
  --json                             print the report as JSON
  -h, --help                         this text

Exit status: 0 when every object was restored (or already there), 1 otherwise, 2 for bad flags.`;

/** Where the command writes; tests pass their own. */
export interface CommandIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Progress is drawn on stderr only when it is a terminal. */
  stderrIsTTY: boolean;
}

const processIo: CommandIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  stderrIsTTY: process.stderr.isTTY === true,
};

/** `eks-dr restore`: returns the exit code. */
export async function runRestoreCommand(argv: string[], io: CommandIo = processIo): Promise<number> {
  let parsed: ParsedFlags;
  try {
    parsed = parseFlags(argv);
  } catch (error) {
    io.stderr(`eks-dr restore: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (parsed === 'help') {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  try {
    return await restore(parsed, io);
  } catch (error) {
    io.stderr(`eks-dr restore: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}

async function restore(parsed: Flags, io: CommandIo): Promise<number> {
  // Everything that can be checked without the network is checked before the cluster is touched.
  const kubeConfig = await clusterAccessFromFlags(parsed);
  const { location, name } = splitBackupPath(parsed.from);
  const store = openBackupStore(location, { s3Endpoint: parsed.s3Endpoint });
  const client = new HttpClusterClient(kubeConfig, { maxSockets: parsed.concurrency });
  const progress = io.stderrIsTTY ? new ProgressLine(io) : undefined;
  try {
    const trust = await trustFromFlags(parsed.trust);
    const restorer = new Restorer({
      client,
      store,
      verifier: trust.verifier,
      concurrency: parsed.concurrency,
      ...(progress ? { onProgress: (p: RestoreProgress) => progress.update(p) } : {}),
    });
    const result = await restorer.restore({
      backupName: name,
      options: parsed.options,
      dryRun: parsed.dryRun,
      allowUnsigned: trust.allowUnsigned === true,
    });
    progress?.clear();
    io.stdout(
      parsed.json
        ? `${JSON.stringify(result, null, 2)}\n`
        : renderReport(result, store.describeBackup(name), client.server),
    );
    return result.phase === 'Completed' ? 0 : 1;
  } finally {
    progress?.clear();
    client.close();
  }
}

interface Flags {
  kubeconfig?: string;
  context?: string;
  from: string;
  s3Endpoint?: string;
  options: RestoreOptions;
  concurrency: number;
  dryRun: boolean;
  json: boolean;
  trust: { 'trusted-key'?: string[]; 'allow-unsigned'?: boolean };
}
type ParsedFlags = Flags | 'help';

function parseFlags(argv: string[]): ParsedFlags {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      ...KUBECONFIG_OPTIONS,
      from: { type: 'string' },
      's3-endpoint': { type: 'string' },
      'namespace-mapping': { type: 'string' },
      'existing-resource-policy': { type: 'string' },
      'include-namespaces': { type: 'string' },
      'exclude-namespaces': { type: 'string' },
      'allow-subject': { type: 'string', multiple: true },
      'refuse-subject': { type: 'string', multiple: true },
      concurrency: { type: 'string' },
      'dry-run': { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      ...TRUST_OPTIONS,
    },
    strict: true,
    allowPositionals: true,
  });
  if (values.help) return 'help';
  if (positionals.length > 0) throw new Error(`unexpected argument '${positionals[0]}'`);
  if (!values.from) throw new Error('--from <location>/backups/<name> is required');
  const policy = values['existing-resource-policy'];
  if (policy !== undefined && !existingResourcePolicies.includes(policy as ExistingResourcePolicy)) {
    throw new Error(
      `--existing-resource-policy must be one of ${existingResourcePolicies.join(', ')}, got '${policy}'`,
    );
  }
  const options: RestoreOptions = {};
  try {
    if (values['namespace-mapping'] !== undefined)
      options.namespaceMapping = parseNamespaceMapping(values['namespace-mapping']);
    if (values['include-namespaces'] !== undefined)
      options.includeNamespaces = parseNamespaceList(values['include-namespaces']);
    if (values['exclude-namespaces'] !== undefined)
      options.excludeNamespaces = parseNamespaceList(values['exclude-namespaces']);
    if (policy !== undefined) options.existingResourcePolicy = policy as ExistingResourcePolicy;
    const allowSubjects = values['allow-subject'];
    const refuseSubjects = values['refuse-subject'];
    if (allowSubjects !== undefined || refuseSubjects !== undefined) {
      options.privilegeGuard = {
        ...(allowSubjects !== undefined ? { allowSubjects } : {}),
        ...(refuseSubjects !== undefined ? { refuseSubjects } : {}),
      };
    }
    resolveRestoreOptions(options);
  } catch (error) {
    if (error instanceof InvalidRestoreOptionError) throw new Error(flagMessage(error));
    throw error;
  }
  const concurrency =
    values.concurrency === undefined ? DEFAULT_RESTORE_CONCURRENCY : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
    throw new Error(`--concurrency must be an integer from 1 to 256, got '${values.concurrency}'`);
  }
  return {
    ...(values.kubeconfig !== undefined ? { kubeconfig: values.kubeconfig } : {}),
    ...(values.context !== undefined ? { context: values.context } : {}),
    from: values.from,
    ...(values['s3-endpoint'] !== undefined ? { s3Endpoint: values['s3-endpoint'] } : {}),
    options,
    concurrency,
    dryRun: values['dry-run'] === true,
    json: values.json === true,
    trust: {
      ...(values['trusted-key'] ? { 'trusted-key': values['trusted-key'] } : {}),
      'allow-unsigned': values['allow-unsigned'] === true,
    },
  };
}

const FLAG_OF: Record<string, string> = {
  namespaceMapping: '--namespace-mapping',
  includeNamespaces: '--include-namespaces',
  excludeNamespaces: '--exclude-namespaces',
  existingResourcePolicy: '--existing-resource-policy',
  'privilegeGuard.allowSubjects': '--allow-subject',
  'privilegeGuard.refuseSubjects': '--refuse-subject',
};

function flagMessage(error: InvalidRestoreOptionError): string {
  const root = error.field.split('.')[0] ?? error.field;
  const flag = FLAG_OF[error.field] ?? FLAG_OF[root];
  return flag ? `${flag}: ${error.message}` : error.message;
}

/** The human report: one summary line, counts, then every failure and (dry run) every planned object. */
export function renderReport(result: RestoreResult, from: string, server: string): string {
  const t = result.totals;
  const lines = [
    `restore of ${result.backupName} from ${from} into ${server}${result.dryRun ? ' (dry run)' : ''}: ${result.phase}`,
  ];
  if (result.error) lines.push(`  error: ${result.error.message}`);
  if (result.signature) lines.push(`  signature: ${describeSignature(result.signature)}`);
  if (result.dryRun) {
    lines.push(`  planned ${t.planned}  excluded ${t.excluded}`);
    for (const line of result.plan ?? []) lines.push(`  ${renderPlanLine(line)}`);
  } else {
    lines.push(
      `  planned ${t.planned}  created ${t.created}  updated ${t.updated}  skipped-exists ${t.skippedExists}  failed ${t.failed}  excluded ${t.excluded}`,
    );
  }
  if (result.failures.length > 0) {
    lines.push('  failed:');
    for (const failure of result.failures) {
      lines.push(
        `    ${failure.groupResource} ${ref(failure.namespace, failure.name)}: ${failure.message ?? ''}`,
      );
    }
    if (result.failuresOmitted > 0) lines.push(`    ... and ${result.failuresOmitted} more`);
  }
  for (const warning of result.warnings) lines.push(`  warning: ${warning}`);
  return `${lines.join('\n')}\n`;
}

function renderPlanLine(line: PlanLine): string {
  const from = line.sourceNamespace ? ` (from namespace ${line.sourceNamespace})` : '';
  const note = line.message ? ` — ${line.message}` : '';
  return `${line.action.padEnd(16)} ${line.groupResource} ${ref(line.namespace, line.name)}${from}${note}`;
}

function ref(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** One self-overwriting progress line on a terminal, redrawn at most every 100 ms. */
class ProgressLine {
  private last = 0;
  private drawn = false;

  constructor(private readonly io: CommandIo) {}

  update(progress: RestoreProgress): void {
    const now = Date.now();
    if (now - this.last < 100 && progress.stage === 'Applying') return;
    this.last = now;
    const t = progress.totals;
    const what =
      progress.stage === 'Applying' ? `applying ${progress.tier ?? ''}` : progress.stage.toLowerCase();
    this.io.stderr(
      `\r\x1b[K${what} ${progress.done}/${progress.total} (created ${t.created}, skipped ${t.skippedExists}, updated ${t.updated}, failed ${t.failed})`,
    );
    this.drawn = true;
  }

  clear(): void {
    if (this.drawn) this.io.stderr('\r\x1b[K');
    this.drawn = false;
  }
}
