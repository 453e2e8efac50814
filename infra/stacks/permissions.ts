// IAM statements for what the functions do, each scoped to the plan's own resources: its buckets and key
// prefix, its clusters and node groups, its hosted zone and records, its workflows and topic. Wildcards remain
// only where AWS offers no resource-level permission or the resource id is not known before it exists.
import { Arn, type Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { activeSideKey, claimKey } from '../../src/aws/dynamodb-recovery-ledger.ts';
import { regionalHost } from '../../src/aws/partitions.ts';
import { type DrPlan, healthCheckOf, parseKmsKeyArn, withoutTrailingDot } from '../../src/plan/index.ts';
import { SNAPSHOT_TAGS } from '../../src/volumes/volume-backup.ts';
import { RESTORE_TAG } from '../../src/volumes/volume-restore.ts';
import { backupKeyPrefix, clusterArn, keyAlias, nodegroupArn, regionOf, type Side } from './names.ts';

/** A KMS key a policy refers to: by ARN, or by alias (a key another region's stack creates). */
export type KeyRef = { readonly arn: string } | { readonly alias: string; readonly region: string };

/** The key that encrypts one side's bucket: the plan's, the stack's own (`ownKeyArn`), or the other stack's by alias. */
export function bucketKey(stack: Stack, plan: DrPlan, side: Side, ownKeyArn?: string): KeyRef {
  const planKey = side === 'primary' ? plan.primary.kmsKeyArn : plan.dr.kmsKeyArn;
  if (planKey !== undefined) return keyRefOf(planKey);
  if (ownKeyArn !== undefined && stack.region === regionOf(plan, side)) return { arn: ownKeyArn };
  return { alias: keyAlias(plan, side), region: regionOf(plan, side) };
}

/** A key named in the plan: a key ARN is used as is, an alias ARN through the alias condition. */
export function keyRefOf(arn: string): KeyRef {
  const parsed = parseKmsKeyArn(arn);
  if (parsed?.resource.startsWith('alias/')) return { alias: parsed.resource, region: parsed.region };
  return { arn };
}

/** KMS actions on a key; `viaService` limits them to calls S3/EC2/SNS make on the function's behalf. */
export function kmsUse(
  stack: Stack,
  key: KeyRef,
  actions: string[],
  viaService?: string,
): iam.PolicyStatement {
  const conditions: Record<string, Record<string, unknown>> = {};
  if (viaService !== undefined) conditions.StringEquals = { 'kms:ViaService': viaService };
  if ('arn' in key) return new iam.PolicyStatement({ actions, resources: [key.arn], conditions });
  conditions['ForAnyValue:StringEquals'] = { 'kms:ResourceAliases': [key.alias] };
  return new iam.PolicyStatement({
    actions,
    resources: [
      Arn.format({ service: 'kms', region: key.region, resource: 'key', resourceName: '*' }, stack),
    ],
    conditions,
  });
}

/**
 * The service endpoint name kms:ViaService matches: `s3.eu-west-1.amazonaws.com`, but
 * `s3.cn-north-1.amazonaws.com.cn` in China, so it comes from the partitions module.
 */
export function kmsViaService(service: 's3' | 'ec2' | 'sns', region: string): string {
  return regionalHost(service, region);
}

function bucketArn(stack: Stack, bucket: string): string {
  return Arn.format({ service: 's3', region: '', account: '', resource: bucket }, stack);
}

function objectsArn(stack: Stack, plan: DrPlan, bucket: string): string {
  return `${bucketArn(stack, bucket)}/${backupKeyPrefix(plan)}*`;
}

function bucketOf(plan: DrPlan, side: Side): string {
  return side === 'primary' ? plan.primary.backupBucket : plan.dr.backupBucket;
}

/** What a function may do with the backups in one side's bucket. */
export type BucketAccess = 'read' | 'write' | 'delete';

/** S3 and KMS statements for backups under the plan's prefix in one side's bucket. */
export function backupBucketAccess(
  stack: Stack,
  plan: DrPlan,
  side: Side,
  access: readonly BucketAccess[],
  key: KeyRef,
): iam.PolicyStatement[] {
  const bucket = bucketOf(plan, side);
  const statements = [
    new iam.PolicyStatement({
      actions: ['s3:ListBucket'],
      resources: [bucketArn(stack, bucket)],
      conditions: { StringLike: { 's3:prefix': [`${backupKeyPrefix(plan)}*`] } },
    }),
  ];
  const objectActions = new Set<string>();
  const keyActions = new Set<string>(['kms:Decrypt']);
  if (access.includes('read')) objectActions.add('s3:GetObject');
  if (access.includes('write')) {
    for (const action of ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload'])
      objectActions.add(action);
    keyActions.add('kms:GenerateDataKey');
  }
  if (access.includes('delete')) objectActions.add('s3:DeleteObject');
  statements.push(
    new iam.PolicyStatement({
      actions: [...objectActions].sort(),
      resources: [objectsArn(stack, plan, bucket)],
    }),
    kmsUse(stack, key, [...keyActions].sort(), kmsViaService('s3', regionOf(plan, side))),
  );
  return statements;
}

/** eks:DescribeCluster on the clusters a function connects to (endpoint and CA for the Kubernetes client). */
export function describeClusters(stack: Stack, plan: DrPlan, sides: readonly Side[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['eks:DescribeCluster'],
    resources: sides.map((side) =>
      clusterArn(
        stack,
        regionOf(plan, side),
        side === 'primary' ? plan.primary.clusterName : plan.dr.clusterName,
      ),
    ),
  });
}

/** Scaling the DR node groups between pilot light and target. */
export function nodegroupScaling(stack: Stack, plan: DrPlan): iam.PolicyStatement[] {
  const resources = plan.dr.nodeGroups.map((group) =>
    nodegroupArn(stack, plan.dr.region, plan.dr.clusterName, group.name),
  );
  if (resources.length === 0) return [];
  return [
    new iam.PolicyStatement({
      actions: ['eks:DescribeNodegroup', 'eks:UpdateNodegroupConfig', 'eks:DescribeUpdate'],
      resources,
    }),
  ];
}

/** Route 53 record changes on the plan's zone, limited to the plan's record names and types. */
export function dnsCutover(stack: Stack, plan: DrPlan): iam.PolicyStatement[] {
  const dns = plan.dns;
  if (dns === undefined) return [];
  const zone = route53Arn(stack, 'hostedzone', dns.hostedZoneId);
  // Route 53 lower-cases and drops the final dot before matching the record-name condition.
  const names = [...new Set(dns.records.map((record) => withoutTrailingDot(record.name)))].sort();
  const types = [...new Set(dns.records.map((record) => record.type))].sort();
  return [
    new iam.PolicyStatement({ actions: ['route53:ListResourceRecordSets'], resources: [zone] }),
    new iam.PolicyStatement({
      actions: ['route53:ChangeResourceRecordSets'],
      resources: [zone],
      conditions: {
        'ForAllValues:StringEquals': {
          'route53:ChangeResourceRecordSetsNormalizedRecordNames': names,
          'route53:ChangeResourceRecordSetsRecordTypes': types,
        },
      },
    }),
    new iam.PolicyStatement({
      actions: ['route53:GetChange'],
      resources: [route53Arn(stack, 'change', '*')],
    }),
  ];
}

function route53Arn(stack: Stack, resource: string, name: string): string {
  return Arn.format({ service: 'route53', region: '', account: '', resource, resourceName: name }, stack);
}

/** Reading a Route 53 health check's status for the health gate, when the plan uses one. */
export function healthCheckStatus(stack: Stack, plan: DrPlan): iam.PolicyStatement[] {
  const ids = [
    ...new Set(
      (['primary', 'dr'] as const).flatMap((side) => healthCheckOf(plan, side)?.route53HealthCheckId ?? []),
    ),
  ];
  if (ids.length === 0) return [];
  return [
    new iam.PolicyStatement({
      actions: ['route53:GetHealthCheckStatus'],
      resources: ids.map((id) => route53Arn(stack, 'healthcheck', id)),
    }),
  ];
}

function ec2Arn(stack: Stack, region: string, resource: string, account?: string): string {
  return Arn.format(
    { service: 'ec2', region, resource, resourceName: '*', ...(account === undefined ? {} : { account }) },
    stack,
  );
}

/** Describe calls of EC2 support no resource-level permissions; they are read-only. */
export function describeVolumesAndSnapshots(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['ec2:DescribeSnapshots', 'ec2:DescribeVolumes'],
    resources: ['*'],
  });
}

