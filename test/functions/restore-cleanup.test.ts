// A drill's cleanup through the restore handler: after the namespaces and PVs it removes the volumes the
// restore made in the region it restored into (and only those), reports volumes still attached at its
// deadline, and leaves EC2 alone elsewhere.
import { describe, expect, it } from 'vitest';
import { createHandler as restore } from '../../functions/restore.ts';
import type { FunctionDependencies } from '../../functions/shared/dependencies.ts';
import { logger } from '../../functions/shared/powertools.ts';
import { Ec2Registry } from '../../sandbox/aws/ec2-standin.ts';
import type { ApiResource } from '../../src/kube/kube-object.ts';
import { RESTORE_TAG } from '../../src/volumes/index.ts';
import { aPlan } from '../failover/failover-fixtures.ts';

logger.setLogLevel('SILENT');

const DR = 'eu-central-1';
const START = Date.parse('2026-03-05T12:00:00Z');

/** The cleanup step's payload, as drill.asl.json sends it, with the restore step's answer. */
function cleanupEvent(restored: Record<string, unknown>, side: 'dr' | 'primary' = 'dr') {
  return {
    executionName: 'shop-drill-1',
    executionStartTime: '2026-03-05T12:00:00Z',
    input: { cleanup: true },
    steps: { restore: { result: restored } },
    side,
    action: 'cleanup',
    backup: { name: 'shop-backup-1' },
  };
}

/** A Lambda context with `remainingMs` left. */
const contextWith = (remainingMs: number) => ({ getRemainingTimeInMillis: () => remainingMs });

/** The handler over an EC2 stand-in of the DR region and a cluster that records deletes, on a fake clock. */
function aCleanup(options: { volumesEnabled?: boolean } = {}) {
  let clock = START;
  const registry = new Ec2Registry({ now: () => clock, retry: { sleep: async () => {}, attempts: 3 } });
  const ec2 = registry.region(DR);
  const deletes: string[] = [];
  const cluster = {
    delete: async (resource: ApiResource, _namespace: string | undefined, name: string) => {
      deletes.push(`${resource.resource}/${name}`);
    },
  };
  const deps = {
    plan: aPlan((raw) => {
      raw.volumes = { enabled: options.volumesEnabled ?? true };
    }),
    now: () => new Date(clock),
    sleep: async (ms: number) => {
      clock += ms;
    },
    cluster: async () => cluster,
    volumeSnapshots: (side: 'primary' | 'dr') => registry.region(side === 'dr' ? DR : 'eu-west-1'),
    // A store whose every use fails: cleanup reads no backup.
    store: () =>
      new Proxy(
        {},
        {
          get: () => {
            throw new Error('cleanup reads no backup');
          },
        },
      ),
    tuning: { restoreSafetyMarginMs: 30_000, volumePollMs: 2_000 },
  } as unknown as FunctionDependencies;
  const restoredVolume = () =>
    ec2.addVolume({ availabilityZone: `${DR}a`, sizeGi: 8, tags: { [RESTORE_TAG]: 'shop-drill-1' } });
  const primaryEc2 = registry.region('eu-west-1');
  return { handler: restore(deps), ec2, primaryEc2, deletes, restoredVolume, elapsed: () => clock - START };
}

describe('restore handler, cleanup action', () => {
  it('deletes the namespaces, the PVs, then the DR volumes the restore made, and no other volume', async () => {
    // Arrange
    const { handler, ec2, deletes, restoredVolume } = aCleanup();
    const [first, second] = [restoredVolume(), restoredVolume()];
    const gone = restoredVolume();
    await ec2.deleteVolume(gone);
    const unrelated = ec2.addVolume({ availabilityZone: `${DR}a`, sizeGi: 8 });
    const event = cleanupEvent({
      createdNamespaces: ['shop-rehearsal'],
      createdPersistentVolumes: ['pv-data'],
      createdVolumes: [first, second, gone],
    });

    // Act
    const answer = await handler(event, contextWith(120_000));

    // Assert
    expect(answer).toMatchObject({
      deletedNamespaces: ['shop-rehearsal'],
      deletedPersistentVolumes: ['pv-data'],
      deletedVolumes: [first, second, gone],
      volumesLeft: [],
    });
    expect(deletes).toEqual(['namespaces/shop-rehearsal', 'persistentvolumes/pv-data']);
    expect(ec2.listVolumes().map((v) => v.id)).toEqual([unrelated]);
  });

  it('reports a volume still attached at the deadline in volumesLeft and still answers', async () => {
    // Arrange
    const { handler, ec2, restoredVolume, elapsed } = aCleanup();
    const [attached, free] = [restoredVolume(), restoredVolume()];
    ec2.attachVolume(attached, 'i-0node');
    const event = cleanupEvent({
      createdNamespaces: [],
      createdPersistentVolumes: [],
      createdVolumes: [attached, free],
    });

    // Act
    const answer = await handler(event, contextWith(60_000));

    // Assert (60 s left minus the 30 s margin: the wait ends within 30 s of modelled time)
    expect(answer).toMatchObject({ deletedVolumes: [free] });
    expect(answer).toHaveProperty('volumesLeft', [
      {
        volumeId: attached,
        reason: 'still in-use when cleanup ran out of time; delete it once it is detached',
      },
    ]);
    expect(elapsed()).toBeGreaterThan(0);
    expect(elapsed()).toBeLessThanOrEqual(30_000);
    expect(ec2.volume(attached)).toBeDefined();
  });

  it('touches no volume when the plan has volumes disabled', async () => {
    // Arrange
    const disabled = aCleanup({ volumesEnabled: false });
    const event = cleanupEvent({
      createdNamespaces: ['shop-rehearsal'],
      createdVolumes: [disabled.restoredVolume()],
    });

    // Act
    const answer = await disabled.handler(event, contextWith(60_000));

    // Assert
    expect(answer).toMatchObject({ deletedVolumes: [], volumesLeft: [] });
    expect(disabled.ec2.listVolumes()).toHaveLength(1);
    expect(disabled.ec2.calls.DescribeVolumes).toBe(0);
    expect(disabled.deletes).toEqual(['namespaces/shop-rehearsal']);
  });

  it("on the primary side deletes the volumes the restore made in the primary's region, never DR's", async () => {
    // Arrange
    const cleanup = aCleanup();
    const drVolume = cleanup.restoredVolume();
    const primaryVolume = cleanup.primaryEc2.addVolume({ availabilityZone: 'eu-west-1a', sizeGi: 8 });
    const event = cleanupEvent(
      { createdNamespaces: ['shop-rehearsal'], createdVolumes: [primaryVolume] },
      'primary',
    );

    // Act
    const answer = await cleanup.handler(event, contextWith(60_000));

    // Assert
    expect(answer).toMatchObject({ deletedVolumes: [primaryVolume], volumesLeft: [] });
    expect(cleanup.primaryEc2.listVolumes()).toHaveLength(0);
    expect(cleanup.ec2.listVolumes().map((volume) => volume.id)).toEqual([drVolume]);
    expect(cleanup.ec2.calls.DescribeVolumes).toBe(0);
  });
});
