// Pieces both regional stacks build the same way: the KMS key, the backup bucket with its access-log bucket,
// the dead-letter queue of the event-driven triggers, and EKS access entries for function roles.
import { Aws, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as eks from 'aws-cdk-lib/aws-eks';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { DrPlan } from '../../src/plan/index.ts';
import { keyAlias, type Side } from './names.ts';

/** The stack's key: the plan's (imported) or a new one with rotation, under a fixed alias. */
export function stackKey(scope: Construct, plan: DrPlan, side: Side): { key: kms.IKey; created: boolean } {
  const planKey = side === 'primary' ? plan.primary.kmsKeyArn : plan.dr.kmsKeyArn;
  if (planKey !== undefined) return { key: kms.Key.fromKeyArn(scope, 'PlanKey', planKey), created: false };
  const key = new kms.Key(scope, 'Key', {
    description: `eks-dr ${plan.name}: backups, notifications (${side})`,
    enableKeyRotation: true,
    alias: keyAlias(plan, side),
    removalPolicy: RemovalPolicy.RETAIN,
  });
  return { key, created: true };
}

/** Properties of a backup bucket. */
export interface BackupBucketOptions {
  readonly bucketName: string;
  readonly key: kms.IKey;
  /** Days noncurrent versions are kept. */
  readonly noncurrentDays: number;
  /** Object Lock with this default retention. @default no Object Lock */
  readonly objectLock?: { readonly mode: 'GOVERNANCE' | 'COMPLIANCE'; readonly days: number };
}

/** The plan's Object Lock for both buckets, if it wants one: its mode, and days defaulting to the retention's. */
export function objectLockOf(plan: DrPlan): BackupBucketOptions['objectLock'] {
  const { objectLock, retention } = plan.backup;
  if (!objectLock.enabled) return undefined;
  return { mode: objectLock.mode, days: objectLock.days ?? retention.maxAgeDays };
}

/** A versioned, SSL-only, KMS-encrypted bucket with no public access, logging to its own log bucket. */
export function backupBucket(scope: Construct, options: BackupBucketOptions): s3.Bucket {
  const accessLogs = new s3.Bucket(scope, 'AccessLogs', {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    lifecycleRules: [
      { expiration: Duration.days(365), abortIncompleteMultipartUploadAfter: Duration.days(1) },
    ],
    removalPolicy: RemovalPolicy.RETAIN,
  });
  Validations.of(accessLogs).acknowledge({
    id: 'AwsSolutions-S1',
    reason: 'This is the access-log bucket of the backup bucket; logging it into itself would loop.',
  });
  return new s3.Bucket(scope, 'Backups', {
    bucketName: options.bucketName,
    versioned: true,
    encryption: s3.BucketEncryption.KMS,
    encryptionKey: options.key,
    bucketKeyEnabled: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    serverAccessLogsBucket: accessLogs,
    serverAccessLogsPrefix: `${options.bucketName}/`,
    lifecycleRules: [
      {
        id: 'abort-incomplete-multipart-uploads',
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      },
      {
        id: 'expire-noncurrent-versions',
        noncurrentVersionExpiration: Duration.days(options.noncurrentDays),
      },
      { id: 'remove-expired-delete-markers', expiredObjectDeleteMarker: true },
    ],
    ...(options.objectLock === undefined
      ? {}
      : {
          objectLockEnabled: true,
          objectLockDefaultRetention:
            options.objectLock.mode === 'COMPLIANCE'
              ? s3.ObjectLockRetention.compliance(Duration.days(options.objectLock.days))
              : s3.ObjectLockRetention.governance(Duration.days(options.objectLock.days)),
        }),
    // Backups outlive the stack: `cdk destroy` must never take them.
    removalPolicy: RemovalPolicy.RETAIN,
  });
}

/** The encrypted queue that keeps events the trigger could not take after every retry. */
export function triggerDeadLetterQueue(scope: Construct): sqs.Queue {
  const queue = new sqs.Queue(scope, 'TriggerDeadLetters', {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason:
      'This queue is itself the dead-letter queue of the trigger (EventBridge target and Lambda async).',
  });
  return queue;
}

/** EKS cluster access policies the function roles get. */
export const ACCESS_POLICIES = {
  /** get/list/watch on everything, Secrets included: what a backup needs to be complete. */
  adminView: 'AmazonEKSAdminViewPolicy',
  /** Create and update any object: what a restore needs (CRDs, RBAC, namespaces). */
  clusterAdmin: 'AmazonEKSClusterAdminPolicy',
} as const;

/** An EKS access entry giving a role one cluster-scoped access policy. */
export function accessEntry(
  scope: Construct,
  id: string,
  clusterName: string,
  principalArn: string,
  policy: keyof typeof ACCESS_POLICIES,
): eks.CfnAccessEntry {
  return new eks.CfnAccessEntry(scope, id, {
    clusterName,
    principalArn,
    type: 'STANDARD',
    accessPolicies: [
      {
        policyArn: `arn:${Aws.PARTITION}:eks::aws:cluster-access-policy/${ACCESS_POLICIES[policy]}`,
        accessScope: { type: 'cluster' },
      },
    ],
  });
}
