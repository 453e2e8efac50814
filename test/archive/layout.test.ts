import { describe, expect, it } from 'vitest';
import {
  backupKeys,
  entryPath,
  InvalidBackupNameError,
  parseEntryPath,
  validateBackupName,
} from '../../src/archive/index.ts';

describe('layout', () => {
  it.each([
    ['', 'backups/n1/'],
    ['dr', 'dr/backups/n1/'],
    ['/team/dr/', 'team/dr/backups/n1/'],
  ])('places backup n1 under prefix %j at %s', (prefix, directory) => {
    // Arrange
    const name = 'n1';

    // Act
    const keys = backupKeys(prefix, name);

    // Assert
    expect(keys).toEqual({
      directory,
      manifest: `${directory}manifest.json`,
      archive: `${directory}n1.tar.gz`,
      archivePart: 'n1.tar.gz',
    });
  });

  it.each(['', 'Nightly', '-a', 'a_b', 'a/b', 'x'.repeat(64)])('refuses the backup name %j', (name) => {
    // Arrange
    const validate = () => validateBackupName(name);

    // Act
    const act = validate;

    // Assert
    expect(act).toThrow(InvalidBackupNameError);
  });

  it.each([
    [
      { resource: 'deployments', group: 'apps', namespace: 'shop', name: 'web' },
      'resources/deployments.apps/namespaces/shop/web.json',
    ],
    [
      { resource: 'configmaps', group: '', namespace: 'a', name: 'b' },
      'resources/configmaps/namespaces/a/b.json',
    ],
    [{ resource: 'nodes', group: '', name: 'ip-10-0-0-1' }, 'resources/nodes/cluster/ip-10-0-0-1.json'],
  ])('maps %j to %s and back', (location, path) => {
    // Arrange
    const expected = path;

    // Act
    const built = entryPath(location);
    const parsed = parseEntryPath(built);

    // Assert
    expect(built).toBe(expected);
    expect(parsed).toEqual(location);
  });

  it.each([
    'metadata/version',
    'resources/x/other/a.json',
    'resources/.apps/cluster/a.json',
    'resources/a/cluster/...json',
  ])('does not take %s for a resource entry', (path) => {
    // Arrange
    const candidate = path;

    // Act
    const parsed = parseEntryPath(candidate);

    // Assert
    expect(parsed).toBeUndefined();
  });
});
