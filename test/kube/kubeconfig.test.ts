import { execFile, spawnSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { KubeApiSimulator } from '../../sandbox/kube/simulator.ts';
import { HttpClusterClient } from '../../src/kube/cluster-client.ts';
import { KubeConfigError } from '../../src/kube/errors.ts';
import { loadKubeconfig } from '../../src/kube/kubeconfig.ts';

const TOKEN = 'kubeconfig-test-token';
const haveOpenssl = spawnSync('which', ['openssl'], { encoding: 'utf8' }).status === 0;

let dir: string;
let simulator: KubeApiSimulator;
const clients: HttpClusterClient[] = [];

/** A client for the access, closed after the test. */
function clientOf(access: ReturnType<typeof loadKubeconfig>): HttpClusterClient {
  const client = new HttpClusterClient(access, { retry: { attempts: 1 } });
  clients.push(client);
  return client;
}

/** A kubeconfig file in the test's directory. */
async function kubeconfigFile(name: string, lines: string[]): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, `${lines.join('\n')}\n`);
  return file;
}

/** The simulator as a cluster entry (plain HTTP on loopback, hence the skip flag client-node requires). */
const simulatorCluster = (name: string, server = simulator.url) => [
  `- name: ${name}`,
  '  cluster:',
  `    server: ${server}`,
  '    insecure-skip-tls-verify: true',
];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eks-dr-kubeconfig-'));
  simulator = new KubeApiSimulator({ token: TOKEN });
  await simulator.start();
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  vi.unstubAllEnvs();
  await simulator.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('loadKubeconfig: where the kubeconfig comes from', () => {
  it('merges the files of KUBECONFIG as kubectl does: context in one, cluster and user in the other', async () => {
    // Arrange: the first file wins for a name both define and for current-context; a missing file is skipped
    const contexts = await kubeconfigFile('contexts.yaml', [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      ...simulatorCluster('sim'),
      'contexts:',
      '- name: dr',
      '  context: {cluster: sim, user: admin, namespace: shop}',
      'current-context: dr',
    ]);
    const credentials = await kubeconfigFile('credentials.yaml', [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      ...simulatorCluster('sim', 'http://127.0.0.1:1'),
      'users:',
      '- name: admin',
      `  user: {token: ${TOKEN}}`,
      'current-context: elsewhere',
    ]);
    const env = { KUBECONFIG: [join(dir, 'missing.yaml'), contexts, credentials].join(delimiter) };

    // Act
    const access = loadKubeconfig({ env });
    const version = await clientOf(access).serverVersion();

    // Assert
    expect(access).toMatchObject({
      name: 'dr',
      clusterName: 'sim',
      server: simulator.url,
      namespace: 'shop',
    });
    expect(version).toMatch(/^v1\./);
  });

  it('reads ~/.kube/config when neither --kubeconfig nor KUBECONFIG is given', async () => {
    // Arrange
    const home = join(dir, 'home');
    await mkdir(join(home, '.kube'), { recursive: true });
    await simulator.writeKubeconfig(join(home, '.kube', 'config'));

    // Act
    const access = loadKubeconfig({ env: { HOME: home, KUBECONFIG: '' } });
    const version = await clientOf(access).serverVersion();

    // Assert
    expect(access.name).toBe('eks-dr-sandbox');
    expect(version).toMatch(/^v1\./);
  });

  it('says where it looked when there is no kubeconfig at all', () => {
    // Arrange
    const env = { HOME: join(dir, 'empty-home') };

    // Act
    const load = () => loadKubeconfig({ env });

    // Assert
    expect(load).toThrow(KubeConfigError);
    expect(load).toThrow(/no kubeconfig: pass --kubeconfig FILE, set KUBECONFIG or write .*empty-home/);
  });

  it('names KUBECONFIG when none of its files exists', () => {
    // Arrange
    const env = { KUBECONFIG: join(dir, 'a.yaml') };

    // Act
    const load = () => loadKubeconfig({ env });

    // Assert
    expect(load).toThrow(/KUBECONFIG=.*a\.yaml: none of its files exists/);
  });
});