/** CreateSnapshot of the cluster's volumes in `region`: the new snapshot must carry the backup tag. */
export function createSnapshots(stack: Stack, region: string): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      actions: ['ec2:CreateSnapshot'],
      resources: [ec2Arn(stack, region, 'volume')],
    }),
    new iam.PolicyStatement({
      actions: ['ec2:CreateSnapshot'],
      resources: [ec2Arn(stack, region, 'snapshot', '')],
      conditions: { Null: { [`aws:RequestTag/${SNAPSHOT_TAGS.backup}`]: 'false' } },
    }),
    tagOnCreate(stack, region, 'snapshot', ['CreateSnapshot']),
  ];
}

/** CopySnapshot of eks-dr snapshots from `from` into `to`; the copy must carry the backup tag. */
export function copySnapshots(stack: Stack, from: string, to: string): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      actions: ['ec2:CopySnapshot'],
      resources: [ec2Arn(stack, from, 'snapshot', '')],
      conditions: { Null: { [`aws:ResourceTag/${SNAPSHOT_TAGS.backup}`]: 'false' } },
    }),
    new iam.PolicyStatement({
      actions: ['ec2:CopySnapshot'],
      resources: [ec2Arn(stack, to, 'snapshot', '')],
      conditions: { Null: { [`aws:RequestTag/${SNAPSHOT_TAGS.backup}`]: 'false' } },
    }),
    tagOnCreate(stack, to, 'snapshot', ['CopySnapshot']),
  ];
}

