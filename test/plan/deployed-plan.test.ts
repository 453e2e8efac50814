import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  deployedPlan,
  deployedPlanEnvironment,
  InvalidPlanError,
  PLAN_FINGERPRINT_VARIABLE,
  PLAN_VARIABLE,
  parsePlan,
  planFingerprint,
  planVariableValue,
} from '../../src/plan/index.ts';
import { loadPlanFile } from '../../src/plan/load-plan-file.ts';

const EXAMPLE = join(import.meta.dirname, '..', '..', 'eks-dr.config.example.json');

function errorOf(run: () => unknown): InvalidPlanError {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidPlanError) return error;
    throw error;
  }
  throw new Error('expected an InvalidPlanError');
}

describe('deployedPlan', () => {
  it('reads back exactly the plan synth validated, which the schema would leave as it is', () => {
    // Arrange
    const plan = loadPlanFile(EXAMPLE);
    const env = deployedPlanEnvironment(plan);

    // Act
    const deployed = deployedPlan(env[PLAN_VARIABLE], env[PLAN_FINGERPRINT_VARIABLE]);

    // Assert: nothing the schema adds (defaults, normalised names) is lost on the way through JSON.
    expect(deployed).toEqual(plan);
    expect(parsePlan(deployed, 'test')).toEqual(deployed);
    expect(env[PLAN_FINGERPRINT_VARIABLE]).toMatch(/^[0-9a-f]{64}$/);
  });

  it('writes the plan deflated (under 60% of its JSON, base64 included) and still reads plain JSON', () => {
    // Arrange
    const plan = loadPlanFile(EXAMPLE);
    const env = deployedPlanEnvironment(plan);
    const json = JSON.stringify(plan);

    // Act
    const fromCompressed = deployedPlan(env[PLAN_VARIABLE], env[PLAN_FINGERPRINT_VARIABLE]);
    const fromPlain = deployedPlan(json, planFingerprint(json));

    // Assert
    expect(env[PLAN_VARIABLE]).toMatch(/^deflate\+base64:/);
    expect((env[PLAN_VARIABLE] ?? '').length).toBeLessThan(json.length * 0.6);
    expect(fromCompressed).toEqual(plan);
    expect(fromPlain).toEqual(plan);
  });

  it('refuses JSON changed after deployment, even a change the schema would accept', () => {
    // Arrange
    const env = deployedPlanEnvironment(loadPlanFile(EXAMPLE));
    const json = inflateRawSync(Buffer.from((env[PLAN_VARIABLE] ?? '').replace(/^[^:]+:/, ''), 'base64'));
    const edited = planVariableValue(
      json.toString('utf8').replace('"autoFailover":false', '"autoFailover":true'),
    );

    // Act
    const error = errorOf(() => deployedPlan(edited, env[PLAN_FINGERPRINT_VARIABLE]));

    // Assert
    expect(edited).not.toBe(env[PLAN_VARIABLE]);
    expect(error.message).toBe(
      'environment variable EKS_DR_PLAN: does not match EKS_DR_PLAN_SHA256: it was changed after deployment; change the config file and run cdk deploy instead',
    );
  });

  it.each([
    [
      undefined,
      'a'.repeat(64),
      'environment variable EKS_DR_PLAN: is not set; it must hold the plan as JSON',
    ],
    [
      '{}',
      undefined,
      'environment variable EKS_DR_PLAN_SHA256: is not set; cdk deploy sets it beside EKS_DR_PLAN',
    ],
    [
      '{}',
      'ABC',
      'environment variable EKS_DR_PLAN_SHA256: is not a SHA-256 in hex; cdk deploy sets it beside EKS_DR_PLAN',
    ],
  ])(
    'names the variable that is missing or malformed (plan %j, fingerprint %j)',
    (json, fingerprint, message) => {
      // Arrange
      const read = () => deployedPlan(json, fingerprint);

      // Act
      const error = errorOf(read);

      // Assert
      expect(error.message).toBe(message);
    },
  );

  it.each([
    ['[1,2]', 'is not a JSON object'],
    ['{"name": ', 'not valid JSON'],
  ])('refuses fingerprinted text that is not a plan object (%j)', (json, problem) => {
    // Arrange
    const fingerprint = planFingerprint(json);

    // Act
    const error = errorOf(() => deployedPlan(json, fingerprint));

    // Assert
    expect(error.message).toContain(`environment variable EKS_DR_PLAN: ${problem}`);
  });

  it('fingerprints the exact bytes: the same plan with other whitespace is another fingerprint', () => {
    // Arrange
    const compact = readFileSync(EXAMPLE, 'utf8');

    // Act
    const a = planFingerprint(compact);
    const b = planFingerprint(`${compact}\n`);

    // Assert
    expect(a).not.toBe(b);
    expect(a).toBe(planFingerprint(compact));
  });
});
