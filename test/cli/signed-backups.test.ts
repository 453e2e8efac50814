import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CommandIo, runRestoreCommand } from '../../cli/restore-command.ts';
import { userPrivateKey, userSigner } from '../../cli/signing-keys.ts';
import { KubeApiSimulator } from '../../sandbox/kube/simulator.ts';
import { loadFixtureCluster } from '../backup/snapshot-harness.ts';
import { runCli as run } from './run-cli.ts';

function capture(): CommandIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stderrIsTTY: false,
    stdout: (t: string) => {
      io.out += t;
    },
    stderr: (t: string) => {
      io.err += t;
    },
  };
  return io;
}

describe('signed backups in the CLI', () => {
  let source: KubeApiSimulator;
  let target: KubeApiSimulator;
  let dir: string;
  let sourceConfig: string;
  let targetConfig: string;
  const savedConfigDir = process.env.EKS_DR_CONFIG_DIR;

  beforeEach(async () => {
    source = new KubeApiSimulator({ crdEstablishDelayMs: 0 });
    target = new KubeApiSimulator({ crdEstablishDelayMs: 0 });
    loadFixtureCluster(source);
    await Promise.all([source.start(), target.start()]);
    dir = await mkdtemp(join(tmpdir(), 'eks-dr-cli-signed-'));
    sourceConfig = join(dir, 'source.kubeconfig');
    targetConfig = join(dir, 'target.kubeconfig');
    await source.writeKubeconfig(sourceConfig);
    await target.writeKubeconfig(targetConfig);
  });

  afterEach(async () => {
    process.env.EKS_DR_CONFIG_DIR = savedConfigDir;
    await Promise.all([source.stop(), target.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  const as = (user: string) => {
    process.env.EKS_DR_CONFIG_DIR = join(dir, `${user}-config`);
  };
  const backup = (name: string) =>
    run([
      'backup',
      '--kubeconfig',
      sourceConfig,
      '--to',
      join(dir, 'store'),
      '--name',
      name,
      '--include-namespaces',
      'shop',
    ]);
  const restore = async (name: string, ...extra: string[]) => {
    const io = capture();
    const code = await runRestoreCommand(
      ['--kubeconfig', targetConfig, '--from', join(dir, 'store/backups', name), ...extra],
      io,
    );
    return { code, out: io.out, err: io.err };
  };

  it('makes the key on first use (mode 0600, public key beside it) and reuses it on the next run', async () => {
    // Arrange
    as('alice');

    // Act
    const first = await backup('first');
    const second = await backup('second');

    // Assert
    expect(first.code).toBe(0);
    expect(second.code).toBe(0);
    const keyFile = join(dir, 'alice-config', 'signing-key.pem');
    expect((await stat(keyFile)).mode & 0o777).toBe(0o600);
    expect(await readFile(join(dir, 'alice-config', 'signing-key.pub.pem'), 'utf8')).toMatch(
      /BEGIN PUBLIC KEY/,
    );
    const keyIds = await Promise.all(
      ['first', 'second'].map(
        async (name) =>
          JSON.parse(await readFile(join(dir, 'store/backups', name, 'manifest.json'), 'utf8')).signature
            .keyId,
      ),
    );
    expect(keyIds[0]).toBe((await userSigner()).keyId);
    expect(keyIds[1]).toBe(keyIds[0]);
    const verify = await run(['verify', '--from', join(dir, 'store/backups/first')]);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toContain(`signed by ${keyIds[0]}`);
  });

  it("refuses another user's backup until --trusted-key names its public key", async () => {
    // Arrange
    as('alice');
    await backup('alices');
    const alicePublic = join(dir, 'alice-config', 'signing-key.pub.pem');
    as('bob');

    // Act
    const refused = await restore('alices');
    const trusted = await restore('alices', '--trusted-key', alicePublic);

    // Assert
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(
      /backup alices: .*manifest\.json: signed by key ed25519:[0-9a-f]{16}, which is not trusted/,
    );
    expect(trusted.code).toBe(0);
    expect(trusted.out).toMatch(/signature: signed by ed25519:/);
  });

  it('refuses an altered manifest as mis-signed', async () => {
    // Arrange
    as('alice');
    await backup('altered');
    const file = join(dir, 'store/backups/altered/manifest.json');
    const manifest = JSON.parse(await readFile(file, 'utf8'));
    manifest.warnings = ['nothing to see here'];
    await writeFile(file, JSON.stringify(manifest));

    // Act
    const restored = await restore('altered');
    const inspected = await run(['inspect', '--from', join(dir, 'store/backups/altered')]);

    // Assert
    expect(restored.code).toBe(1);
    expect(restored.out).toMatch(/signature by key ed25519:[0-9a-f]{16} does not verify/);
    expect(inspected.code).not.toBe(0);
    expect(target.store.existingTable('namespaces')?.objects.has('shop') ?? false).toBe(false);
  });

  it('refuses an unsigned backup unless --allow-unsigned, and the report says so', async () => {
    // Arrange
    as('alice');
    await userPrivateKey();
    await backup('unsigned');
    const file = join(dir, 'store/backups/unsigned/manifest.json');
    const { signature: _dropped, ...unsigned } = JSON.parse(await readFile(file, 'utf8'));
    await writeFile(file, JSON.stringify(unsigned));

    // Act
    const refused = await restore('unsigned');
    const allowed = await restore('unsigned', '--allow-unsigned');

    // Assert
    expect(refused.code).toBe(1);
    expect(refused.out).toMatch(/is not signed; refused/);
    expect(allowed.code).toBe(0);
    expect(allowed.out).toContain('signature: unsigned, allowed by --allow-unsigned');
  });
});
