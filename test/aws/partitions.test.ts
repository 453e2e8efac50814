import { describe, expect, it } from 'vitest';
import { awsPartition, regionalHost } from '../../src/aws/partitions.ts';

describe('awsPartition', () => {
  it.each([
    ['eu-west-1', 'aws', 'amazonaws.com', 'us-east-1'],
    ['cn-north-1', 'aws-cn', 'amazonaws.com.cn', 'cn-northwest-1'],
    ['cn-northwest-1', 'aws-cn', 'amazonaws.com.cn', 'cn-northwest-1'],
    ['us-gov-east-1', 'aws-us-gov', 'amazonaws.com', 'us-gov-west-1'],
    ['us-iso-east-1', 'aws-iso', 'c2s.ic.gov', 'us-iso-east-1'],
  ])(
    'puts %s in %s, whose endpoints end in %s and whose global services answer in %s',
    (region, name, dnsSuffix, globalRegion) => {
      // Arrange / Act
      const found = awsPartition(region);

      // Assert
      expect(found).toEqual({ name, dnsSuffix, globalRegion });
    },
  );
});

describe('regionalHost', () => {
  it.each([
    ['sts', 'eu-west-1', 'sts.eu-west-1.amazonaws.com'],
    ['s3', 'cn-north-1', 's3.cn-north-1.amazonaws.com.cn'],
    ['ec2', 'us-gov-east-1', 'ec2.us-gov-east-1.amazonaws.com'],
  ])('names %s in %s %s', (service, region, host) => {
    // Arrange / Act
    const answer = regionalHost(service, region);

    // Assert
    expect(answer).toBe(host);
  });
});
