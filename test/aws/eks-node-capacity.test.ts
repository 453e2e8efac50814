import {
  DescribeNodegroupCommand,
  DescribeUpdateCommand,
  EKSClient,
  InvalidParameterException,
  ResourceInUseException,
  ResourceNotFoundException,
  ServerException,
  UpdateNodegroupConfigCommand,
} from '@aws-sdk/client-eks';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { EksNodeCapacity } from '../../src/aws/eks-node-capacity.ts';
import { AwsTransientError } from '../../src/aws/errors.ts';

const eks = mockClient(EKSClient);
const capacity = () => new EksNodeCapacity(new EKSClient({}));

describe('EksNodeCapacity', () => {
  beforeEach(() => {
    eks.reset();
  });

  it('scales a node group with one UpdateNodegroupConfig carrying min, desired and max', async () => {
    // Arrange
    eks.on(UpdateNodegroupConfigCommand).resolves({ update: { id: 'upd-1', status: 'InProgress' } });

    // Act
    const updateId = await capacity().scaleNodeGroup('dr', 'workers', { min: 2, desired: 3, max: 6 });

    // Assert
    expect(updateId).toBe('upd-1');
    expect(eks).toHaveReceivedCommandExactlyOnceWith(UpdateNodegroupConfigCommand, {
      clusterName: 'dr',
      nodegroupName: 'workers',
      scalingConfig: { minSize: 2, desiredSize: 3, maxSize: 6 },
    });
  });

  it.each([
    [{ min: 3, desired: 2, max: 6 }, /min ≤ desired ≤ max/],
    [{ min: 0, desired: 0, max: 0 }, /max 0 must be ≥ 1/],
    [{ min: -1, desired: 0, max: 1 }, /min -1 must be a whole number/],
    [{ min: 0, desired: 1.5, max: 2 }, /desired 1.5 must be a whole number/],
  ])('rejects scaling %o before calling EKS', async (scaling, message) => {
    // Arrange
    const adapter = capacity();

    // Act
    const call = adapter.scaleNodeGroup('dr', 'workers', scaling);

    // Assert
    await expect(call).rejects.toMatchObject({ name: 'InvalidScalingConfigError', message });
    expect(eks).not.toHaveReceivedAnyCommand();
  });

  it.each([
    [
      new ResourceNotFoundException({ message: 'No node group found', $metadata: {} }),
      'NodeGroupNotFoundError',
    ],
    [new ResourceInUseException({ message: 'update in progress', $metadata: {} }), 'NodeGroupBusyError'],
    [
      new InvalidParameterException({ message: 'desired above max', $metadata: {} }),
      'InvalidScalingConfigError',
    ],
    [new ServerException({ message: 'boom', $metadata: { httpStatusCode: 500 } }), 'AwsTransientError'],
  ])('maps %s from UpdateNodegroupConfig to %s with the SDK error as cause', async (sdkError, name) => {
    // Arrange
    eks.on(UpdateNodegroupConfigCommand).rejects(sdkError);

    // Act
    const error = await capacity()
      .scaleNodeGroup('dr', 'workers', { min: 1, desired: 2, max: 3 })
      .catch((e: unknown) => e);

    // Assert
    expect(error).toMatchObject({ name });
    expect((error as Error).message).toContain('workers');
    expect((error as Error).cause).toBe(sdkError);
  });

  it('describes a node group: status, sizes and health issues', async () => {
    // Arrange
    eks.on(DescribeNodegroupCommand).resolves({
      nodegroup: {
        nodegroupName: 'workers',
        status: 'DEGRADED',
        scalingConfig: { minSize: 0, desiredSize: 3, maxSize: 6 },
        health: { issues: [{ code: 'AsgInstanceLaunchFailures', message: 'InsufficientInstanceCapacity' }] },
      },
    });

    // Act
    const state = await capacity().describeNodeGroup('dr', 'workers');

    // Assert
    expect(eks).toHaveReceivedCommandWith(DescribeNodegroupCommand, {
      clusterName: 'dr',
      nodegroupName: 'workers',
    });
    expect(state).toEqual({
      cluster: 'dr',
      nodegroup: 'workers',
      status: 'DEGRADED',
      min: 0,
      desired: 3,
      max: 6,
      issues: ['AsgInstanceLaunchFailures: InsufficientInstanceCapacity'],
    });
  });

  it('maps an unknown node group to NodeGroupNotFoundError naming cluster and node group', async () => {
    // Arrange
    const sdkError = new ResourceNotFoundException({
      message: 'No node group found for name: nope',
      $metadata: {},
    });
    eks.on(DescribeNodegroupCommand).rejects(sdkError);

    // Act
    const error = await capacity()
      .describeNodeGroup('dr', 'nope')
      .catch((e: unknown) => e);

    // Assert
    expect(error).toMatchObject({
      name: 'NodeGroupNotFoundError',
      cluster: 'dr',
      nodegroup: 'nope',
      cause: sdkError,
    });
    expect((error as Error).message).toBe('node group "nope" not found in cluster "dr"');
  });

  it('describes a failed update with its errors', async () => {
    // Arrange
    eks.on(DescribeUpdateCommand).resolves({
      update: {
        id: 'upd-1',
        status: 'Failed',
        errors: [{ errorCode: 'NodeCreationFailure', errorMessage: 'Instances failed to join the cluster' }],
      },
    });

    // Act
    const update = await capacity().describeUpdate('dr', 'workers', 'upd-1');

    // Assert
    expect(eks).toHaveReceivedCommandWith(DescribeUpdateCommand, {
      name: 'dr',
      nodegroupName: 'workers',
      updateId: 'upd-1',
    });
    expect(update).toEqual({
      id: 'upd-1',
      status: 'Failed',
      errors: [{ code: 'NodeCreationFailure', message: 'Instances failed to join the cluster' }],
    });
  });

  it('maps an unknown update id to NodeGroupUpdateNotFoundError and throttling to AwsTransientError', async () => {
    // Arrange
    const missing = new ResourceNotFoundException({ message: 'No update found', $metadata: {} });
    const throttled = Object.assign(new Error('Rate exceeded'), {
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 429 },
    });
    eks.on(DescribeUpdateCommand, { updateId: 'gone' }).rejects(missing);
    eks.on(DescribeUpdateCommand, { updateId: 'busy' }).rejects(throttled);

    // Act
    const notFound = await capacity()
      .describeUpdate('dr', 'workers', 'gone')
      .catch((e: unknown) => e);
    const transient = await capacity()
      .describeUpdate('dr', 'workers', 'busy')
      .catch((e: unknown) => e);

    // Assert
    expect(notFound).toMatchObject({
      name: 'NodeGroupUpdateNotFoundError',
      updateId: 'gone',
      cause: missing,
    });
    expect(transient).toBeInstanceOf(AwsTransientError);
    expect(transient).toMatchObject({
      code: 'ThrottlingException',
      operation: 'DescribeUpdate',
      cause: throttled,
    });
  });
});

describe('EksNodeCapacity on a missing cluster', () => {
  it('maps "No cluster found" to ClusterNotFoundError rather than a missing node group', async () => {
    // Arrange
    eks.reset();
    const sdkError = new ResourceNotFoundException({
      message: 'No cluster found for name: ghost.',
      $metadata: {},
    });
    eks.on(DescribeNodegroupCommand).rejects(sdkError);

    // Act
    const error = await capacity()
      .describeNodeGroup('ghost', 'workers')
      .catch((e: unknown) => e);

    // Assert
    expect(error).toMatchObject({ name: 'ClusterNotFoundError', cluster: 'ghost', cause: sdkError });
  });
});