describe('loadKubeconfig: contexts', () => {
  let file: string;

  beforeEach(async () => {
    file = await kubeconfigFile('two-contexts.yaml', [
      'apiVersion: v1',
      'kind: Config',
      'clusters:',
      ...simulatorCluster('sim'),
      'users:',
      '- name: stale',
      '  user: {token: not-the-token}',
      '- name: admin',
      `  user: {token: ${TOKEN}}`,
      'contexts:',
      '- name: primary',
      '  context: {cluster: sim, user: stale}',
      '- name: dr',
      '  context: {cluster: sim, user: admin}',
      'current-context: primary',
    ]);
  });

  it('uses the context --context names instead of current-context', async () => {
    // Arrange
    const current = clientOf(loadKubeconfig({ file }));

    // Act
    const access = loadKubeconfig({ file, context: 'dr' });
    const version = await clientOf(access).serverVersion();

    // Assert
    expect(access.name).toBe('dr');
    expect(version).toMatch(/^v1\./);
    await expect(current.serverVersion()).rejects.toThrow(/401/);
  });

  it('refuses an unknown context, naming it, the file and the contexts there are', () => {
    // Act
    const load = () => loadKubeconfig({ file, context: 'prod' });

    // Assert
    expect(load).toThrow(KubeConfigError);
    expect(load).toThrow(`kubeconfig ${file}: no context 'prod' (contexts: primary, dr)`);
  });

  it('names the cluster a context points to when no file defines it', async () => {
    // Arrange
    const broken = await kubeconfigFile('broken.yaml', [
      'apiVersion: v1',
      'contexts:',
      '- name: dr',
      '  context: {cluster: gone, user: admin}',
      'current-context: dr',
    ]);

    // Act
    const load = () => loadKubeconfig({ file: broken });

    // Assert
    expect(load).toThrow(`kubeconfig ${broken}: context 'dr' names cluster 'gone', which is not defined`);
  });

  it('refuses a proxy-url rather than going around the proxy', async () => {
    // Arrange
    const proxied = await kubeconfigFile('proxied.yaml', [
      'clusters:',
      '- name: sim',
      `  cluster: {server: '${simulator.url}', proxy-url: 'http://proxy:3128'}`,
      'contexts:',
      '- name: sim',
      '  context: {cluster: sim}',
      'current-context: sim',
    ]);

    // Act
    const load = () => loadKubeconfig({ file: proxied });

    // Assert
    expect(load).toThrow(`kubeconfig ${proxied}: cluster 'sim': proxy-url is not supported by eks-dr`);
  });

  it('names the file and the field client-node rejects', async () => {
    // Arrange
    const noServer = await kubeconfigFile('no-server.yaml', ['clusters:', '- name: sim', '  cluster: {}']);

    // Act
    const load = () => loadKubeconfig({ file: noServer });

    // Assert
    expect(load).toThrow(
      `kubeconfig ${noServer}: cannot be read as a kubeconfig: clusters[0].cluster.server is missing`,
    );
  });
});

describe('loadKubeconfig: exec credential plugins', () => {
  /** A plugin on disk that prints an ExecCredential and counts its runs in `runs.log`. */
  async function execKubeconfig(expiry: string, exitCode = 0): Promise<string> {
    const plugin = join(dir, 'get-token.sh');
    await writeFile(
      plugin,
      [
        '#!/bin/sh',
        'echo run >> "$RUNS"',
        exitCode === 0 ? '' : `echo "token expired: run aws sso login" >&2; exit ${exitCode}`,
        `printf '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential",' `,
        `printf '"status":{"token":"%s","expirationTimestamp":"%s"}}' "$TOKEN" "${expiry}"`,
        '',
      ].join('\n'),
    );
    await chmod(plugin, 0o755);
    return kubeconfigFile('exec.yaml', [
      'apiVersion: v1',
      'clusters:',
      ...simulatorCluster('sim'),
      'users:',
      '- name: eks',
      '  user:',
      '    exec:',
      '      apiVersion: client.authentication.k8s.io/v1beta1',
      `      command: ${plugin}`,
      '      args: [eks, get-token, --cluster-name, sim]',
      '      env:',
      `      - {name: TOKEN, value: ${TOKEN}}`,
      `      - {name: RUNS, value: ${join(dir, 'runs.log')}}`,
      'contexts:',
      '- name: sim',
      '  context: {cluster: sim, user: eks}',
      'current-context: sim',
    ]);
  }

  const runs = async () =>
    (await readFile(join(dir, 'runs.log'), 'utf8').catch(() => '')).split('\n').length - 1;

  it('sends the token the plugin prints, running it once while the token is fresh', async () => {
    // Arrange
    const file = await execKubeconfig(new Date(Date.now() + 15 * 60_000).toISOString());
    const client = clientOf(loadKubeconfig({ file }));

    // Act: one request alone, then eight in parallel
    await client.serverVersion();
    await Promise.all(Array.from({ length: 8 }, () => client.discover()));

    // Assert: the simulator answers 401 to any other token
    expect(await runs()).toBe(1);
  });

  it('runs the plugin again once its token has expired, as client-node does', async () => {
    // Arrange
    const file = await execKubeconfig(new Date(Date.now() - 1000).toISOString());
    const client = clientOf(loadKubeconfig({ file }));

    // Act
    await client.serverVersion();
    await client.serverVersion();

    // Assert
    expect(await runs()).toBe(2);
  });

  it('names the file, context, user and command of a plugin that fails, with what it said', async () => {
    // Arrange
    const file = await execKubeconfig('2099-01-01T00:00:00Z', 3);
    const client = clientOf(loadKubeconfig({ file }));

    // Act
    const call = client.serverVersion();

    // Assert
    await expect(call).rejects.toThrow(KubeConfigError);
    await expect(call).rejects.toThrow(
      new RegExp(
        `kubeconfig ${file}: context 'sim': user 'eks': exec credential plugin '.*get-token.sh' failed: token expired: run aws sso login`,
      ),
    );
  });
});

