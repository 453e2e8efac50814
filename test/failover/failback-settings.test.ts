// The settings a failback runs with, as the guard settles them: what changed in DR replaces the primary's
// (`update`) unless the input or the plan says otherwise, and what DR deleted is removed only when asked.
import { describe, expect, it } from 'vitest';
import { effectiveSettings } from '../../src/failover/guard.ts';
import { InvalidExecutionInputError } from '../../src/plan/index.ts';
import { aPlan } from './failover-fixtures.ts';

describe('effectiveSettings of a failback', () => {
  it('updates what the primary has and keeps what DR deleted, by default', () => {
    // Arrange
    const plan = aPlan();

    // Act
    const settings = effectiveSettings('failback', {}, plan);

    // Assert
    expect(plan.existingResourcePolicy).toBe('none');
    expect(settings).toMatchObject({ existingResourcePolicy: 'update', removeDeletedInDr: false });
  });

  it('takes the input over the plan, and the plan over the defaults', () => {
    // Arrange
    const plan = aPlan((raw) => {
      raw.failback = { existingResourcePolicy: 'none', removeDeletedInDr: true };
    });

    // Act
    const planned = effectiveSettings('failback', {}, plan);
    const given = effectiveSettings(
      'failback',
      { existingResourcePolicy: 'update', removeDeletedInDr: false },
      plan,
    );

    // Assert
    expect(planned).toMatchObject({ existingResourcePolicy: 'none', removeDeletedInDr: true });
    expect(given).toMatchObject({ existingResourcePolicy: 'update', removeDeletedInDr: false });
  });

  it('leaves a failover and a drill on the plan-wide policy, without removeDeletedInDr', () => {
    // Arrange
    const plan = aPlan();

    // Act
    const failover = effectiveSettings('failover', {}, plan);
    const drill = effectiveSettings('drill', {}, plan);

    // Assert
    expect(failover.existingResourcePolicy).toBe('none');
    expect(drill.existingResourcePolicy).toBe('none');
    expect('removeDeletedInDr' in failover || 'removeDeletedInDr' in drill).toBe(false);
  });

  it.each([
    ['failover', { removeDeletedInDr: true }, 'removeDeletedInDr: only applies to failback'],
    ['drill', { removeDeletedInDr: false }, 'removeDeletedInDr: only applies to failback'],
    ['failback', { removeDeletedInDr: 'yes' }, 'removeDeletedInDr: '],
  ] as const)('%s refuses %j, naming the field', (workflow, input, message) => {
    // Arrange
    const plan = aPlan();

    // Act
    const settle = () => effectiveSettings(workflow, input, plan);

    // Assert
    expect(settle).toThrow(InvalidExecutionInputError);
    expect(settle).toThrow(message);
  });
});