/** DeleteSnapshot, only of snapshots eks-dr made (tagged with the backup name). */
export function deleteSnapshots(stack: Stack, regions: readonly string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['ec2:DeleteSnapshot'],
    resources: regions.map((region) => ec2Arn(stack, region, 'snapshot', '')),
    conditions: { Null: { [`aws:ResourceTag/${SNAPSHOT_TAGS.backup}`]: 'false' } },
  });
}

/** CreateVolume from eks-dr snapshots; the new volume must carry the restore tag. */
export function createVolumes(stack: Stack, region: string): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      actions: ['ec2:CreateVolume'],
      resources: [ec2Arn(stack, region, 'snapshot', '')],
      conditions: { Null: { [`aws:ResourceTag/${SNAPSHOT_TAGS.backup}`]: 'false' } },
    }),
    new iam.PolicyStatement({
      actions: ['ec2:CreateVolume'],
      resources: [ec2Arn(stack, region, 'volume')],
      conditions: { Null: { [`aws:RequestTag/${RESTORE_TAG}`]: 'false' } },
    }),
    tagOnCreate(stack, region, 'volume', ['CreateVolume']),
  ];
}

/** DeleteVolume, only of volumes a restore made (tagged with the restore name): a drill's cleanup. */
export function deleteRestoredVolumes(stack: Stack, region: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['ec2:DeleteVolume'],
    resources: [ec2Arn(stack, region, 'volume')],
    conditions: { Null: { [`aws:ResourceTag/${RESTORE_TAG}`]: 'false' } },
  });
}

function tagOnCreate(
  stack: Stack,
  region: string,
  resource: string,
  createActions: string[],
): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['ec2:CreateTags'],
    resources: [ec2Arn(stack, region, resource, resource === 'snapshot' ? '' : undefined)],
    conditions: { StringEquals: { 'ec2:CreateAction': createActions } },
  });
}

/** KMS use by EBS for snapshot copies and volumes encrypted with a customer key of the plan. */
export function ebsKeyUse(stack: Stack, key: KeyRef, region: string): iam.PolicyStatement[] {
  return [
    kmsUse(
      stack,
      key,
      [
        'kms:CreateGrant',
        'kms:Decrypt',
        'kms:DescribeKey',
        'kms:GenerateDataKeyWithoutPlaintext',
        'kms:ReEncryptFrom',
        'kms:ReEncryptTo',
      ],
      kmsViaService('ec2', region),
    ),
  ];
}

/** Starting executions of the given state machines, and looking at the running ones (the trigger). */
export function startExecutions(stateMachineArns: string[], executionArns: string[]): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({
      actions: ['states:StartExecution', 'states:ListExecutions'],
      resources: stateMachineArns,
    }),
    new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: executionArns }),
  ];
}

/** Asking whether an execution still runs (the guard, before it takes a stale claim over). */
export function describeExecutions(executionArns: string[]): iam.PolicyStatement {
  return new iam.PolicyStatement({ actions: ['states:DescribeExecution'], resources: executionArns });
}

/** What a function does with the recovery ledger: the claim, the active side, or both. */
export type LedgerAccess = {
  readonly item: 'claim' | 'active-side';
  readonly actions: readonly LedgerAction[];
};

/** The DynamoDB item actions the ledger adapter uses. */
export type LedgerAction = 'GetItem' | 'PutItem' | 'DeleteItem';

/**
 * DynamoDB item actions on the ledger table, one statement per item, each limited by dynamodb:LeadingKeys to
 * that item's partition key, so the DNS function can write the active side and never the claim.
 */
export function recoveryLedger(
  tableArn: string,
  plan: DrPlan,
  access: readonly LedgerAccess[],
): iam.PolicyStatement[] {
  return access.map(
    ({ item, actions }) =>
      new iam.PolicyStatement({
        actions: actions.map((action) => `dynamodb:${action}`),
        resources: [tableArn],
        conditions: {
          'ForAllValues:StringEquals': {
            'dynamodb:LeadingKeys': [item === 'claim' ? claimKey(plan.name) : activeSideKey(plan.name)],
          },
        },
      }),
  );
}

/** Publishing to the plan's topic, which is KMS-encrypted with the DR stack's key. */
export function publishTo(stack: Stack, topic: string, key: KeyRef, region: string): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({ actions: ['sns:Publish'], resources: [topic] }),
    kmsUse(stack, key, ['kms:Decrypt', 'kms:GenerateDataKey'], kmsViaService('sns', region)),
  ];
}

/** PutMetricData, which has no resource-level permission, limited to the EksDr namespace. */
export function putMetrics(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    actions: ['cloudwatch:PutMetricData'],
    resources: ['*'],
    conditions: { StringEquals: { 'cloudwatch:namespace': 'EksDr' } },
  });
}
