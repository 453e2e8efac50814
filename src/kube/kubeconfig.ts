import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { type Cluster, type Context, KubeConfig, type User } from '@kubernetes/client-node';
import type { ClusterAccess } from './cluster-access.ts';
import { HttpClusterClient, type HttpClusterClientOptions } from './cluster-client.ts';
import { KubeConfigError } from './errors.ts';

export type { ClusterAccess, EksClusterAccess } from './cluster-access.ts';
export { accessForEks } from './cluster-access.ts';

export interface KubeconfigSource {
  /** Path of a kubeconfig file (`--kubeconfig`); wins over `env`. */
  file?: string;
  /** A kubeconfig's text, instead of a file. */
  text?: string;
  /** Context to use. @default the kubeconfig's current-context */
  context?: string;
  /**
   * Where to look when neither file nor text is given, as kubectl does: `KUBECONFIG` (files separated by
   * the platform's path delimiter), then `HOME`/.kube/config, then the pod's service account when
   * `KUBERNETES_SERVICE_HOST` is set. The CLI passes `process.env`. @default {} (nothing found)
   */
  env?: Readonly<Record<string, string | undefined>>;
  /** Prefix of `/var/run/secrets/kubernetes.io/serviceaccount` for the in-cluster config. @default '' */
  serviceAccountRoot?: string;
}

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * Loads a kubeconfig with @kubernetes/client-node's KubeConfig and resolves one context; errors name the
 * file(s), the context and the field. Importing client-node costs ~0.5 s and ~27 MB of heap (its whole
 * generated API comes with KubeConfig), which is why Lambdas reach EKS through cluster-access.ts instead
 * and the CLI imports this module only when a command needs a cluster.
 */
export function loadKubeconfig(source: KubeconfigSource): ClusterAccess {
  const { config, where } = readKubeconfig(source);
  const contexts = config.getContexts().map((context) => context.name);
  if (source.context !== undefined) {
    if (!config.getContextObject(source.context)) {
      throw new KubeConfigError(
        `${where}: no context '${source.context}' (contexts: ${contexts.join(', ') || 'none'})`,
      );
    }
    config.setCurrentContext(source.context);
  }
  const contextName = config.getCurrentContext();
  if (!contextName) throw new KubeConfigError(`${where}: no current-context and no --context given`);
  const context = config.getContextObject(contextName) as Context | null;
  if (!context) {
    throw new KubeConfigError(
      `${where}: current-context '${contextName}' is not among its contexts (${contexts.join(', ') || 'none'})`,
    );
  }
  const cluster = config.getCluster(context.cluster) as Cluster | null;
  if (!cluster) {
    throw new KubeConfigError(
      `${where}: context '${contextName}' names cluster '${context.cluster}', which is not defined`,
    );
  }
  if (cluster.proxyUrl) {
    // client-node would put a proxy agent on each request; the transport keeps its own keep-alive agent.
    throw new KubeConfigError(`${where}: cluster '${cluster.name}': proxy-url is not supported by eks-dr`);
  }
  const user = context.user ? (config.getUser(context.user) as User | null) : null;
  if (context.user && !user) {
    throw new KubeConfigError(
      `${where}: context '${contextName}' names user '${context.user}', which is not defined`,
    );
  }
  const at = `${where}: context '${contextName}'`;
  return {
    name: contextName,
    clusterName: cluster.name,
    server: cluster.server,
    insecureSkipTlsVerify: cluster.skipTLSVerify,
    ...(context.namespace ? { namespace: context.namespace } : {}),
    // Per request, so exec-plugin tokens (aws eks get-token) and token files refresh as client-node does.
    authenticate: async (options) => {
      try {
        await config.applyToHTTPSOptions(options);
      } catch (error) {
        throw new KubeConfigError(`${at}: ${credentialFailure(user, error)}`, { cause: error });
      }
    },
  };
}

