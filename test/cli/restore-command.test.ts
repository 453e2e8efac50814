import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CommandIo, runRestoreCommand } from '../../cli/restore-command.ts';
import { userSigner } from '../../cli/signing-keys.ts';
import type { KubeApiSimulator } from '../../sandbox/kube/simulator.ts';
import type { RestoreResult } from '../../src/restore/result.ts';
import { backUp, fixtureObjects, startSimulator, temporaryStore } from '../restore/restore-harness.ts';

const BACKUP = 'nightly-3';

let source: KubeApiSimulator;
let target: KubeApiSimulator;
let directory: string;
let cleanup: () => Promise<void>;
let kubeconfig: string;
let from: string;

function capture(): CommandIo & { out: string; err: string } {
  const io = {
    out: '',
    err: '',
    stderrIsTTY: false,
    stdout: (text: string) => {
      io.out += text;
    },
    stderr: (text: string) => {
      io.err += text;
    },
  };
  return io;
}

beforeEach(async () => {
  source = await startSimulator();
  target = await startSimulator();
  source.load(fixtureObjects());
  const temporary = await temporaryStore();
  ({ directory, cleanup } = temporary);
  await backUp(source, temporary.store, BACKUP, await userSigner());
  kubeconfig = join(directory, 'target.kubeconfig');
  await target.writeKubeconfig(kubeconfig);
  from = join(directory, 'backups', BACKUP);
});

afterEach(async () => {
  await Promise.all([source.stop(), target.stop()]);
  await cleanup();
});

describe('eks-dr restore', () => {
  it('restores a backup and prints a summary with every count', async () => {
    // Arrange
    const io = capture();

    // Act
    const code = await runRestoreCommand(['--kubeconfig', kubeconfig, '--from', from], io);

    // Assert
    expect(io.err).toBe('');
    expect(code).toBe(0);
    expect(io.out).toMatch(
      new RegExp(`restore of ${BACKUP} from .* into http://127\\.0\\.0\\.1:\\d+: Completed`),
    );
    expect(io.out).toMatch(
      /planned \d+ {2}created \d+ {2}updated 0 {2}skipped-exists 4 {2}failed 0 {2}excluded \d+/,
    );
    expect(target.count('configmaps')).toBe(source.count('configmaps'));
  });

  it('prints the whole report as JSON with --json, namespaces mapped', async () => {
    // Arrange
    const io = capture();

    // Act
    const code = await runRestoreCommand(
      [
        '--kubeconfig',
        kubeconfig,
        '--from',
        from,
        '--json',
        '--namespace-mapping',
        'shop:shop-dr',
        '--include-namespaces',
        'shop',
      ],
      io,
    );

    // Assert
    expect(code).toBe(0);
    const report = JSON.parse(io.out) as RestoreResult;
    expect(report.phase).toBe('Completed');
    expect(report.objects.find((o) => o.groupResource === 'deployments.apps')).toMatchObject({
      namespace: 'shop-dr',
      name: 'web',
      outcome: 'created',
    });
    expect(report.objects.some((o) => o.namespace === 'ops')).toBe(false);
    expect(report.excluded.some((e) => e.namespace === 'ops')).toBe(true);
  });

  it('prints the plan per object and writes nothing with --dry-run', async () => {
    // Arrange
    const io = capture();
    const before = target.count();

    // Act
    const code = await runRestoreCommand(['--kubeconfig', kubeconfig, '--from', from, '--dry-run'], io);

    // Assert
    expect(code).toBe(0);
    expect(io.out).toContain('(dry run): Completed');
    expect(io.out).toMatch(/create +deployments\.apps shop\/web/);
    expect(io.out).toMatch(/create-after-crd +widgets\.example\.com shop\/gizmo/);
    expect(target.count()).toBe(before);
  });

  it.each([
    [
      ['--namespace-mapping', 'shop=shop-dr'],
      /--namespace-mapping: restore option namespaceMapping "shop=shop-dr": expected 'source:target'/,
    ],
    [
      ['--existing-resource-policy', 'overwrite'],
      /--existing-resource-policy must be one of none, update, got 'overwrite'/,
    ],
    [['--include-namespaces', 'Shop'], /--include-namespaces: .*"Shop"/],
    [['--concurrency', '0'], /--concurrency must be an integer from 1 to 256/],
    [['--frobnicate'], /Unknown option '--frobnicate'/],
  ])('refuses %j with a clear error and exit 2, writing nothing', async (flags, message) => {
    // Arrange
    const io = capture();
    const before = target.count();

    // Act
    const code = await runRestoreCommand(['--kubeconfig', kubeconfig, '--from', from, ...flags], io);

    // Assert
    expect(code).toBe(2);
    expect(io.err).toMatch(message);
    expect(target.count()).toBe(before);
  });

  it('names a kubeconfig that does not exist', async () => {
    // Arrange
    const io = capture();

    // Act
    const code = await runRestoreCommand(['--kubeconfig', join(directory, 'missing'), '--from', from], io);

    // Assert
    expect(code).toBe(1);
    expect(io.err).toMatch(/kubeconfig .*missing: no such file/);
  });

  it('fails without writing when the kubeconfig’s credentials are wrong', async () => {
    // Arrange
    const io = capture();
    const wrong = join(directory, 'wrong.kubeconfig');
    await writeFile(wrong, (await readFile(kubeconfig, 'utf8')).replace(/token: .*/, 'token: not-the-token'));
    const before = target.count();

    // Act
    const code = await runRestoreCommand(['--kubeconfig', wrong, '--from', from], io);

    // Assert
    expect(code).toBe(1);
    expect(io.out).toMatch(/: Failed\n {2}error: .*401 Unauthorized/);
    expect(target.count()).toBe(before);
  });

  it('refuses a corrupt archive, naming it, before any write', async () => {
    // Arrange
    const io = capture();
    const archive = join(from, `${BACKUP}.tar.gz`);
    const bytes = await readFile(archive);
    await writeFile(archive, Buffer.concat([bytes.subarray(0, 100), Buffer.alloc(50), bytes.subarray(150)]));
    const before = target.count();

    // Act
    const code = await runRestoreCommand(['--kubeconfig', kubeconfig, '--from', from], io);

    // Assert
    expect(code).toBe(1);
    expect(io.out).toMatch(new RegExp(`Failed\\n {2}error: .*${BACKUP}\\.tar\\.gz: sha256 mismatch`));
    expect(target.count()).toBe(before);
  });
});
