import { runSandboxCommand } from './sandbox-command.ts';

const USAGE = `eks-dr — disaster recovery for Amazon EKS

Usage:
  eks-dr sandbox kube [--port N] [--kubeconfig FILE] [--load FILE.yaml ...] [--generate N]
                                  run the local Kubernetes API simulator in the foreground
  eks-dr --help                   this text

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
      case 'sandbox':
        return await runSandboxCommand(rest);
      default:
        console.error(`eks-dr: unknown command '${command}'\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    console.error(`eks-dr ${command}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
