import { describe, expect, it } from 'vitest';
import { InvalidRestoreOptionError } from '../../src/restore/errors.ts';
import {
  parseNamespaceList,
  parseNamespaceMapping,
  resolveRestoreOptions,
} from '../../src/restore/options.ts';

describe('parseNamespaceMapping', () => {
  it('reads source:target pairs separated by commas, ignoring blanks and spaces', () => {
    // Arrange
    const text = ' shop:shop-dr, ops:ops-dr,';

    // Act
    const mapping = parseNamespaceMapping(text);

    // Assert
    expect(mapping).toEqual({ shop: 'shop-dr', ops: 'ops-dr' });
  });

  it.each(['shop', 'shop:', ':shop', 'a:b:c', 'shop=shop-dr'])(
    'refuses %j, naming the pair and the syntax',
    (text) => {
      // Arrange
      const parse = () => parseNamespaceMapping(text);

      // Act
      const error = (() => {
        try {
          parse();
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();

      // Assert
      expect(error).toBeInstanceOf(InvalidRestoreOptionError);
      expect((error as Error).message).toContain(JSON.stringify(text.trim()));
      expect((error as Error).message).toContain("'source:target'");
    },
  );

  it('refuses a namespace mapped twice', () => {
    // Arrange
    const text = 'shop:a,shop:b';

    // Act
    const parse = () => parseNamespaceMapping(text);

    // Assert
    expect(parse).toThrow(/namespace shop is mapped twice/);
  });
});

describe('parseNamespaceList', () => {
  it('splits on commas and drops blanks', () => {
    // Arrange
    const text = 'shop, ops,,';

    // Act
    const list = parseNamespaceList(text);

    // Assert
    expect(list).toEqual(['shop', 'ops']);
  });
});

describe('resolveRestoreOptions', () => {
  it('fills defaults: policy none, no mapping, all namespaces', () => {
    // Arrange
    const options = {};

    // Act
    const resolved = resolveRestoreOptions(options);

    // Assert
    expect(resolved.existingResourcePolicy).toBe('none');
    expect(resolved.namespaceMapping.size).toBe(0);
    expect(resolved.includeNamespaces).toBeUndefined();
    expect(resolved.overrides.replicasPercent).toBeUndefined();
  });

  it.each([
    [
      { existingResourcePolicy: 'overwrite' as never },
      /existingResourcePolicy "overwrite": expected one of none, update/,
    ],
    [{ namespaceMapping: { shop: 'Shop_DR' } }, /namespaceMapping\.shop "Shop_DR"/],
    [{ namespaceMapping: { a: 'x', b: 'x' } }, /two namespaces map to x/],
    [{ includeNamespaces: ['ok', 'NOT OK'] }, /includeNamespaces "NOT OK"/],
    [
      { overrides: { replicas: { web: 2 } } },
      /overrides\.replicas "web": expected a key '<namespace>\/<Kind>\/<name>'/,
    ],
    [
      { overrides: { replicas: { 'shop/Deployment/web': -1 } } },
      /overrides\.replicas\.shop\/Deployment\/web -1/,
    ],
    [{ overrides: { replicasPercent: Number.NaN } }, /overrides\.replicasPercent/],
    [{ overrides: { imageRegistries: [{ from: '', to: 'x' }] } }, /overrides\.imageRegistries\.0/],
    [{ volumes: { 'pv-1': { volumeId: '', availabilityZone: 'eu-west-1a' } } }, /volumes\.pv-1/],
  ])('refuses %j naming the field', (options, message) => {
    // Arrange
    const resolve = () => resolveRestoreOptions(options);

    // Act
    let caught: unknown;
    try {
      resolve();
    } catch (error) {
      caught = error;
    }

    // Assert
    expect(caught).toBeInstanceOf(InvalidRestoreOptionError);
    expect((caught as Error).message).toMatch(message);
  });
});