/** A ClusterClient for a kubeconfig text (tests, the sandbox) with default options. */
export function clusterClientFromKubeconfigText(
  text: string,
  options: HttpClusterClientOptions = {},
): HttpClusterClient {
  return new HttpClusterClient(loadKubeconfig({ text }), options);
}

// kubectl's order: --kubeconfig, KUBECONFIG, ~/.kube/config, then the pod's service account.
function readKubeconfig(source: KubeconfigSource): { config: KubeConfig; where: string } {
  if (source.text !== undefined) return { config: fromText(source.text), where: 'kubeconfig text' };
  if (source.file !== undefined) {
    if (!existsSync(source.file)) throw new KubeConfigError(`kubeconfig ${source.file}: no such file`);
    return { config: fromFile(source.file), where: `kubeconfig ${source.file}` };
  }
  const env = source.env ?? {};
  if (env.KUBECONFIG) {
    const listed = env.KUBECONFIG.split(delimiter).filter(Boolean);
    // kubectl skips listed files that do not exist, and only fails when none does.
    const files = listed.filter((file) => existsSync(file));
    if (files.length === 0)
      throw new KubeConfigError(`KUBECONFIG=${env.KUBECONFIG}: none of its files exists`);
    return { config: merged(files.map(fromFile)), where: `kubeconfig ${files.join(delimiter)}` };
  }
  const home = env.HOME ?? env.USERPROFILE;
  const homeConfig = home ? join(home, '.kube', 'config') : undefined;
  if (homeConfig && existsSync(homeConfig)) {
    return { config: fromFile(homeConfig), where: `kubeconfig ${homeConfig}` };
  }
  const root = source.serviceAccountRoot ?? '';
  if (
    env.KUBERNETES_SERVICE_HOST &&
    env.KUBERNETES_SERVICE_PORT &&
    existsSync(`${root}${SERVICE_ACCOUNT_TOKEN}`)
  ) {
    const config = new KubeConfig();
    config.loadFromCluster(root);
    return { config, where: `in-cluster config (${root}${SERVICE_ACCOUNT_TOKEN})` };
  }
  throw new KubeConfigError(
    `no kubeconfig: pass --kubeconfig FILE, set KUBECONFIG or write ${homeConfig ?? '~/.kube/config'} (or run in a pod with a service account)`,
  );
}

function fromFile(file: string): KubeConfig {
  const config = new KubeConfig();
  try {
    config.loadFromFile(file);
  } catch (error) {
    throw new KubeConfigError(
      `kubeconfig ${file}: cannot be read as a kubeconfig: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  return config;
}

function fromText(text: string): KubeConfig {
  const config = new KubeConfig();
  try {
    config.loadFromString(text);
  } catch (error) {
    throw new KubeConfigError(
      `kubeconfig text: cannot be read as a kubeconfig: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  return config;
}

/**
 * Files of KUBECONFIG merged as kubectl merges them: the first file to define a cluster, user or context
 * of a name wins, and so does the first current-context. (client-node's mergeConfig throws on a name
 * defined twice and lets later files change the current context.)
 */
function merged(configs: KubeConfig[]): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: firstOfEachName(configs.flatMap((c) => c.getClusters())),
    users: firstOfEachName(configs.flatMap((c) => c.getUsers())),
    contexts: firstOfEachName(configs.flatMap((c) => c.getContexts())),
    currentContext: configs.map((c) => c.getCurrentContext()).find(Boolean),
  });
  return config;
}

function firstOfEachName<T extends { name: string }>(entries: T[]): T[] {
  const byName = new Map<string, T>();
  for (const entry of entries) if (!byName.has(entry.name)) byName.set(entry.name, entry);
  return [...byName.values()];
}

function credentialFailure(user: User | null, error: unknown): string {
  const message = error instanceof Error ? error.message.trim() : String(error);
  const command = user?.exec?.command ?? user?.authProvider?.config?.exec?.command;
  if (command) {
    return `user '${user?.name}': exec credential plugin '${command}' failed: ${message || 'it exited without a message'}`;
  }
  return `${user ? `user '${user.name}': ` : ''}${message}`;
}
