// The primary region: the backup bucket, the scheduled backup workflow and its functions, and forwarding of
// the plan's alarms to the DR region's event bus, so a failover never waits on a Lambda in a failing region.
import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { type DrPlan, serializePlan } from '../../src/plan/index.ts';
import type { WorkflowFunction } from '../../src/workflows/definitions.ts';
import {
  EksDrFunction,
  type EksDrFunctionProps,
  SNAPSHOT_NODE_OPTIONS,
} from '../constructs/eks-dr-function.ts';
import { Workflow } from '../constructs/workflow.ts';
import { forwardAlarms } from './alarm-forwarding.ts';
import { accessEntry, backupBucket, objectLockOf, stackKey, triggerDeadLetterQueue } from './common.ts';
import { acknowledgeWildcards } from './nag.ts';
import {
  executionsArn,
  functionRoleArn,
  functionRoleName,
  stateMachineArn,
  stateMachineName,
  topicArn,
} from './names.ts';
import * as allow from './permissions.ts';
import { signingKeyUse } from './signing-key.ts';

/** Properties of the primary stack. */
export interface PrimaryStackProps extends StackProps {
  /** The validated DR plan; its primary region is the stack's region. */
  readonly plan: DrPlan;
  /** The manifest signing key (SigningKeyStack, this region): the snapshot and copy sign, the copy verifies. */
  readonly signingKeyArn: string;
}

/** Backups: snapshot the primary cluster on a schedule, copy to the DR region, prune. */
export class PrimaryStack extends Stack {
  readonly key: kms.IKey;
  readonly bucket: s3.Bucket;
  readonly deadLetterQueue: sqs.Queue;
  readonly functions: Readonly<Record<string, EksDrFunction>>;
  readonly backup: Workflow;
  readonly schedule: events.Rule;
  /** Forwards the plan's alarms of this region to the DR region's default bus. @default none without such alarms */
  readonly alarmForwarding?: events.Rule;

