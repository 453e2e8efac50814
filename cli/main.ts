import { runBackupCommand } from './backup-command.ts';
import { runDemoCommand } from './demo-command.ts';
import { runExportCommand } from './export-command.ts';
import { runInspectCommand } from './inspect-command.ts';
import { InterruptedError } from './interrupt.ts';
import { runRestoreCommand } from './restore-command.ts';
import { runSandboxCommand } from './sandbox-command.ts';
import { runVerifyCommand } from './verify-command.ts';

const USAGE = `eks-dr — disaster recovery for Amazon EKS

Usage:
  eks-dr sandbox kube [--port N] [--kubeconfig FILE] [--load FILE.yaml ...] [--generate N]
                                  run the local Kubernetes API simulator in the foreground
  eks-dr backup [--kubeconfig FILE] [--context NAME] --to <dir or s3://bucket/prefix> [--name NAME]
                [--include-namespaces ..] [--exclude-namespaces ..] [--include-resources ..]
                [--exclude-resources ..] [--selector k=v] [--json]
                                  snapshot a cluster into <to>/backups/<name>/
  eks-dr inspect --from <dir or s3://…>/backups/<name> [--json]
                                  show what a backup holds (verified first)
  eks-dr verify --from <dir or s3://…>/backups/<name>
                                  check a backup's size, sha256 and contents against its manifest
  eks-dr export --velero --from <dir or s3://…>/backups/<name> --to <dir or s3://bucket/prefix>
                [--storage-location NAME] [--json]
                                  write a backup as a Velero backup (backup storage location layout)
  eks-dr restore [--kubeconfig FILE] [--context NAME] --from <dir or s3://…>/backups/<name>
                [--namespace-mapping a:b,..] [--existing-resource-policy none|update]
                [--include-namespaces ..] [--dry-run] [--json]
                                  restore a backup into a cluster
  eks-dr demo [--failback] [--json] [--report FILE] [--speed MS_PER_MODELLED_SECOND]
                                  a whole failover on this machine: backup, outage, alarm, failover, report
  eks-dr --help                   this text

Without --kubeconfig, backup and restore find the cluster as kubectl does: KUBECONFIG (several files
merged), then ~/.kube/config, then the pod's service account.

Run 'eks-dr <command> --help' for a command's options.`;

/** Entry point of the `eks-dr` command; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        console.log(USAGE);
        return 0;
      case 'backup':
        return await runBackupCommand(rest);
      case 'inspect':
        return await runInspectCommand(rest);
      case 'verify':
        return await runVerifyCommand(rest);
      case 'export':
        return await runExportCommand(rest);
      case 'sandbox':
        return await runSandboxCommand(rest);
      case 'restore':
        return await runRestoreCommand(rest);
      case 'demo':
        return await runDemoCommand(rest);
      default:
        console.error(`eks-dr: unknown command '${command}'\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    console.error(`eks-dr ${command}: ${error instanceof Error ? error.message : String(error)}`);
    return error instanceof InterruptedError ? error.exitCode : 1;
  }
}
