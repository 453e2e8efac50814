import { readFile, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeApiSimulator } from '../../sandbox/kube/simulator.ts';
import type { LocalDirectoryStore } from '../../src/archive/stores/local-directory-store.ts';
import type { HttpClusterClient } from '../../src/kube/cluster-client.ts';
import { groupResource } from '../../src/kube/kube-object.ts';
import { Restorer } from '../../src/restore/restorer.ts';
import type { RestoreResult } from '../../src/restore/result.ts';
import { aConfigMap } from '../fixtures/kube-objects.ts';
import {
  backUp,
  fastClient,
  fixtureObjects,
  recording,
  startSimulator,
  temporaryStore,
} from './restore-harness.ts';

const BACKUP = 'nightly-4';
const EXTRA_CONFIGMAPS = 80;

let source: KubeApiSimulator;
let target: KubeApiSimulator;
let store: LocalDirectoryStore;
let cleanup: () => Promise<void>;
let client: HttpClusterClient;

beforeEach(async () => {
  source = await startSimulator();
  target = await startSimulator();
  source.load(fixtureObjects());
  source.load(
    Array.from({ length: EXTRA_CONFIGMAPS }, (_, i) =>
      aConfigMap(`cm-${i}`, { i: String(i) })
        .inNamespace('ops')
        .build(),
    ),
  );
  ({ store, cleanup } = await temporaryStore());
  await backUp(source, store, BACKUP);
  client = fastClient(target);
});

afterEach(async () => {
  client.close();
  await Promise.all([source.stop(), target.stop()]);
  await cleanup();
});

/** Namespaces every simulator has from the start: restoring them finds them there. */
const BUILTIN_NAMESPACES = 4;

function identities(result: RestoreResult): string[] {
  return result.objects.map((o) => `${o.groupResource} ${o.namespace ?? ''}/${o.name}`);
}

describe('Restorer in chunks and after a crash', () => {
  it('stops starting objects at the deadline and resumes from the continuation: nothing lost, nothing twice', async () => {
    // Arrange
    const recorder = recording(client);
    // The clock passes the deadline once 30 creates have been sent.
    const firstCall = new Restorer({
      client: recorder,
      store,
      crdPollIntervalMs: 20,
      now: () => new Date(recorder.created.length >= 30 ? 2_000 : 1_000),
    });
    const secondCall = new Restorer({ client: recorder, store, crdPollIntervalMs: 20 });

    // Act
    const first = await firstCall.restore({ backupName: BACKUP }, { deadline: 1_500 });
    const second = await secondCall.restore({
      backupName: BACKUP,
      ...(first.continuation ? { continuation: first.continuation } : {}),
    });

    // Assert
    expect(first.phase).toBe('InProgress');
    expect(first.continuation?.nextIndex).toBe(first.objects.length);
    expect(first.objects.length).toBeLessThan(first.totals.planned);
    expect(second.phase).toBe('Completed');
    expect(second.restoreId).toBe(first.restoreId);
    const all = [...identities(first), ...identities(second)];
    expect(new Set(all).size).toBe(all.length);
    expect(all).toHaveLength(second.totals.planned);
    expect(second.totals.created + second.totals.skippedExists).toBe(second.totals.planned);
    expect(second.totals.skippedExists).toBe(BUILTIN_NAMESPACES);
    const creates = recorder.created.map(
      (c) => `${groupResource(c.resource)} ${c.namespace ?? ''}/${c.object.metadata.name}`,
    );
    expect(new Set(creates).size).toBe(creates.length);
    expect(target.count('configmaps')).toBe(source.count('configmaps'));
  });

  it('completes what is missing when a restore killed half way is run again from the start', async () => {
    // Arrange
    const recorder = recording(client);
    const killed = new Restorer({
      client: recorder,
      store,
      crdPollIntervalMs: 20,
      now: () => new Date(recorder.created.length >= 40 ? 2_000 : 1_000),
    });
    const partial = await killed.restore({ backupName: BACKUP }, { deadline: 1_500 });
    const rerun = new Restorer({ client, store, crdPollIntervalMs: 20 });

    // Act
    const result = await rerun.restore({ backupName: BACKUP });

    // Assert
    expect(partial.phase).toBe('InProgress');
    expect(partial.totals.created + partial.totals.skippedExists).toBeGreaterThanOrEqual(40);
    expect(result.phase).toBe('Completed');
    expect(result.restoreId).not.toBe(partial.restoreId);
    expect(result.totals.skippedExists).toBe(partial.totals.created + partial.totals.skippedExists);
    expect(result.totals.created).toBe(result.totals.planned - result.totals.skippedExists);
    expect(target.count('configmaps')).toBe(source.count('configmaps'));
  });

  it('refuses a continuation made for another plan before writing anything', async () => {
    // Arrange
    const recorder = recording(client);
    const first = await new Restorer({
      client: recorder,
      store,
      now: () => new Date(recorder.created.length >= 5 ? 2 : 1),
    }).restore({ backupName: BACKUP }, { deadline: 1.5 });
    const before = recorder.created.length;
    const continuation = {
      ...(first.continuation as NonNullable<typeof first.continuation>),
      fingerprint: 'f'.repeat(64),
    };

    // Act
    const result = await new Restorer({ client: recorder, store }).restore({
      backupName: BACKUP,
      continuation,
    });

    // Assert
    expect(result.phase).toBe('Failed');
    expect(result.error?.name).toBe('RestoreContinuationMismatchError');
    expect(recorder.created.length).toBe(before);
  });
});

describe('Restorer with bad input', () => {
  it('writes nothing from an archive whose bytes do not match its manifest', async () => {
    // Arrange
    const archive = store.describeBackup(BACKUP, 'archive');
    const bytes = await readFile(archive);
    const middle = Math.floor(bytes.length / 2);
    bytes[middle] = (bytes[middle] ?? 0) ^ 0xff;
    await writeFile(archive, bytes);
    const recorder = recording(client);
    const objectsBefore = target.count();

    // Act
    const result = await new Restorer({ client: recorder, store }).restore({ backupName: BACKUP });

    // Assert
    expect(result.phase).toBe('Failed');
    expect(result.error?.name).toBe('ArchiveIntegrityError');
    expect(result.error?.message).toContain(`${BACKUP}.tar.gz`);
    expect(recorder.created).toHaveLength(0);
    expect(target.count()).toBe(objectsBefore);
  });

  it('writes nothing from a truncated archive', async () => {
    // Arrange
    const archive = store.describeBackup(BACKUP, 'archive');
    const bytes = await readFile(archive);
    await writeFile(archive, bytes.subarray(0, bytes.length - 100));
    const objectsBefore = target.count();

    // Act
    const result = await new Restorer({ client, store }).restore({ backupName: BACKUP });

    // Assert
    expect(result.phase).toBe('Failed');
    expect(result.error?.message).toMatch(/truncated|size/);
    expect(target.count()).toBe(objectsBefore);
  });

  it('throws on an invalid namespace mapping before reading anything', async () => {
    // Arrange
    const restorer = new Restorer({ client, store });

    // Act
    const attempt = restorer.restore({
      backupName: BACKUP,
      options: { namespaceMapping: { shop: 'Not_A_Namespace' } },
    });

    // Assert
    await expect(attempt).rejects.toThrow(/namespaceMapping\.shop.*Not_A_Namespace/);
  });
});
