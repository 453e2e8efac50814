// The recovery ledger in one DynamoDB table of the DR stack, partition key `pk` only: `<plan>#claim` holds
// the execution that may recover the plan, `<plan>#active-side` the side serving it. Every claim is a PutItem
// whose condition DynamoDB checks atomically, so of two guards racing exactly one write lands; the loser gets
// the holder back with the failed condition (ReturnValuesOnConditionCheckFailure), not from a later read that
// could already see a third state.
import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  type ActiveSide,
  type ActiveSideRecord,
  type ClaimRequest,
  type ClaimResult,
  claimOf,
  InvalidLedgerRecordError,
  type LedgerSide,
  type LedgerWorkflow,
  NEVER_RECORDED,
  type RecoveryClaim,
  type RecoveryLedger,
  validateClaim,
} from '../failover/ports/recovery-ledger.ts';
import { awsErrorCode, unexpectedAwsError } from './errors.ts';

type Item = Record<string, AttributeValue>;

/** The condition a claim is written under: no claim, an expired lease, or this execution's own claim. */
export const CLAIM_CONDITION = 'attribute_not_exists(pk) OR leaseExpiresAt < :now OR executionArn = :arn';
/** The condition a take-over is written under: no claim, the stale holder's, or this execution's own. */
export const TAKE_OVER_CONDITION = 'attribute_not_exists(pk) OR executionArn IN (:stale, :arn)';
/** Only the holder's own claim is deleted. */
export const RELEASE_CONDITION = 'executionArn = :arn';

const WORKFLOWS: readonly LedgerWorkflow[] = ['failover', 'failback', 'drill'];
const SIDES: readonly LedgerSide[] = ['primary', 'dr'];

/** The partition key of a plan's claim. */
export function claimKey(plan: string): string {
  return `${plan}#claim`;
}

/** The partition key of a plan's active side. */
export function activeSideKey(plan: string): string {
  return `${plan}#active-side`;
}

/** RecoveryLedger over DynamoDB PutItem/DeleteItem with conditions and strongly consistent GetItem. */
export class DynamoDbRecoveryLedger implements RecoveryLedger {
  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly tableName: string,
  ) {
    if (!/^[A-Za-z0-9_.-]{3,255}$/.test(tableName)) {
      throw new InvalidLedgerRecordError(tableName, 'table name', 'is not a DynamoDB table name');
    }
  }

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    validateClaim(request);
    return this.#put(request, CLAIM_CONDITION, {
      ':now': { N: String(request.now.getTime()) },
      ':arn': { S: request.execution.arn },
    });
  }

  async takeOver(request: ClaimRequest & { staleHolderArn: string }): Promise<ClaimResult> {
    validateClaim(request);
    return this.#put(request, TAKE_OVER_CONDITION, {
      ':stale': { S: request.staleHolderArn },
      ':arn': { S: request.execution.arn },
    });
  }

  async release(plan: string, executionArn: string): Promise<void> {
    const key = claimKey(plan);
    try {
      await this.dynamodb.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: { pk: { S: key } },
          ConditionExpression: RELEASE_CONDITION,
          ExpressionAttributeValues: { ':arn': { S: executionArn } },
        }),
      );
    } catch (error) {
      // Another execution's claim, or none left: either way this execution holds nothing now.
      if (awsErrorCode(error) === 'ConditionalCheckFailedException') return;
      throw unexpectedAwsError('DynamoDB', 'DeleteItem', `${this.tableName} ${key}`, error);
    }
  }

  async activeSide(plan: string): Promise<ActiveSide> {
    const key = activeSideKey(plan);
    const item = await this.#get(key);
    if (item === undefined) return { ...NEVER_RECORDED };
    const side = text(item, key, 'side');
    if (!SIDES.includes(side as LedgerSide)) {
      throw new InvalidLedgerRecordError(key, 'side', `${JSON.stringify(side)} is not primary or dr`);
    }
    return {
      side: side as LedgerSide,
      since: text(item, key, 'since'),
      executionName: text(item, key, 'executionName'),
    };
  }

  async recordActiveSide(plan: string, record: ActiveSideRecord): Promise<void> {
    const key = activeSideKey(plan);
    try {
      await this.dynamodb.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: {
            pk: { S: key },
            side: { S: record.side },
            since: { S: record.since },
            executionName: { S: record.executionName },
          },
        }),
      );
    } catch (error) {
      throw unexpectedAwsError('DynamoDB', 'PutItem', `${this.tableName} ${key}`, error);
    }
  }

  async #put(
    request: ClaimRequest,
    condition: string,
    values: Record<string, AttributeValue>,
    attempt = 1,
  ): Promise<ClaimResult> {
    const key = claimKey(request.plan);
    const claim = claimOf(request);
    try {
      await this.dynamodb.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: claimItem(key, claim),
          ConditionExpression: condition,
          ExpressionAttributeValues: values,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { claimed: true };
    } catch (error) {
      if (awsErrorCode(error) !== 'ConditionalCheckFailedException') {
        throw unexpectedAwsError('DynamoDB', 'PutItem', `${this.tableName} ${key}`, error);
      }
      const old = (error as { Item?: Item }).Item ?? (await this.#get(key));
      // The condition failed on a claim that is gone by now (released in between): claim again, a few times.
      if (old === undefined && attempt < 3) return this.#put(request, condition, values, attempt + 1);
      if (old === undefined) {
        throw new InvalidLedgerRecordError(key, 'claim', 'failed its condition but cannot be read', {
          cause: error,
        });
      }
      return { claimed: false, holder: claimFromItem(key, old) };
    }
  }

  async #get(key: string): Promise<Item | undefined> {
    try {
      const out = await this.dynamodb.send(
        new GetItemCommand({ TableName: this.tableName, Key: { pk: { S: key } }, ConsistentRead: true }),
      );
      return out.Item;
    } catch (error) {
      throw unexpectedAwsError('DynamoDB', 'GetItem', `${this.tableName} ${key}`, error);
    }
  }
}

function claimItem(key: string, claim: RecoveryClaim): Item {
  return {
    pk: { S: key },
    executionName: { S: claim.name },
    executionArn: { S: claim.arn },
    workflow: { S: claim.workflow },
    startedAt: { S: claim.startedAt },
    claimedAt: { S: claim.claimedAt },
    // A number, so the claim condition compares it with `:now`.
    leaseExpiresAt: { N: String(Date.parse(claim.leaseExpiresAt)) },
  };
}

function claimFromItem(key: string, item: Item): RecoveryClaim {
  const workflow = text(item, key, 'workflow');
  if (!WORKFLOWS.includes(workflow as LedgerWorkflow)) {
    throw new InvalidLedgerRecordError(key, 'workflow', `${JSON.stringify(workflow)} is not a recovery`);
  }
  const lease = Number(item.leaseExpiresAt?.N);
  if (!Number.isFinite(lease)) throw new InvalidLedgerRecordError(key, 'leaseExpiresAt', 'is not a number');
  return {
    name: text(item, key, 'executionName'),
    arn: text(item, key, 'executionArn'),
    workflow: workflow as LedgerWorkflow,
    startedAt: text(item, key, 'startedAt'),
    claimedAt: text(item, key, 'claimedAt'),
    leaseExpiresAt: new Date(lease).toISOString(),
  };
}

function text(item: Item, key: string, field: string): string {
  const value = item[field]?.S;
  if (value === undefined || value === '') throw new InvalidLedgerRecordError(key, field, 'is missing');
  return value;
}
