// The backup workflow end to end: archive in the primary bucket, EBS snapshots copied to DR, the archive
// copied and verified in the DR bucket with the volume records, and retention over several runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalWorkflowResult } from '../../sandbox/workflows/local-workflow-runner.ts';
import { type SandboxWorld, startSandboxWorld } from '../../sandbox/world.ts';
import { ed25519Verifier, verifyBackup } from '../../src/archive/index.ts';
import { reportOf, runOnWorld, statesOf } from './e2e-helpers.ts';

let world: SandboxWorld;
let first: LocalWorkflowResult;
let firstName: string;

beforeAll(async () => {
  world = await startSandboxWorld();
  first = await runOnWorld(world, 'backup', { executionName: 'shop-backup-20260303T1000Z' });
  firstName = String((reportOf(first).backup as { name?: string } | undefined)?.name);
}, 30_000);

afterAll(async () => {
  await world?.stop();
});

describe('backup workflow on the sandbox', () => {
  it('snapshots the primary into its bucket and reports the backup', async () => {
    // Arrange
    const report = reportOf(first) as { outcome: string; backup: { objects: number; volumes: number } };

    // Act
    const { manifest } = await verifyBackup(world.stores.primary, firstName);

    // Assert
    expect(first.status, String(first.cause)).toBe('SUCCEEDED');
    expect(report.outcome).toBe('Succeeded');
    expect(manifest.counts['deployments.apps']).toBe(3);
    expect(manifest.counts['promotions.shop.example.com']).toBe(2);
    expect(report.backup).toMatchObject({ objects: manifest.totalObjects, volumes: 2 });
    expect(statesOf(first).filter((s) => s === 'CheckVolumeCopies').length).toBeGreaterThan(1);
  });

  it('copies the archive to the DR bucket, verified, with completed DR copies of both volume snapshots', async () => {
    // Arrange
    const drEc2 = world.ec2.region(world.plan.dr.region);

    // Act
    const trust = { verifier: world.deps.signing?.verifier ?? ed25519Verifier([]) };
    const { manifest, signature } = await verifyBackup(world.stores.dr, firstName, { trust });
    const copies = manifest.volumeSnapshots.flatMap((record) => record.copies ?? []);

    // Assert
    expect(manifest.copiedRegions).toEqual(['eu-central-1']);
    expect(signature).toEqual({ signed: true, keyId: world.deps.signing?.signer.keyId });
    expect(manifest.volumeSnapshots.map((r) => r.volumeId).sort()).toEqual([
      'vol-0a1b2c3d4e5f60001',
      'vol-0a1b2c3d4e5f60002',
    ]);
    expect(copies).toHaveLength(2);
    for (const copy of copies) expect(drEc2.snapshotState(copy.snapshotId)).toBe('completed');
  });

  it("keeps the newest three backups in both buckets and deletes the pruned one's snapshots", async () => {
    // Arrange
    const snapshotsOfFirst = (await world.stores.dr.getManifest(firstName)).volumeSnapshots;

    // Act
    for (const hour of ['11', '12', '13']) {
      const run = await runOnWorld(world, 'backup', { executionName: `shop-backup-20260303T${hour}00Z` });
      expect(run.status, String(run.cause)).toBe('SUCCEEDED');
    }
    const primary = (await world.stores.primary.list()).backups.map((b) => b.name);
    const dr = (await world.stores.dr.list()).backups.map((b) => b.name);

    // Assert
    expect(primary).toHaveLength(3);
    expect(dr).toEqual(primary);
    expect(primary).not.toContain(firstName);
    for (const record of snapshotsOfFirst) {
      expect(world.ec2.region(record.region).snapshot(record.snapshotId)).toBeUndefined();
      for (const copy of record.copies ?? []) {
        expect(world.ec2.region(copy.region).snapshot(copy.snapshotId)).toBeUndefined();
      }
    }
  });
});
