import type { ClusterAccess } from '../src/kube/cluster-access.ts';

/** The `--kubeconfig`/`--context` flags every command that talks to a cluster accepts. */
export const KUBECONFIG_OPTIONS = {
  kubeconfig: { type: 'string' },
  context: { type: 'string' },
} as const;

/** Their lines in a command's usage text. */
export const KUBECONFIG_USAGE = `  --kubeconfig FILE              kubeconfig of the cluster (default: KUBECONFIG, then ~/.kube/config,
                                 then the pod's service account)
  --context NAME                 kubeconfig context (default: its current-context)`;

/**
 * The cluster of `--kubeconfig FILE` (or kubectl's default) and `--context NAME`, loaded by
 * @kubernetes/client-node. Imported on demand: client-node takes ~0.5 s to load, which `--help`,
 * `inspect` and `verify` need not pay.
 */
export async function clusterAccessFromFlags(flags: {
  kubeconfig?: string | undefined;
  context?: string | undefined;
}): Promise<ClusterAccess> {
  const { loadKubeconfig } = await import('../src/kube/kubeconfig.ts');
  return loadKubeconfig({
    ...(flags.kubeconfig ? { file: flags.kubeconfig } : {}),
    ...(flags.context ? { context: flags.context } : {}),
    env: process.env,
  });
}