describe.skipIf(!haveOpenssl)('loadKubeconfig: TLS material and in-cluster config', () => {
  let pki: string;
  let server: { key: string; cert: string };
  let clientPair: { key: string; cert: string };

  beforeAll(async () => {
    pki = await mkdtemp(join(tmpdir(), 'eks-dr-kubeconfig-pki-'));
    server = await selfSigned(pki, 'server', 'subjectAltName=IP:127.0.0.1');
    clientPair = await selfSigned(pki, 'client', 'extendedKeyUsage=clientAuth');
  });

  afterAll(async () => {
    await rm(pki, { recursive: true, force: true });
  });

  async function tlsSimulator(): Promise<KubeApiSimulator> {
    await simulator.stop();
    simulator = new KubeApiSimulator({ token: TOKEN, tls: server });
    await simulator.start();
    return simulator;
  }

  it('reads certificate-authority and client certificate files relative to the kubeconfig', async () => {
    // Arrange: an API server that wants a client certificate and answers with its subject
    await writeFile(join(dir, 'ca.pem'), server.cert);
    await writeFile(join(dir, 'client.pem'), clientPair.cert);
    await writeFile(join(dir, 'client-key.pem'), clientPair.key);
    const https = await mutualTlsServer(server, clientPair.cert);
    const file = await kubeconfigFile('client-cert.yaml', [
      'clusters:',
      '- name: mtls',
      `  cluster: {server: '${https.url}', certificate-authority: ca.pem}`,
      'users:',
      '- name: cert',
      '  user: {client-certificate: client.pem, client-key: client-key.pem}',
      'contexts:',
      '- name: mtls',
      '  context: {cluster: mtls, user: cert}',
      'current-context: mtls',
    ]);

    // Act
    const version = await clientOf(loadKubeconfig({ file }))
      .serverVersion()
      .finally(() => https.server.close());

    // Assert
    expect(version).toBe('CN=client');
  });

  it('trusts certificate-authority-data, and refuses an unknown CA unless insecure-skip-tls-verify is set', async () => {
    // Arrange
    const tls = await tlsSimulator();
    const withCa = tls.kubeconfig();
    const withoutCa = withCa.replace(/ {4}certificate-authority-data: .*\n/, '');
    const skipping = withCa.replace(/certificate-authority-data: .*/, 'insecure-skip-tls-verify: true');

    // Act
    const trusted = await clientOf(loadKubeconfig({ text: withCa })).serverVersion();
    const skipped = await clientOf(loadKubeconfig({ text: skipping })).serverVersion();
    const refused = clientOf(loadKubeconfig({ text: withoutCa })).serverVersion();

    // Assert
    expect(trusted).toMatch(/^v1\./);
    expect(skipped).toMatch(/^v1\./);
    await expect(refused).rejects.toThrow(/self.signed certificate/);
  });

  it('uses the pod service account in a cluster: its token, CA and namespace', async () => {
    // Arrange
    const tls = await tlsSimulator();
    const root = join(dir, 'pod');
    const account = join(root, 'var/run/secrets/kubernetes.io/serviceaccount');
    await mkdir(account, { recursive: true });
    await writeFile(join(account, 'token'), TOKEN);
    await writeFile(join(account, 'ca.crt'), server.cert);
    await writeFile(join(account, 'namespace'), 'eks-dr');
    // client-node's loadFromCluster reads these from process.env itself.
    vi.stubEnv('KUBERNETES_SERVICE_HOST', '127.0.0.1');
    vi.stubEnv('KUBERNETES_SERVICE_PORT', new URL(tls.url).port);
    const env = { ...process.env, KUBECONFIG: '', HOME: join(dir, 'no-home') };

    // Act
    const access = loadKubeconfig({ env, serviceAccountRoot: root });
    const version = await clientOf(access).serverVersion();

    // Assert
    expect(access).toMatchObject({ server: tls.url, namespace: 'eks-dr' });
    expect(version).toMatch(/^v1\./);
  });
});

/** A throwaway self-signed EC key pair from openssl. */
async function selfSigned(directory: string, name: string, extension: string) {
  const key = join(directory, `${name}-key.pem`);
  const cert = join(directory, `${name}.pem`);
  await new Promise<void>((resolve, reject) =>
    execFile(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        `/CN=${name}`,
        '-addext',
        extension,
      ],
      { timeout: 15_000 },
      (error) => (error ? reject(error) : resolve()),
    ),
  );
  return { key: await readFile(key, 'utf8'), cert: await readFile(cert, 'utf8') };
}

/** An HTTPS server that requires a client certificate and answers /version with its subject. */
async function mutualTlsServer(
  pair: { key: string; cert: string },
  clientCa: string,
): Promise<{ server: Server; url: string }> {
  const https = createServer(
    { ...pair, ca: clientCa, requestCert: true, rejectUnauthorized: true },
    (request, response) => {
      const peer = (request.socket as TLSSocket).getPeerCertificate();
      response.setHeader('Content-Type', 'application/json');
      response.end(JSON.stringify({ gitVersion: `CN=${peer.subject?.CN}` }));
    },
  );
  await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', () => resolve()));
  return { server: https, url: `https://127.0.0.1:${(https.address() as AddressInfo).port}` };
}
