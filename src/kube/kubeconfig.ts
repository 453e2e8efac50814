import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ClusterAccess, ExecPlugin } from './cluster-access.ts';
import { HttpClusterClient, type HttpClusterClientOptions } from './cluster-client.ts';
import { KubeConfigError } from './errors.ts';
import { isRecord } from './kube-object.ts';

export type { ClusterAccess, EksClusterAccess, ExecPlugin } from './cluster-access.ts';
export { accessForEks, CredentialSource } from './cluster-access.ts';

export interface KubeconfigSource {
  /** Path of a kubeconfig file. */
  file?: string;
  /** A kubeconfig's text, instead of a file. */
  text?: string;
  /** Context to use. @default the file's current-context */
  context?: string;
}

/**
 * Loads a kubeconfig and resolves one context; errors name the file, the context and the field.
 * Our own small reader rather than @kubernetes/client-node's KubeConfig: that module loads its whole
 * generated API (tens of MB of heap), which a Lambda bundle and a bounded-memory snapshot cannot carry.
 */
export function loadKubeconfig(source: KubeconfigSource): ClusterAccess {
  const where = source.file ?? 'kubeconfig text';
  let text = source.text;
  if (text === undefined) {
    if (source.file === undefined) throw new KubeConfigError('no kubeconfig given: pass a file or a text');
    if (!existsSync(source.file)) throw new KubeConfigError(`kubeconfig ${source.file}: no such file`);
    text = readFileSync(source.file, 'utf8');
  }
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (error) {
    throw new KubeConfigError(`${where}: cannot be read as a kubeconfig: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!isRecord(document))
    throw new KubeConfigError(`${where}: cannot be read as a kubeconfig: not a mapping`);
  const baseDir = source.file ? dirname(resolve(source.file)) : process.cwd();
  const contextName = source.context ?? stringField(document, 'current-context');
  const contexts = namedEntries(document, 'contexts', 'context', where);
  if (!contextName) throw new KubeConfigError(`${where}: no current-context and no --context given`);
  const context = contexts.get(contextName);
  if (!context) {
    throw new KubeConfigError(
      `${where}: no context '${contextName}' (contexts: ${[...contexts.keys()].join(', ') || 'none'})`,
    );
  }
  const clusterName = stringField(context, 'cluster');
  const cluster = clusterName
    ? namedEntries(document, 'clusters', 'cluster', where).get(clusterName)
    : undefined;
  if (!cluster) throw new KubeConfigError(`${where}: context '${contextName}' names no cluster that exists`);
  const server = stringField(cluster, 'server');
  if (!server) throw new KubeConfigError(`${where}: cluster '${clusterName}': server is required`);
  const userName = stringField(context, 'user');
  const user = userName ? (namedEntries(document, 'users', 'user', where).get(userName) ?? {}) : {};
  const caFile = stringField(cluster, 'certificate-authority');
  return {
    name: contextName,
    clusterName: clusterName as string,
    server,
    caPem: decodeData(cluster, 'certificate-authority-data') ?? readRelative(baseDir, caFile, where),
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    namespace: stringField(context, 'namespace'),
    token: stringField(user, 'token') ?? readRelative(baseDir, stringField(user, 'tokenFile'), where)?.trim(),
    clientCertificatePem:
      decodeData(user, 'client-certificate-data') ??
      readRelative(baseDir, stringField(user, 'client-certificate'), where),
    clientKeyPem:
      decodeData(user, 'client-key-data') ?? readRelative(baseDir, stringField(user, 'client-key'), where),
    exec: execPlugin(user, `${where}: user '${userName}'`),
  };
}

function namedEntries(
  document: Record<string, unknown>,
  list: string,
  field: string,
  where: string,
): Map<string, Record<string, unknown>> {
  const entries = new Map<string, Record<string, unknown>>();
  const items = document[list] ?? [];
  if (!Array.isArray(items)) throw new KubeConfigError(`${where}: ${list} must be a list`);
  items.forEach((item, index) => {
    const name = isRecord(item) ? item.name : undefined;
    if (typeof name !== 'string') throw new KubeConfigError(`${where}: ${list}[${index}].name is required`);
    entries.set(
      name,
      isRecord(item) && isRecord(item[field]) ? (item[field] as Record<string, unknown>) : {},
    );
  });
  return entries;
}

function stringField(record: Record<string, unknown>, field: string): string | undefined {
  const value = record[field];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function decodeData(record: Record<string, unknown>, field: string): string | undefined {
  const value = stringField(record, field);
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
}

function readRelative(baseDir: string, file: string | undefined, where: string): string | undefined {
  if (file === undefined) return undefined;
  const path = resolve(baseDir, file);
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new KubeConfigError(`${where}: cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}

function execPlugin(user: Record<string, unknown>, where: string): ExecPlugin | undefined {
  const exec = user.exec;
  if (!isRecord(exec)) return undefined;
  const command = stringField(exec, 'command');
  if (!command) throw new KubeConfigError(`${where}: exec.command is required`);
  const args = Array.isArray(exec.args) ? exec.args.map(String) : [];
  const env: Record<string, string> = {};
  if (Array.isArray(exec.env)) {
    for (const entry of exec.env) {
      if (isRecord(entry) && typeof entry.name === 'string') env[entry.name] = String(entry.value ?? '');
    }
  }
  return { command, args, env };
}

/** A ClusterClient for a kubeconfig text (tests, the sandbox) with default options. */
export function clusterClientFromKubeconfigText(
  text: string,
  options: HttpClusterClientOptions = {},
): HttpClusterClient {
  return new HttpClusterClient(loadKubeconfig({ text }), options);
}
