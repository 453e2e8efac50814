import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DeleteItemCommandInput,
  DynamoDBClient,
  GetItemCommand,
  ProvisionedThroughputExceededException,
  PutItemCommand,
  type PutItemCommandInput,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-vitest/extend';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  CLAIM_CONDITION,
  DynamoDbRecoveryLedger,
  RELEASE_CONDITION,
  TAKE_OVER_CONDITION,
} from '../../src/aws/dynamodb-recovery-ledger.ts';
import { InvalidLedgerRecordError } from '../../src/failover/ports/recovery-ledger.ts';
import { recoveryLedgerContract } from '../failover/recovery-ledger-contract.ts';

const dynamodb = mockClient(DynamoDBClient);
const TABLE = 'eks-dr-shop-recovery-ledger';
const NOW = new Date('2024-05-01T12:35:00Z');
const F1 = 'arn:aws:states:eu-central-1:111122223333:execution:shop-failover:f1';

type Item = Record<string, AttributeValue>;

/**
 * A table in memory that evaluates the adapter's three conditions as DynamoDB would: a failed one throws
 * ConditionalCheckFailedException, with the item when the request asks for ALL_OLD.
 */
function fakeTable(): void {
  const items = new Map<string, Item>();
  const holds = (
    condition: string | undefined,
    old: Item | undefined,
    values: Record<string, AttributeValue>,
  ): boolean => {
    const arn = old?.executionArn?.S;
    switch (condition) {
      case undefined:
        return true;
      case CLAIM_CONDITION:
        return !old || Number(old.leaseExpiresAt?.N) < Number(values[':now']?.N) || arn === values[':arn']?.S;
      case TAKE_OVER_CONDITION:
        return !old || arn === values[':stale']?.S || arn === values[':arn']?.S;
      case RELEASE_CONDITION:
        return old !== undefined && arn === values[':arn']?.S;
      default:
        throw new Error(`the fake table does not know condition ${condition}`);
    }
  };
  const refuse = (old: Item | undefined, input: PutItemCommandInput | DeleteItemCommandInput) =>
    new ConditionalCheckFailedException({
      message: 'The conditional request failed',
      $metadata: {},
      ...(old && input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD' ? { Item: old } : {}),
    });
  dynamodb.on(PutItemCommand).callsFake((input: PutItemCommandInput) => {
    const key = input.Item?.pk?.S ?? '';
    const old = items.get(key);
    if (!holds(input.ConditionExpression, old, input.ExpressionAttributeValues ?? {}))
      throw refuse(old, input);
    items.set(key, input.Item ?? {});
    return {};
  });
  dynamodb.on(DeleteItemCommand).callsFake((input: DeleteItemCommandInput) => {
    const key = input.Key?.pk?.S ?? '';
    const old = items.get(key);
    if (!holds(input.ConditionExpression, old, input.ExpressionAttributeValues ?? {}))
      throw refuse(old, input);
    items.delete(key);
    return {};
  });
  dynamodb.on(GetItemCommand).callsFake((input) => {
    const item = items.get(input.Key?.pk?.S ?? '');
    return item ? { Item: item } : {};
  });
}

function aLedger() {
  return new DynamoDbRecoveryLedger(new DynamoDBClient({}), TABLE);
}

function claimOfF1() {
  return {
    plan: 'shop',
    execution: { name: 'f1', arn: F1, workflow: 'failover' as const, startedAt: '2024-05-01T12:34:00.000Z' },
    leaseSeconds: 3600,
    now: NOW,
  };
}

describe('DynamoDbRecoveryLedger over a fake table', () => {
  beforeEach(() => {
    dynamodb.reset();
    fakeTable();
  });

  recoveryLedgerContract('DynamoDbRecoveryLedger', aLedger);
});

describe('DynamoDbRecoveryLedger', () => {
  beforeEach(() => {
    dynamodb.reset();
  });

  it('claims with one conditional PutItem of the whole claim, asking for the holder on failure', async () => {
    // Arrange
    dynamodb.on(PutItemCommand).resolves({});

    // Act
    const result = await aLedger().claim(claimOfF1());

    // Assert
    expect(result).toEqual({ claimed: true });
    expect(dynamodb).toHaveReceivedCommandExactlyOnceWith(PutItemCommand, {
      TableName: TABLE,
      Item: {
        pk: { S: 'shop#claim' },
        executionName: { S: 'f1' },
        executionArn: { S: F1 },
        workflow: { S: 'failover' },
        startedAt: { S: '2024-05-01T12:34:00.000Z' },
        claimedAt: { S: '2024-05-01T12:35:00.000Z' },
        leaseExpiresAt: { N: String(NOW.getTime() + 3_600_000) },
      },
      ConditionExpression: 'attribute_not_exists(pk) OR leaseExpiresAt < :now OR executionArn = :arn',
      ExpressionAttributeValues: { ':now': { N: String(NOW.getTime()) }, ':arn': { S: F1 } },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('takes over with the stale holder in the condition', async () => {
    // Arrange
    dynamodb.on(PutItemCommand).resolves({});
    const stale = 'arn:aws:states:eu-central-1:111122223333:execution:shop-drill:d0';

    // Act
    await aLedger().takeOver({ ...claimOfF1(), staleHolderArn: stale });

    // Assert
    expect(dynamodb).toHaveReceivedCommandWith(PutItemCommand, {
      ConditionExpression: 'attribute_not_exists(pk) OR executionArn IN (:stale, :arn)',
      ExpressionAttributeValues: { ':stale': { S: stale }, ':arn': { S: F1 } },
    });
  });

  it('reads the holder when the failed condition carries no item', async () => {
    // Arrange
    dynamodb
      .on(PutItemCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );
    dynamodb.on(GetItemCommand).resolves({
      Item: {
        pk: { S: 'shop#claim' },
        executionName: { S: 'd1' },
        executionArn: { S: 'arn:d1' },
        workflow: { S: 'drill' },
        startedAt: { S: '2024-05-01T12:00:00.000Z' },
        claimedAt: { S: '2024-05-01T12:00:01.000Z' },
        leaseExpiresAt: { N: String(NOW.getTime() + 1000) },
      },
    });

    // Act
    const result = await aLedger().claim(claimOfF1());

    // Assert
    expect(result).toMatchObject({
      claimed: false,
      holder: { name: 'd1', workflow: 'drill', arn: 'arn:d1' },
    });
    expect(dynamodb).toHaveReceivedCommandWith(GetItemCommand, {
      TableName: TABLE,
      Key: { pk: { S: 'shop#claim' } },
      ConsistentRead: true,
    });
  });

  it('releases with a DeleteItem conditioned on the holder, and ignores a failed condition', async () => {
    // Arrange
    dynamodb
      .on(DeleteItemCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }),
      );

    // Act
    await aLedger().release('shop', F1);

    // Assert
    expect(dynamodb).toHaveReceivedCommandExactlyOnceWith(DeleteItemCommand, {
      TableName: TABLE,
      Key: { pk: { S: 'shop#claim' } },
      ConditionExpression: 'executionArn = :arn',
      ExpressionAttributeValues: { ':arn': { S: F1 } },
    });
  });

  it('records the active side unconditionally and reads it strongly consistent', async () => {
    // Arrange
    dynamodb.on(PutItemCommand).resolves({});
    dynamodb.on(GetItemCommand).resolves({});

    // Act
    await aLedger().recordActiveSide('shop', {
      side: 'dr',
      since: '2024-05-01T13:00:00.000Z',
      executionName: 'f1',
    });
    const side = await aLedger().activeSide('shop');

    // Assert
    expect(dynamodb).toHaveReceivedCommandExactlyOnceWith(PutItemCommand, {
      TableName: TABLE,
      Item: {
        pk: { S: 'shop#active-side' },
        side: { S: 'dr' },
        since: { S: '2024-05-01T13:00:00.000Z' },
        executionName: { S: 'f1' },
      },
    });
    expect(dynamodb).toHaveReceivedCommandWith(GetItemCommand, {
      Key: { pk: { S: 'shop#active-side' } },
      ConsistentRead: true,
    });
    expect(side).toEqual({ side: 'primary', since: null, executionName: null });
  });

  it('refuses an active-side item it did not write, naming the field', async () => {
    // Arrange
    dynamodb.on(GetItemCommand).resolves({
      Item: {
        pk: { S: 'shop#active-side' },
        side: { S: 'west' },
        since: { S: 'x' },
        executionName: { S: 'y' },
      },
    });

    // Act
    const attempt = aLedger().activeSide('shop');

    // Assert
    await expect(attempt).rejects.toThrow(InvalidLedgerRecordError);
    await expect(attempt).rejects.toThrow(
      'recovery ledger item "shop#active-side": side "west" is not primary or dr',
    );
  });

  it.each([
    [
      'throttled',
      'AwsTransientError',
      new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }),
    ],
    [
      'a missing table',
      'AwsRequestError',
      new ResourceNotFoundException({ message: 'Requested resource not found', $metadata: {} }),
    ],
    [
      'a 500',
      'AwsTransientError',
      Object.assign(new Error('internal'), { name: 'InternalServerError', $fault: 'server' }),
    ],
  ] as const)('turns %s into %s naming the table and key', async (_, name, error) => {
    // Arrange
    dynamodb.on(PutItemCommand).rejects(error);

    // Act
    const attempt = aLedger().claim(claimOfF1());

    // Assert
    await expect(attempt).rejects.toMatchObject({ name });
    await expect(attempt).rejects.toThrow(`DynamoDB PutItem on ${TABLE} shop#claim`);
  });

  it('refuses a table name DynamoDB would not accept', () => {
    // Arrange
    const name = 'no spaces allowed';

    // Act
    const make = () => new DynamoDbRecoveryLedger(new DynamoDBClient({}), name);

    // Assert
    expect(make).toThrow(InvalidLedgerRecordError);
  });
});
