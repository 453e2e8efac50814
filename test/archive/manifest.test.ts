import { describe, expect, it } from 'vitest';
import {
  InvalidManifestError,
  parseManifestJson,
  serializeManifest,
  UnsupportedFormatVersionError,
} from '../../src/archive/index.ts';
import { aManifest } from './archive-helpers.ts';

describe('manifest', () => {
  it('round-trips through manifest.json text with defaults filled in', () => {
    // Arrange
    const input = aManifest({ sourceRegion: 'eu-west-1' });

    // Act
    const text = serializeManifest(input, 'manifest.json');
    const parsed = parseManifestJson(text, 'manifest.json');

    // Assert
    expect(parsed).toEqual({
      ...input,
      filters: {},
      volumeSnapshots: [],
      copiedRegions: [],
      warnings: [],
    });
    expect(serializeManifest(parsed, 'manifest.json')).toBe(text);
  });

  it('refuses a manifest of another major format version by naming the version, not the schema', () => {
    // Arrange
    const text = JSON.stringify({ formatVersion: '2.0.0', reshaped: true });

    // Act
    const act = () => parseManifestJson(text, 's3://b/backups/x/manifest.json');

    // Assert
    expect(act).toThrow(UnsupportedFormatVersionError);
    expect(act).toThrow(
      'manifest s3://b/backups/x/manifest.json: has format version "2.0.0", this reader supports 1.x (1.1.0)',
    );
  });

  it('names each field at fault', () => {
    // Arrange
    const text = JSON.stringify({
      ...aManifest(),
      totalObjects: 4,
      parts: [{ name: 'a/b', sha256: 'XY', size: -1 }],
    });

    // Act
    let error: unknown;
    try {
      parseManifestJson(text, 'manifest.json');
    } catch (caught) {
      error = caught;
    }

    // Assert
    expect(error).toBeInstanceOf(InvalidManifestError);
    const paths = (error as InvalidManifestError).issues.map((issue) => issue.path);
    expect(paths).toEqual(expect.arrayContaining(['parts.0.name', 'parts.0.sha256', 'parts.0.size']));
    expect((error as Error).message).toMatch(/^manifest manifest\.json: /);
  });

  it('refuses text that is not JSON, naming the file', () => {
    // Arrange
    const text = '{"formatVersion": "1.1.0",';

    // Act
    const act = () => parseManifestJson(text, '/backups/x/manifest.json');

    // Assert
    expect(act).toThrow(/^manifest \/backups\/x\/manifest\.json: \(root\): not valid JSON/);
  });

  it('refuses totals that do not add up and a completion before creation', () => {
    // Arrange
    const manifest = aManifest({ totalObjects: 5, completed: '2024-05-01T11:00:00Z' });

    // Act
    const act = () => serializeManifest(manifest, 'manifest.json');

    // Assert
    expect(act).toThrow(/totalObjects: is 5 but counts add up to 3; completed: is before created/);
  });
});
