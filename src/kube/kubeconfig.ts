import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeConfigError } from './errors.ts';

export interface KubeconfigSource {
  /** Path of a kubeconfig file. */
  file?: string;
  /** A kubeconfig's text, instead of a file. */
  text?: string;
  /** Context to use. @default the file's current-context */
  context?: string;
}

/** Loads a kubeconfig and selects its context; errors name the file and the context. */
export function loadKubeconfig(source: KubeconfigSource): KubeConfig {
  const kubeConfig = new KubeConfig();
  const where = source.file ?? 'kubeconfig text';
  if (source.file !== undefined && !existsSync(source.file)) {
    throw new KubeConfigError(`kubeconfig ${source.file}: no such file`);
  }
  try {
    if (source.text !== undefined) kubeConfig.loadFromString(source.text);
    else if (source.file !== undefined) kubeConfig.loadFromFile(source.file);
    else throw new KubeConfigError('no kubeconfig given: pass a file or a text');
  } catch (error) {
    if (error instanceof KubeConfigError) throw error;
    throw new KubeConfigError(`${where}: cannot be read as a kubeconfig: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (source.context !== undefined) {
    if (!kubeConfig.getContexts().some((c) => c.name === source.context)) {
      const known = kubeConfig.getContexts().map((c) => c.name);
      throw new KubeConfigError(
        `${where}: no context '${source.context}' (contexts: ${known.join(', ') || 'none'})`,
      );
    }
    kubeConfig.setCurrentContext(source.context);
  }
  if (!kubeConfig.getCurrentCluster()) {
    throw new KubeConfigError(
      `${where}: context '${kubeConfig.getCurrentContext() || '(none)'}' names no cluster`,
    );
  }
  return kubeConfig;
}

export interface EksClusterAccess {
  name: string;
  /** https://XXXX.gr7.eu-west-1.eks.amazonaws.com */
  endpoint: string;
  /** certificateAuthority.data from DescribeCluster (base64 PEM). */
  certificateAuthorityData: string;
  /** A bearer token from `eksToken` (or `aws eks get-token`). */
  token: string;
}

/** The kubeconfig `aws eks update-kubeconfig` would write, with a token instead of an exec plugin. */
export function kubeconfigForEks(access: EksClusterAccess): KubeConfig {
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromClusterAndUser(
    {
      name: access.name,
      server: access.endpoint,
      caData: access.certificateAuthorityData,
      skipTLSVerify: false,
    },
    { name: `eks-dr@${access.name}`, token: access.token },
  );
  return kubeConfig;
}
