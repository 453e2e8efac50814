import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openBackupStore, splitBackupPath } from '../../../cli/open-store.ts';
import {
  InvalidBackupLocationError,
  InvalidBackupNameError,
  LocalDirectoryStore,
} from '../../../src/archive/index.ts';

describe('openBackupStore', () => {
  it('opens a LocalDirectoryStore for a path', () => {
    // Arrange
    const location = 'tmp/backups-here';

    // Act
    const store = openBackupStore(location);

    // Assert
    expect(store).toBeInstanceOf(LocalDirectoryStore);
    expect(store.describe()).toBe(resolve(location));
  });

  it.each([
    ['', 'expected a directory path or s3://bucket[/prefix]'],
    ['https://example.com/backups', 'only local paths and s3:// URLs are supported'],
    ['s3://', 'has no bucket name after s3://'],
  ])('refuses the location %j', (location, message) => {
    // Arrange
    const open = () => openBackupStore(location);

    // Act
    const act = open;

    // Assert
    expect(act).toThrow(InvalidBackupLocationError);
    expect(act).toThrow(message);
  });

  it('refuses an S3 endpoint that is not an http(s) URL before creating a client', () => {
    // Arrange
    const options = { s3Endpoint: 'localhost:4569' };

    // Act
    const act = () => openBackupStore('s3://bucket/prefix', options);

    // Assert
    expect(act).toThrow('backup location "localhost:4569": S3 endpoint must be an http:// or https:// URL');
  });
});

describe('splitBackupPath', () => {
  it.each([
    ['s3://bucket/prefix/backups/nightly-1', { location: 's3://bucket/prefix', name: 'nightly-1' }],
    ['s3://bucket/backups/nightly-1/', { location: 's3://bucket', name: 'nightly-1' }],
    ['/data/backups/backups/n', { location: '/data/backups', name: 'n' }],
    ['backups/n', { location: '.', name: 'n' }],
    ['/backups/n', { location: '/', name: 'n' }],
  ])('splits %s', (path, expected) => {
    // Arrange
    const input = path;

    // Act
    const split = splitBackupPath(input);

    // Assert
    expect(split).toEqual(expected);
  });

  it.each([
    ['/data/nightly-1', InvalidBackupLocationError],
    ['/data/backups/Nightly', InvalidBackupNameError],
    ['s3://backups/n', InvalidBackupLocationError],
  ])('refuses %s', (path, type) => {
    // Arrange
    const input = path;

    // Act
    const act = () => splitBackupPath(input);

    // Assert
    expect(act).toThrow(type);
  });
});
