import { describe, expect, it } from 'vitest';
import { InvalidRestoreOptionError } from '../../src/restore/errors.ts';
import {
  parseNamespaceList,
  parseNamespaceMapping,
  recoveryRestoreOptions,
  resolveRestoreOptions,
  restoreOverrides,
} from '../../src/restore/options.ts';
import { aPlan } from '../failover/failover-fixtures.ts';

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

describe('restoreOverrides', () => {
  it('maps counts per workload and `*` as a percentage, and hands every other pairing to onSkipped', () => {
    // Arrange
    const skipped: [string, unknown][] = [];
    const plan = aPlan((raw) => {
      raw.dr = {
        ...(raw.dr as object),
        overrides: {
          replicas: { '*': '50%', 'shop/Deployment/web': 2, 'shop/Deployment/api': '25%' },
          imageRegistries: [{ from: 'ghcr.io/acme', to: '123456789012.dkr.ecr.eu-central-1.amazonaws.com' }],
          storageClasses: { gp2: 'gp3' },
          annotations: { 'eks-dr/restored': 'true' },
        },
      };
    });

    // Act
    const overrides = restoreOverrides(plan.dr.overrides, (workload, override) =>
      skipped.push([workload, override]),
    );

    // Assert
    expect(overrides).toEqual({
      replicas: { 'shop/Deployment/web': 2 },
      replicasPercent: 50,
      imageRegistries: [{ from: 'ghcr.io/acme', to: '123456789012.dkr.ecr.eu-central-1.amazonaws.com' }],
      storageClasses: { gp2: 'gp3' },
      annotations: { 'eks-dr/restored': 'true' },
    });
    expect(skipped).toEqual([['shop/Deployment/api', '25%']]);
  });
});

describe('recoveryRestoreOptions', () => {
  const plan = aPlan((raw) => {
    raw.dr = { ...(raw.dr as object), overrides: { replicas: { '*': '50%' } } };
  });

  it('takes the mapping and `update` the guard settled, the DR overrides only into DR, the privilege guard always', () => {
    // Arrange
    const guard = { namespaceMapping: { shop: 'shop-rehearsal' }, existingResourcePolicy: 'update' };

    // Act
    const intoDr = recoveryRestoreOptions(plan, 'dr', guard);
    const intoPrimary = recoveryRestoreOptions(plan, 'primary', guard);

    // Assert
    expect(intoDr).toMatchObject({
      namespaceMapping: { shop: 'shop-rehearsal' },
      existingResourcePolicy: 'update',
      overrides: { replicasPercent: 50 },
    });
    expect(intoPrimary).toEqual({
      namespaceMapping: { shop: 'shop-rehearsal' },
      existingResourcePolicy: 'update',
      privilegeGuard: { refuseSubjects: [], allowSubjects: [] },
    });
  });

  it('leaves to the plan what the guard did not settle or settled in another shape', () => {
    // Arrange
    const guard = { namespaceMapping: { shop: 7 }, existingResourcePolicy: 'replace' };

    // Act
    const options = recoveryRestoreOptions(plan, 'primary', guard);
    const withoutGuard = recoveryRestoreOptions(plan, 'primary', undefined);

    // Assert
    expect(options).toEqual({
      namespaceMapping: {},
      existingResourcePolicy: 'update',
      privilegeGuard: plan.privilegeGuard,
    });
    expect(withoutGuard).toEqual(options);
    expect(recoveryRestoreOptions(plan, 'dr', guard).existingResourcePolicy).toBe(
      plan.existingResourcePolicy,
    );
  });

  it('restores into the primary with `update` by default and the policy the guard settled otherwise', () => {
    // Arrange
    const settledNone = { existingResourcePolicy: 'none' };

    // Act
    const byDefault = recoveryRestoreOptions(plan, 'primary', undefined);
    const asSettled = recoveryRestoreOptions(plan, 'primary', settledNone);

    // Assert
    expect(byDefault.existingResourcePolicy).toBe('update');
    expect(asSettled.existingResourcePolicy).toBe('none');
  });
});
