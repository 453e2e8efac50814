import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { compare, gte } from '../../../functions/shared/semver-gte.ts';

// The real semver package is the oracle: the stand-in must agree with it on every pair it can be asked.
const VERSIONS = [
  '0.0.0',
  '0.9.12',
  '1.0.0-alpha',
  '1.0.0-alpha.1',
  '1.0.0-alpha.beta',
  '1.0.0-beta',
  '1.0.0-beta.2',
  '1.0.0-beta.11',
  '1.0.0-rc.1',
  '1.0.0',
  '1.0.0+build.5',
  'v1.0.1',
  '2.7.15',
  '2.1692.0',
  '8.0.0',
  '20.20.2',
  '22.11.0',
  '10.0.0-0',
];

describe('semver gte stand-in of the Lambda bundles', () => {
  it('orders every pair of versions as semver does, pre-releases and build metadata included', () => {
    // Arrange
    const pairs = VERSIONS.flatMap((a) => VERSIONS.map((b) => [a, b] as const));

    // Act
    const disagreements = pairs.filter(
      ([a, b]) => gte(a, b) !== semver.gte(a, b) || compare(a, b) !== semver.compare(a, b),
    );

    // Assert
    expect(pairs).toHaveLength(VERSIONS.length ** 2);
    expect(disagreements).toEqual([]);
  });

  it('answers the question its caller asks: is the v2 SDK at least 2.7.15', () => {
    // Arrange
    const minimum = '2.7.15';

    // Act
    const recent = gte('2.1692.0', minimum);
    const old = gte('2.7.14', minimum);

    // Assert
    expect(recent).toBe(true);
    expect(old).toBe(false);
  });

  it.each(['', 'one.two.three', '1.2', '1.2.3.4', '1.2.3-'])('throws on %j as semver does', (bad) => {
    // Arrange
    const call = () => gte(bad, '1.0.0');

    // Act
    const attempt = () => semver.gte(bad, '1.0.0');

    // Assert
    expect(call).toThrow(`Invalid Version: ${bad}`);
    expect(attempt).toThrow(TypeError);
  });
});
