// The privilege guard (issue 16): a backup is data anyone with write access to its bucket could have
// planted, so a restore refuses, and reports, role bindings to subjects that would hand a role to everybody.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { KubeApiSimulator } from '../../sandbox/kube/simulator.ts';
import type { LocalDirectoryStore } from '../../src/archive/stores/local-directory-store.ts';
import type { HttpClusterClient } from '../../src/kube/cluster-client.ts';
import type { KubeObject } from '../../src/kube/kube-object.ts';
import { InvalidRestoreOptionError } from '../../src/restore/errors.ts';
import { resolveRestoreOptions } from '../../src/restore/options.ts';
import { Restorer } from '../../src/restore/restorer.ts';
import { backUp, fastClient, startSimulator, temporaryStore } from './restore-harness.ts';

const BACKUP = 'planted';
const RBAC = 'rbac.authorization.k8s.io/v1';

function clusterAdminFor(name: string, subject: Record<string, string>): KubeObject {
  return {
    apiVersion: RBAC,
    kind: 'ClusterRoleBinding',
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [subject],
  };
}

const PLANTED = clusterAdminFor('everyone-is-admin', {
  apiGroup: 'rbac.authorization.k8s.io',
  kind: 'Group',
  name: 'system:unauthenticated',
});
const ANONYMOUS = clusterAdminFor('anonymous-admin', {
  apiGroup: 'rbac.authorization.k8s.io',
  kind: 'User',
  name: 'system:anonymous',
});
const HONEST = clusterAdminFor('ops-admin', {
  apiGroup: 'rbac.authorization.k8s.io',
  kind: 'Group',
  name: 'ops',
});

let source: KubeApiSimulator;
let target: KubeApiSimulator;
let store: LocalDirectoryStore;
let cleanup: () => Promise<void>;
let client: HttpClusterClient;

beforeEach(async () => {
  source = await startSimulator();
  target = await startSimulator();
  source.load([PLANTED, ANONYMOUS, HONEST]);
  ({ store, cleanup } = await temporaryStore());
  await backUp(source, store, BACKUP);
  client = fastClient(target);
});

afterEach(async () => {
  client.close();
  await Promise.all([source.stop(), target.stop()]);
  await cleanup();
});

async function bindingNames(): Promise<string[]> {
  const { resources } = await client.discover();
  const bindings = resources.find(
    (r) => r.group === 'rbac.authorization.k8s.io' && r.kind === 'ClusterRoleBinding',
  );
  if (bindings === undefined) throw new Error('no clusterrolebindings in the target');
  const names: string[] = [];
  for (const name of ['everyone-is-admin', 'anonymous-admin', 'ops-admin']) {
    if (await client.get(bindings, undefined, name)) names.push(name);
  }
  return names;
}

describe('the privilege guard at restore', () => {
  it('refuses bindings to system:unauthenticated and system:anonymous, reports each, restores the rest', async () => {
    // Arrange
    const restorer = new Restorer({ client, store });

    // Act
    const result = await restorer.restore({ backupName: BACKUP });

    // Assert
    expect(await bindingNames()).toEqual(['ops-admin']);
    expect(result.phase).toBe('PartiallyFailed');
    const refused = result.failures.map((failure) => `${failure.name}: ${failure.message}`);
    expect(refused).toEqual(
      expect.arrayContaining([
        expect.stringContaining(
          'everyone-is-admin: clusterrolebindings.rbac.authorization.k8s.io everyone-is-admin: refused: binds ClusterRole cluster-admin to Group:system:unauthenticated',
        ),
        expect.stringContaining(
          'anonymous-admin: clusterrolebindings.rbac.authorization.k8s.io anonymous-admin: refused: binds ClusterRole cluster-admin to User:system:anonymous',
        ),
      ]),
    );
  });

  it('lets through what the plan allows, and refuses what it adds', async () => {
    // Arrange
    const restorer = new Restorer({ client, store });

    // Act
    const result = await restorer.restore({
      backupName: BACKUP,
      options: {
        privilegeGuard: { allowSubjects: ['Group:system:unauthenticated'], refuseSubjects: ['Group:ops'] },
      },
    });

    // Assert
    expect(await bindingNames()).toEqual(['everyone-is-admin']);
    expect(result.failures.map((failure) => failure.name).sort()).toEqual(['anonymous-admin', 'ops-admin']);
  });

  it('refuses a subject that is not Kind:name before anything is read', () => {
    // Act
    const resolve = () => resolveRestoreOptions({ privilegeGuard: { allowSubjects: ['system:anonymous'] } });

    // Assert
    expect(resolve).toThrow(InvalidRestoreOptionError);
    expect(resolve).toThrow(
      `restore option privilegeGuard.allowSubjects "system:anonymous": expected 'User:<name>', 'Group:<name>' or 'ServiceAccount:<namespace>/<name>'`,
    );
  });
});
