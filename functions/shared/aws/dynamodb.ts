// DynamoDB: the plan's recovery ledger, a table of the DR stack, where the recovery functions run.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbRecoveryLedger } from '../../../src/aws/dynamodb-recovery-ledger.ts';
import type { RecoveryLedger } from '../../../src/failover/index.ts';
import { requireEnv } from '../env.ts';
import { traced } from '../powertools.ts';
import { perBase } from './memo.ts';
import { sdkConfig } from './sdk-config.ts';

/** The ledger in `RECOVERY_LEDGER_TABLE`, read on first use, through one traced client per container. */
export const recoveryLedger = perBase(
  (base): RecoveryLedger =>
    new DynamoDbRecoveryLedger(
      traced(new DynamoDBClient(sdkConfig(undefined))),
      requireEnv('RECOVERY_LEDGER_TABLE', base.env),
    ),
);
