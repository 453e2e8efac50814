import { describe, expect, it } from 'vitest';
import { InvalidExecutionInputError } from '../../src/plan/errors.ts';
import { parseExecutionInput } from '../../src/plan/execution-input.ts';
import { parsePlan } from '../../src/plan/load-plan.ts';
import type { DrPlan } from '../../src/plan/plan-schema.ts';
import { dnsSection, planWith } from './plan-fixtures.ts';

/** A plan with DNS, a drill mapping and approval on, the usual production shape. */
function deployedPlan(change: (plan: Record<string, unknown>) => void = () => {}): DrPlan {
  return parsePlan(
    planWith((p) => {
      p.dns = dnsSection();
      p.healthCheck = { url: 'https://shop-dr.example.com/healthz' };
      p.drill = { namespaceMapping: { shop: 'shop-drill' } };
      change(p);
    }),
    'test-plan.json',
  );
}

function issuesOf(input: unknown, plan: DrPlan = deployedPlan()): string[] {
  try {
    parseExecutionInput(input, plan);
  } catch (error) {
    if (!(error instanceof InvalidExecutionInputError)) throw error;
    return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
  }
  throw new Error('expected the input to be rejected');
}

describe('parseExecutionInput', () => {
  it('reads {} as "the deployed plan, newest verified backup"', () => {
    // Arrange
    const plan = deployedPlan();

    // Act
    const settings = parseExecutionInput({}, plan);

    // Assert
    expect(settings).toEqual({
      planName: 'shop',
      kind: 'failover',
      backupName: null,
      namespaceMapping: {},
      existingResourcePolicy: 'none',
      approvalRequired: true,
      dnsCutover: true,
      cleanup: false,
      reason: null,
    });
  });

  it.each([undefined, null, { Comment: 'Insert your JSON here' }])('treats %j like {}', (input) => {
    // Arrange
    const plan = deployedPlan();

    // Act
    const settings = parseExecutionInput(input, plan);

    // Assert
    expect(settings).toEqual(parseExecutionInput({}, plan));
  });

  it('takes every override an operator may set', () => {
    // Arrange
    const input = {
      planName: 'shop',
      backupName: 'shop-20240501-120000',
      namespaceMapping: { shop: 'shop-restored' },
      existingResourcePolicy: 'update',
      skipApproval: true,
      reason: '  eu-west-1 outage, INC-4711  ',
    };

    // Act
    const settings = parseExecutionInput(input, deployedPlan());

    // Assert
    expect(settings).toEqual({
      planName: 'shop',
      kind: 'failover',
      backupName: 'shop-20240501-120000',
      namespaceMapping: { shop: 'shop-restored' },
      existingResourcePolicy: 'update',
      approvalRequired: false,
      dnsCutover: true,
      cleanup: false,
      reason: 'eu-west-1 outage, INC-4711',
    });
  });

  it('runs a drill with the plan mapping, without DNS and without approval', () => {
    // Arrange
    const input = { drill: true };

    // Act
    const settings = parseExecutionInput(input, deployedPlan());

    // Assert
    expect(settings).toMatchObject({
      kind: 'drill',
      namespaceMapping: { shop: 'shop-drill' },
      dnsCutover: false,
      approvalRequired: false,
      cleanup: false,
    });
  });

  it('lets a drill choose cleanup and its own mapping over the plan', () => {
    // Arrange
    const input = { drill: true, cleanup: true, namespaceMapping: { shop: 'shop-gameday' } };

    // Act
    const settings = parseExecutionInput(input, deployedPlan());

    // Assert
    expect(settings.cleanup).toBe(true);
    expect(settings.namespaceMapping).toEqual({ shop: 'shop-gameday' });
  });

  it('follows the plan for cleanup and approval when the input is silent', () => {
    // Arrange
    const plan = deployedPlan((p) => {
      p.drill = { cleanup: true };
      p.failover = { approvalRequired: false };
      delete p.dns;
    });

    // Act
    const failover = parseExecutionInput({}, plan);
    const drill = parseExecutionInput({ drill: true }, plan);

    // Assert
    expect(failover).toMatchObject({ approvalRequired: false, dnsCutover: false, cleanup: false });
    expect(drill).toMatchObject({ cleanup: true });
  });

  it.each<[string, unknown, string]>([
    [
      'a backup name that is not a DNS name',
      { backupName: 'Shop Backup' },
      'backupName: backup name "Shop Backup": must be lowercase',
    ],
    ['a string for a boolean', { drill: 'true' }, 'drill: expected true or false, got "true"'],
    ['cleanup outside a drill', { cleanup: true }, 'cleanup: only applies to a drill: set "drill": true'],
    [
      'skipping approval without a reason',
      { skipApproval: true },
      'reason: is required when skipApproval is true',
    ],
    ['a blank reason', { reason: '   ' }, 'reason: must not be blank'],
    [
      'an unknown policy',
      { existingResourcePolicy: 'replace' },
      'existingResourcePolicy: expected one of none|update, got "replace"',
    ],
    [
      'two namespaces mapped to one',
      { namespaceMapping: { a: 'x', b: 'x' } },
      'namespaceMapping.b: a is already mapped to x',
    ],
    [
      'a bad namespace in the mapping',
      { namespaceMapping: { shop: 'Shop' } },
      'namespaceMapping.shop: expected a namespace name',
    ],
    ['a typo in a field name', { backupname: 'x' }, 'backupname: unknown field'],
    [
      'another plan name',
      { planName: 'billing' },
      'planName: is "billing" but this deployment runs plan shop',
    ],
    ['an array', [], '(root): expected an object, got an array'],
  ])('rejects %s, naming the field', (_what, input, expected) => {
    // Arrange
    const plan = deployedPlan();

    // Act
    const issues = issuesOf(input, plan);

    // Assert
    expect(issues).toContainEqual(expect.stringContaining(expected));
    expect(issues.find((line) => line.includes(expected))?.startsWith(expected)).toBe(true);
  });

  it('throws InvalidExecutionInputError whose message lists each field', () => {
    // Arrange
    const input = { cleanup: true, skipApproval: true };

    // Act
    const error = (() => {
      try {
        parseExecutionInput(input, deployedPlan());
      } catch (caught) {
        return caught as Error;
      }
    })();

    // Assert
    expect(error?.name).toBe('InvalidExecutionInputError');
    expect(error?.message).toBe(
      [
        'execution input: cleanup: only applies to a drill: set "drill": true',
        'execution input: reason: is required when skipApproval is true',
      ].join('\n'),
    );
  });
});
