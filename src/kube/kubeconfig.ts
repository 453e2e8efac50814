import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { KubeConfigError } from './errors.ts';
import { isRecord } from './kube-object.ts';

export interface KubeconfigSource {
  /** Path of a kubeconfig file. */
  file?: string;
  /** A kubeconfig's text, instead of a file. */
  text?: string;
  /** Context to use. @default the file's current-context */
  context?: string;
}

/** An exec credential plugin (`aws eks get-token`), as kubeconfig `users[].user.exec` describes it. */
export interface ExecPlugin {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/** How to reach and authenticate to one API server: a kubeconfig context, resolved. */
export interface ClusterAccess {
  /** The context's name (or the EKS cluster's). */
  name: string;
  /** The kubeconfig cluster entry's name (the EKS cluster's name for EKS). */
  clusterName: string;
  server: string;
  /** PEM of the cluster CA. */
  caPem?: string;
  insecureSkipTlsVerify: boolean;
  namespace?: string;
  token?: string;
  clientCertificatePem?: string;
  clientKeyPem?: string;
  exec?: ExecPlugin;
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

export interface EksClusterAccess {
  name: string;
  /** https://XXXX.gr7.eu-west-1.eks.amazonaws.com */
  endpoint: string;
  /** certificateAuthority.data from DescribeCluster (base64 PEM). */
  certificateAuthorityData: string;
  /** A bearer token from `eksToken` (or `aws eks get-token`). */
  token: string;
}

/** What `aws eks update-kubeconfig` would write, with a token instead of an exec plugin. */
export function accessForEks(access: EksClusterAccess): ClusterAccess {
  return {
    name: access.name,
    clusterName: access.name,
    server: access.endpoint,
    caPem: Buffer.from(access.certificateAuthorityData, 'base64').toString('utf8'),
    insecureSkipTlsVerify: false,
    token: access.token,
  };
}

const execFileAsync = promisify(execFile);

/**
 * The bearer token to send, if any: the static one, or one from the exec plugin (cached until shortly
 * before the expiry the plugin reports, as kubectl does).
 */
export class CredentialSource {
  private cached: { token: string; expiresAt: number } | undefined;

  constructor(private readonly access: ClusterAccess) {}

  async bearerToken(): Promise<string | undefined> {
    if (this.access.token) return this.access.token;
    const exec = this.access.exec;
    if (!exec) return undefined;
    if (this.cached && this.cached.expiresAt > Date.now() + 60_000) return this.cached.token;
    let stdout: string;
    try {
      ({ stdout } = await execFileAsync(exec.command, exec.args, {
        env: { ...process.env, ...exec.env },
        timeout: 30_000,
      }));
    } catch (error) {
      throw new KubeConfigError(
        `exec credential plugin '${exec.command}' failed: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    let credential: { status?: { token?: string; expirationTimestamp?: string } };
    try {
      credential = JSON.parse(stdout);
    } catch (error) {
      throw new KubeConfigError(`exec credential plugin '${exec.command}' did not print an ExecCredential`, {
        cause: error,
      });
    }
    const token = credential.status?.token;
    if (!token)
      throw new KubeConfigError(`exec credential plugin '${exec.command}': status.token is missing`);
    const expiry = Date.parse(credential.status?.expirationTimestamp ?? '');
    this.cached = { token, expiresAt: Number.isNaN(expiry) ? Date.now() + 5 * 60_000 : expiry };
    return token;
  }
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