  constructor(scope: Construct, id: string, props: PrimaryStackProps) {
    super(scope, id, { ...props, env: { ...props.env, region: props.plan.primary.region } });
    const { plan } = props;
    const planJson = serializePlan(plan);
    const { key, created } = stackKey(this, plan, 'primary');
    this.key = key;
    this.bucket = backupBucket(this, {
      bucketName: plan.primary.backupBucket,
      key,
      noncurrentDays: plan.backup.retention.maxAgeDays,
      objectLock: objectLockOf(plan),
    });
    this.deadLetterQueue = triggerDeadLetterQueue(this);

    const primaryKey = allow.bucketKey(this, plan, 'primary', created ? key.keyArn : undefined);
    const drKey = allow.bucketKey(this, plan, 'dr');
    const topic = topicArn(this, plan);
    const workflowArns = {
      BACKUP_STATE_MACHINE_ARN: stateMachineArn(this, plan, 'backup'),
      FAILOVER_STATE_MACHINE_ARN: stateMachineArn(this, plan, 'failover'),
      FAILBACK_STATE_MACHINE_ARN: stateMachineArn(this, plan, 'failback'),
      DRILL_STATE_MACHINE_ARN: stateMachineArn(this, plan, 'drill'),
    };
    const fn = (file: string, options: Partial<EksDrFunctionProps> = {}) =>
      new EksDrFunction(this, pascal(file), {
        file,
        planJson,
        side: 'primary',
        roleName: functionRoleName(plan, 'primary', file),
        ...options,
      });

    const trigger = fn('trigger', {
      environment: { ...workflowArns, NOTIFICATION_TOPIC_ARN: topic },
      deadLetterQueue: this.deadLetterQueue,
    });
    trigger.allow(
      ...allow.startExecutions(
        [workflowArns.BACKUP_STATE_MACHINE_ARN],
        [executionsArn(this, plan, 'backup')],
      ),
    );

    const snapshot = fn('snapshot', {
      timeout: Duration.minutes(10),
      memorySize: 1024,
      environment: { NODE_OPTIONS: SNAPSHOT_NODE_OPTIONS, SIGNING_KEY_ARN: props.signingKeyArn },
    });
    snapshot.allow(
      signingKeyUse(props.signingKeyArn, { sign: true }),
      allow.describeClusters(this, plan, ['primary']),
      ...allow.backupBucketAccess(this, plan, 'primary', ['write'], primaryKey),
      allow.describeVolumesAndSnapshots(),
      ...allow.createSnapshots(this, plan.primary.region),
    );

    const volumes = fn('volumes', { timeout: Duration.minutes(2) });
    volumes.allow(
      allow.describeVolumesAndSnapshots(),
      ...allow.copySnapshots(this, plan.primary.region, plan.dr.region),
      ...ebsKeys(this, plan),
    );

    const copy = fn('copy', {
      timeout: Duration.minutes(10),
      memorySize: 1024,
      environment: { SIGNING_KEY_ARN: props.signingKeyArn },
    });
    copy.allow(
      // Verifies the source before copying; signs the destination manifest it completes.
      signingKeyUse(props.signingKeyArn, { sign: true, verify: true }),
      ...allow.backupBucketAccess(this, plan, 'primary', ['read'], primaryKey),
      ...allow.backupBucketAccess(this, plan, 'dr', ['write', 'delete'], drKey),
    );

    const prune = fn('prune', { timeout: Duration.minutes(5) });
    prune.allow(
      ...allow.backupBucketAccess(this, plan, 'primary', ['read', 'delete'], primaryKey),
      ...allow.backupBucketAccess(this, plan, 'dr', ['read', 'delete'], drKey),
      allow.describeVolumesAndSnapshots(),
      allow.deleteSnapshots(this, [plan.primary.region, plan.dr.region]),
    );

    const report = fn('report', { environment: { NOTIFICATION_TOPIC_ARN: topic } });
    report.allow(
      allow.putMetrics(),
      ...allow.publishTo(this, topic, allow.bucketKey(this, plan, 'dr'), plan.dr.region),
      ...allow.backupBucketAccess(this, plan, 'dr', ['read'], drKey),
    );
    this.functions = { trigger, snapshot, volumes, copy, prune, report };

    const invoked: Partial<Record<WorkflowFunction, EksDrFunction>> = {
      Snapshot: snapshot,
      Volumes: volumes,
      Copy: copy,
      Prune: prune,
      Report: report,
    };
    this.backup = new Workflow(this, 'BackupWorkflow', {
      workflow: 'backup',
      stateMachineName: stateMachineName(plan, 'backup'),
      functions: Object.fromEntries(Object.entries(invoked).map(([stem, f]) => [stem, f.function])),
    });

    this.schedule = new events.Rule(this, 'BackupSchedule', {
      description: `eks-dr ${plan.name}: scheduled backup`,
      schedule: events.Schedule.expression(plan.backup.schedule),
      targets: [
        new targets.LambdaFunction(trigger.function, {
          deadLetterQueue: this.deadLetterQueue,
          retryAttempts: 4,
          maxEventAge: Duration.hours(1),
        }),
      ],
    });

    this.alarmForwarding = forwardAlarms(this, plan, this.region, this.deadLetterQueue);

    // The backup reads the whole cluster, Secrets included; nothing writes through this role.
    accessEntry(this, 'SnapshotAccess', plan.primary.clusterName, snapshot.role.roleArn, 'adminView');
    // Failback restores into the primary cluster from the DR region's functions.
    accessEntry(
      this,
      'FailbackRestoreAccess',
      plan.primary.clusterName,
      functionRoleArn(this, plan, 'dr', 'restore'),
      'clusterAdmin',
    );
    accessEntry(
      this,
      'FailbackWorkloadsAccess',
      plan.primary.clusterName,
      functionRoleArn(this, plan, 'dr', 'workloads-ready'),
      'adminView',
    );

    acknowledgeWildcards(this);
  }
}

/** KMS use for EBS snapshot copies when the plan names a customer key for the DR region. */
function ebsKeys(stack: Stack, plan: DrPlan) {
  const key = plan.volumes.drKmsKeyArn ?? plan.dr.kmsKeyArn;
  return key === undefined ? [] : allow.ebsKeyUse(stack, allow.keyRefOf(key), plan.dr.region);
}

/** `workloads-ready` → `WorkloadsReady`. */
export function pascal(file: string): string {
  return file.replace(/(^|-)([a-z])/g, (_, __, letter: string) => letter.toUpperCase());
}
