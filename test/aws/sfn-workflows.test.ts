import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StateMachineDoesNotExist,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import { SfnWorkflows } from '../../src/aws/sfn-workflows.ts';

const sfn = mockClient(SFNClient);
const MACHINE = 'arn:aws:states:eu-central-1:123456789012:stateMachine:eks-dr-failover';
const EXECUTION =
  'arn:aws:states:eu-central-1:123456789012:execution:eks-dr-failover:failover-shop-prod-20250101';
const started = new Date('2025-01-01T10:00:00Z');

describe('SfnWorkflows', () => {
  beforeEach(() => {
    sfn.reset();
  });

  it('starts an execution with a deterministic name and JSON input', async () => {
    // Arrange
    sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: started });

    // Act
    const result = await new SfnWorkflows(new SFNClient({})).startExecution(
      MACHINE,
      'failover-shop-prod-20250101',
      {
        alarm: 'primary-down',
      },
    );

    // Assert
    expect(result).toEqual({ executionArn: EXECUTION, startDate: started });
    expect(sfn).toHaveReceivedCommandExactlyOnceWith(StartExecutionCommand, {
      stateMachineArn: MACHINE,
      name: 'failover-shop-prod-20250101',
      input: '{"alarm":"primary-down"}',
    });
  });

  it('maps ExecutionAlreadyExists to ExecutionAlreadyRunningError carrying the existing execution ARN', async () => {
    // Arrange
    const sdkError = new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} });
    sfn.on(StartExecutionCommand).rejects(sdkError);

    // Act
    const error = await new SfnWorkflows(new SFNClient({}))
      .startExecution(MACHINE, 'failover-shop-prod-20250101', {})
      .catch((e: unknown) => e);

    // Assert
    expect(error).toMatchObject({
      name: 'ExecutionAlreadyRunningError',
      executionName: 'failover-shop-prod-20250101',
      executionArn: EXECUTION,
      cause: sdkError,
    });
  });

  it.each([
    ['a name with a space', MACHINE, 'fail over', {}, 'InvalidExecutionNameError'],
    ['a name of 81 characters', MACHINE, 'x'.repeat(81), {}, 'InvalidExecutionNameError'],
    ['a state machine ARN that is not one', 'eks-dr-failover', 'ok', {}, 'InvalidWorkflowArnError'],
    ['input that is not JSON', MACHINE, 'ok', '{not json', 'ExecutionInputRejectedError'],
    ['input above 256 KiB', MACHINE, 'ok', { blob: 'x'.repeat(256 * 1024) }, 'ExecutionInputRejectedError'],
  ])('rejects %s before calling Step Functions', async (_label, machine, name, input, errorName) => {
    // Arrange
    const workflows = new SfnWorkflows(new SFNClient({}));

    // Act
    const call = workflows.startExecution(machine, name, input);

    // Assert
    await expect(call).rejects.toMatchObject({ name: errorName });
    expect(sfn).not.toHaveReceivedAnyCommand();
  });

  it('maps StateMachineDoesNotExist to StateMachineNotFoundError', async () => {
    // Arrange
    sfn
      .on(StartExecutionCommand)
      .rejects(new StateMachineDoesNotExist({ message: 'State Machine Does Not Exist', $metadata: {} }));

    // Act
    const call = new SfnWorkflows(new SFNClient({})).startExecution(MACHINE, 'x', {});

    // Assert
    await expect(call).rejects.toMatchObject({ name: 'StateMachineNotFoundError', stateMachineArn: MACHINE });
  });

  it('describes an execution with its output and failure', async () => {
    // Arrange
    const stopped = new Date('2025-01-01T10:07:00Z');
    sfn.on(DescribeExecutionCommand).resolves({
      executionArn: EXECUTION,
      stateMachineArn: MACHINE,
      name: 'failover-shop-prod-20250101',
      status: 'FAILED',
      startDate: started,
      stopDate: stopped,
      input: '{}',
      error: 'NodeGroupUpdateFailedError',
      cause: 'InsufficientInstanceCapacity',
    });

    // Act
    const details = await new SfnWorkflows(new SFNClient({})).describeExecution(EXECUTION);

    // Assert
    expect(sfn).toHaveReceivedCommandWith(DescribeExecutionCommand, { executionArn: EXECUTION });
    expect(details).toEqual({
      executionArn: EXECUTION,
      stateMachineArn: MACHINE,
      name: 'failover-shop-prod-20250101',
      status: 'FAILED',
      startDate: started,
      stopDate: stopped,
      input: '{}',
      error: 'NodeGroupUpdateFailedError',
      cause: 'InsufficientInstanceCapacity',
    });
  });

  it('maps ExecutionDoesNotExist to ExecutionNotFoundError', async () => {
    // Arrange
    const sdkError = new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} });
    sfn.on(DescribeExecutionCommand).rejects(sdkError);

    // Act
    const call = new SfnWorkflows(new SFNClient({})).describeExecution(EXECUTION);

    // Assert
    await expect(call).rejects.toMatchObject({
      name: 'ExecutionNotFoundError',
      executionArn: EXECUTION,
      cause: sdkError,
    });
  });

  it('lists running executions across pages', async () => {
    // Arrange
    const item = (name: string) => ({
      executionArn: `${EXECUTION.replace(/:[^:]+$/, '')}:${name}`,
      stateMachineArn: MACHINE,
      name,
      status: 'RUNNING' as const,
      startDate: started,
    });
    sfn
      .on(ListExecutionsCommand)
      .resolvesOnce({ executions: [item('a')], nextToken: 'page-2' })
      .resolvesOnce({ executions: [item('b')] });

    // Act
    const running = await new SfnWorkflows(new SFNClient({})).listRunningExecutions(MACHINE);

    // Assert
    expect(running.map((e) => e.name)).toEqual(['a', 'b']);
    expect(sfn).toHaveReceivedNthCommandWith(ListExecutionsCommand, 1, {
      stateMachineArn: MACHINE,
      statusFilter: 'RUNNING',
      maxResults: 1000,
    });
    expect(sfn).toHaveReceivedNthCommandWith(ListExecutionsCommand, 2, {
      stateMachineArn: MACHINE,
      statusFilter: 'RUNNING',
      maxResults: 1000,
      nextToken: 'page-2',
    });
  });
});
