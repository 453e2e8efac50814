import { describe, expect, it } from 'vitest';
import {
  availabilityZoneProblem,
  bucketNameProblem,
  parseKmsKeyArn,
  partitionOf,
  qualifiedNameProblem,
  regionProblem,
  registryProblem,
  workloadKeyProblem,
} from '../../src/plan/aws-names.ts';

describe('regions and partitions', () => {
  it.each([
    ['eu-west-1', 'aws'],
    ['ap-southeast-7', 'aws'],
    ['mx-central-1', 'aws'],
    ['il-central-1', 'aws'],
    ['ca-west-1', 'aws'],
    ['cn-northwest-1', 'aws-cn'],
    ['us-gov-west-1', 'aws-us-gov'],
    ['us-iso-east-1', 'aws-iso'],
    ['us-isob-east-1', 'aws-iso-b'],
    ['eu-isoe-west-1', 'aws-iso-e'],
  ])('accepts %s in partition %s', (region, partition) => {
    // Arrange
    const name = region;

    // Act
    const problem = regionProblem(name);

    // Assert
    expect(problem).toBeUndefined();
    expect(partitionOf(name)).toBe(partition);
  });

  it.each([
    ['eu-west', 'expected an AWS region name like eu-west-1, got "eu-west"'],
    ['euw1', 'expected an AWS region name like eu-west-1, got "euw1"'],
    ['eu-west-1 ', 'expected an AWS region name like eu-west-1, got "eu-west-1 "'],
    ['us-east-1f', '"us-east-1f" is an availability zone; expected its region, us-east-1'],
    ['Eu-West-1', 'expected a lowercase region name, eu-west-1'],
  ])('rejects %j', (region, expected) => {
    // Arrange
    const name = region;

    // Act
    const problem = regionProblem(name);

    // Assert
    expect(problem).toBe(expected);
  });
});

describe('parseKmsKeyArn', () => {
  it('splits a key ARN into partition, region, account and resource', () => {
    // Arrange
    const arn = 'arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab';

    // Act
    const parsed = parseKmsKeyArn(arn);

    // Assert
    expect(parsed).toEqual({
      partition: 'aws-us-gov',
      region: 'us-gov-west-1',
      account: '111122223333',
      resource: 'key/1234abcd-12ab-34cd-56ef-1234567890ab',
    });
  });

  it.each([
    'arn:aws:kms:eu-west-1:1111:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    'arn:aws:s3:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    'arn:aws:kms:europe:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    'arn:aws:kms:eu-west-1:111122223333:key/not-a-key-id',
    42,
  ])('returns undefined for %j', (value) => {
    // Arrange
    const input = value;

    // Act
    const parsed = parseKmsKeyArn(input);

    // Assert
    expect(parsed).toBeUndefined();
  });
});

describe('names', () => {
  it.each<[string, string | undefined]>([
    ['shop-backups.eu-west-1', undefined],
    ['a'.repeat(64), 'must be 3 to 63 characters, got 64'],
    ['shop..backups', 'must not contain two adjacent periods'],
    ['xn--shop', 'must not start with the reserved prefix xn--'],
    [
      'shop-backups-',
      'must be lowercase letters, digits, "." and "-", starting and ending with a letter or digit',
    ],
  ])('bucket %j', (name, expected) => {
    // Arrange
    const bucket = name;

    // Act
    const problem = bucketNameProblem(bucket);

    // Assert
    expect(problem).toBe(expected);
  });

  it.each<[string, string, boolean]>([
    ['eu-west-1a', 'eu-west-1', true],
    ['us-west-2-lax-1a', 'us-west-2', true],
    ['eu-west-1', 'eu-west-1', false],
    ['eu-west-10a', 'eu-west-1', false],
    ['euw1-az1', 'eu-west-1', false],
  ])('availability zone %s of %s is valid: %s', (zone, region, valid) => {
    // Arrange
    const name = zone;

    // Act
    const problem = availabilityZoneProblem(name, region);

    // Assert
    expect(problem === undefined).toBe(valid);
  });

  it.each<[string, boolean]>([
    ['123456789012.dkr.ecr.eu-west-1.amazonaws.com', true],
    ['ghcr.io/acme', true],
    ['registry.local:5000/team/app', true],
    ['docker.io/library/nginx:1.27', false],
    ['GHCR.io', false],
    ['ghcr.io/', false],
  ])('registry %j is valid: %s', (registry, valid) => {
    // Arrange
    const value = registry;

    // Act
    const problem = registryProblem(value);

    // Assert
    expect(problem === undefined).toBe(valid);
  });

  it.each<[string, boolean]>([
    ['eks-dr.io/restored', true],
    ['restored', true],
    ['Example.com/x', false],
    ['eks-dr.io/', false],
    ['a/b/c', false],
  ])('annotation key %j is valid: %s', (key, valid) => {
    // Arrange
    const value = key;

    // Act
    const problem = qualifiedNameProblem(value);

    // Assert
    expect(problem === undefined).toBe(valid);
  });

  it.each<[string, boolean]>([
    ['shop/Deployment/web', true],
    ['shop/StatefulSet/db-0.primary', true],
    ['*', true],
    ['shop/deployment/web', false],
    ['shop/Deployment', false],
    ['shop/Deployment/web/extra', false],
    ['Shop/Deployment/web', false],
  ])('workload key %j is valid: %s', (key, valid) => {
    // Arrange
    const value = key;

    // Act
    const problem = workloadKeyProblem(value);

    // Assert
    expect(problem === undefined).toBe(valid);
  });
});
