import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { baseDependencies } from '../../functions/shared/base.ts';
import {
  InvalidEnvironmentVariableError,
  MissingEnvironmentVariableError,
  optionalEnv,
  requireEnv,
  requireSide,
  stateMachinesFromEnv,
} from '../../functions/shared/env.ts';
import { deployedPlanEnvironment, InvalidPlanError, planVariableValue } from '../../src/plan/index.ts';
import { aPlan } from '../failover/failover-fixtures.ts';

describe('requireEnv', () => {
  it('returns the value of a set variable', () => {
    // Arrange
    const env = { EKS_DR_SIDE_REGION: 'dr' };

    // Act
    const value = requireEnv('EKS_DR_SIDE_REGION', env);

    // Assert
    expect(value).toBe('dr');
  });

  it.each([[{}], [{ NOTIFICATION_TOPIC_ARN: '  ' }]])(
    'throws naming a missing or blank variable (%j)',
    (env) => {
      // Arrange
      const name = 'NOTIFICATION_TOPIC_ARN';

      // Act
      const read = () => requireEnv(name, env);

      // Assert
      expect(read).toThrow(MissingEnvironmentVariableError);
      expect(read).toThrow(/NOTIFICATION_TOPIC_ARN is not set/);
    },
  );

  it('optionalEnv treats blank as absent', () => {
    // Arrange
    const env = { A: '', B: 'x' };

    // Act
    const values = [optionalEnv('A', env), optionalEnv('B', env), optionalEnv('C', env)];

    // Assert
    expect(values).toEqual([undefined, 'x', undefined]);
  });
});

describe('environment of the functions', () => {
  it('refuses a side other than primary or dr, naming the variable', () => {
    // Arrange
    const env = { EKS_DR_SIDE_REGION: 'eu-west-1' };

    // Act
    const read = () => requireSide(env);

    // Assert
    expect(read).toThrow(InvalidEnvironmentVariableError);
    expect(read).toThrow(/EKS_DR_SIDE_REGION: expected primary or dr, got "eu-west-1"/);
  });

  it('collects the state machine ARNs that are set', () => {
    // Arrange
    const env = { BACKUP_STATE_MACHINE_ARN: 'arn:b', DRILL_STATE_MACHINE_ARN: 'arn:d' };

    // Act
    const arns = stateMachinesFromEnv(env);

    // Assert
    expect(arns).toEqual({ backup: 'arn:b', drill: 'arn:d' });
  });

  it('fails at cold start when EKS_DR_PLAN is missing', () => {
    // Arrange
    const env = { EKS_DR_SIDE_REGION: 'dr' };

    // Act
    const wire = () => baseDependencies(env);

    // Assert
    expect(wire).toThrow(InvalidPlanError);
    expect(wire).toThrow(/EKS_DR_PLAN/);
  });

  it('fails at cold start when the plan was edited after deployment, naming both variables', () => {
    // Arrange
    const deployed = deployedPlanEnvironment(aPlan());
    const env = {
      ...deployed,
      EKS_DR_PLAN: planVariableValue(
        inflateRawSync(Buffer.from((deployed.EKS_DR_PLAN ?? '').replace(/^[^:]+:/, ''), 'base64'))
          .toString('utf8')
          .replace('"shop"', '"shop2"'),
      ),
      EKS_DR_SIDE_REGION: 'dr',
    };

    // Act
    const wire = () => baseDependencies(env);

    // Assert
    expect(wire).toThrow(InvalidPlanError);
    expect(wire).toThrow(/EKS_DR_PLAN: does not match EKS_DR_PLAN_SHA256: it was changed after deployment/);
  });

  it('wires lazily: a state machine the stack did not set fails only when asked for, naming its variable', () => {
    // Arrange
    const env = {
      ...deployedPlanEnvironment(aPlan()),
      EKS_DR_SIDE_REGION: 'dr',
      FAILOVER_STATE_MACHINE_ARN: 'arn:aws:states:eu-central-1:111122223333:stateMachine:shop-failover',
    };

    // Act
    const deps = baseDependencies(env);

    // Assert
    expect(deps.plan.name).toBe('shop');
    expect(deps.stateMachineArn('failover')).toMatch(/shop-failover$/);
    expect(() => deps.stateMachineArn('drill')).toThrow(/DRILL_STATE_MACHINE_ARN/);
  });
});
