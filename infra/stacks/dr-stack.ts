// The DR region: the Object Lock bucket the backups are copied to, the failover/failback/drill workflows and
// their functions, the alarm rule that starts a failover, the notification topic, and the RPO/RTO dashboard.
import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cwActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { type DrPlan, serializePlan } from '../../src/plan/index.ts';
import type { WorkflowFunction, WorkflowName } from '../../src/workflows/definitions.ts';
import {
  EksDrFunction,
  type EksDrFunctionProps,
  SNAPSHOT_NODE_OPTIONS,
} from '../constructs/eks-dr-function.ts';
import { Workflow } from '../constructs/workflow.ts';
import { alarmEventPattern } from './alarm-forwarding.ts';
import { accessEntry, backupBucket, objectLockOf, stackKey, triggerDeadLetterQueue } from './common.ts';
import { acknowledgeWildcards } from './nag.ts';
import {
  executionsArn,
  functionRoleName,
  ledgerTableName,
  stateMachineArn,
  stateMachineName,
  topicName,
} from './names.ts';
import * as allow from './permissions.ts';
import { pascal } from './primary-stack.ts';
import { replicaSigningKey, signingKeyUse } from './signing-key.ts';

/** CloudWatch namespace and dimension of the metrics the report function publishes. */
export const METRICS_NAMESPACE = 'EksDr';

/** Properties of the DR stack. */
export interface DrStackProps extends StackProps {
  /** The validated DR plan; its DR region is the stack's region. */
  readonly plan: DrPlan;
  /** The primary manifest signing key (SigningKeyStack, primary region), replicated into this region. */
  readonly primarySigningKeyArn: string;
}

/** Recovery: failover, failback and drill workflows in the DR region, started by alarm or by hand. */
export class DrStack extends Stack {
  readonly key: kms.IKey;
  /** The ARN of the signing key's replica in this region, which this stack's functions use. */
  readonly signingKeyArn: string;
  readonly bucket: s3.Bucket;
  readonly topic: sns.Topic;
  readonly deadLetterQueue: sqs.Queue;
  /** The recovery ledger: which execution may recover the plan now, and which side serves it. */
  readonly ledger: dynamodb.Table;
  readonly functions: Readonly<Record<string, EksDrFunction>>;
  readonly workflows: Readonly<Record<'failover' | 'failback' | 'drill', Workflow>>;
  /** Starts a failover when one of the plan's alarms goes to ALARM. @default none without alarms */
  readonly alarmRule?: events.Rule;
  readonly dashboard: cloudwatch.Dashboard;
  /** ALARM when the newest copied backup is older than the RPO objective (or no backup reported for as long). */
  readonly backupAgeAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: DrStackProps) {
    super(scope, id, {
      ...props,
      env: { ...props.env, region: props.plan.dr.region },
      // The replica of the signing key takes the primary key's ARN from the primary region.
      crossRegionReferences: true,
    });
    const { plan } = props;
    const planJson = serializePlan(plan);
    const { key, created } = stackKey(this, plan, 'dr');
    this.key = key;
    this.signingKeyArn = replicaSigningKey(this, plan, props.primarySigningKeyArn);
    const signingKey = { SIGNING_KEY_ARN: this.signingKeyArn };
    if (created) {
      // Alarm actions publish to the encrypted topic as the CloudWatch service.
      key.addToResourcePolicy(
        new iam.PolicyStatement({
          principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
          actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          resources: ['*'],
          conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
        }),
      );
    }
    this.bucket = backupBucket(this, {
      bucketName: plan.dr.backupBucket,
      key,
      noncurrentDays: plan.backup.retention.maxAgeDays,
      objectLock: objectLockOf(plan),
    });
    this.topic = new sns.Topic(this, 'Notifications', {
      topicName: topicName(plan),
      displayName: `eks-dr ${plan.name}`,
      masterKey: key,
      enforceSSL: true,
    });
    for (const email of plan.notification.emails) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(email));
    }
    this.deadLetterQueue = triggerDeadLetterQueue(this);
    // Execution names and a side, no backup data: the AWS-managed key needs no key policy or grants, with
    // the stack's own key or an imported one alike. Retained: losing it forgets that DR serves.
    this.ledger = new dynamodb.Table(this, 'RecoveryLedger', {
      tableName: ledgerTableName(plan),
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const ledgerEnv = { RECOVERY_LEDGER_TABLE: this.ledger.tableName };
    const ledgerAccess = (...access: allow.LedgerAccess[]) =>
      allow.recoveryLedger(this.ledger.tableArn, plan, access);

    const drKey = allow.bucketKey(this, plan, 'dr', created ? key.keyArn : undefined);
    const primaryKey = allow.bucketKey(this, plan, 'primary');
    const recoveries = ['failover', 'failback', 'drill'] as const satisfies readonly WorkflowName[];
    const workflowArns = {
      BACKUP_STATE_MACHINE_ARN: stateMachineArn(this, plan, 'backup'),
      FAILOVER_STATE_MACHINE_ARN: stateMachineArn(this, plan, 'failover'),
      FAILBACK_STATE_MACHINE_ARN: stateMachineArn(this, plan, 'failback'),
      DRILL_STATE_MACHINE_ARN: stateMachineArn(this, plan, 'drill'),
    };
    const recoveryExecutions = recoveries.map((workflow) => executionsArn(this, plan, workflow));
    const topicAccess = allow.publishTo(this, this.topic.topicArn, drKey, plan.dr.region);
    const fn = (file: string, options: Partial<EksDrFunctionProps> = {}) =>
      new EksDrFunction(this, pascal(file), {
        file,
        planJson,
        side: 'dr',
        roleName: functionRoleName(plan, 'dr', file),
        ...options,
      });

    const trigger = fn('trigger', {
      environment: { ...workflowArns, ...ledgerEnv, NOTIFICATION_TOPIC_ARN: this.topic.topicArn },
      deadLetterQueue: this.deadLetterQueue,
    });
    trigger.allow(
      ...allow.startExecutions(
        [workflowArns.FAILOVER_STATE_MACHINE_ARN],
        [executionsArn(this, plan, 'failover')],
      ),
      ...topicAccess,
      ...ledgerAccess({ item: 'active-side', actions: ['GetItem'] }),
    );

    const guard = fn('guard', { environment: ledgerEnv });
    guard.allow(
      allow.describeExecutions(recoveryExecutions),
      ...ledgerAccess(
        // GetItem: the holder, when a failed condition did not carry it back.
        { item: 'claim', actions: ['GetItem', 'PutItem', 'DeleteItem'] },
        { item: 'active-side', actions: ['GetItem'] },
      ),
    );

    const approval = fn('approval', { environment: { NOTIFICATION_TOPIC_ARN: this.topic.topicArn } });
    approval.allow(...topicAccess);

    const selectBackup = fn('select-backup');
    selectBackup.allow(...allow.backupBucketAccess(this, plan, 'dr', ['read'], drKey));

    const capacity = fn('capacity');
    capacity.allow(allow.describeClusters(this, plan, ['dr']), ...allow.nodegroupScaling(this, plan));

    const restore = fn('restore', {
      timeout: Duration.minutes(15),
      memorySize: 1024,
      environment: signingKey,
    });
    restore.allow(
      signingKeyUse(this.signingKeyArn, { verify: true }),
      allow.describeClusters(this, plan, ['dr', 'primary']),
      ...allow.backupBucketAccess(this, plan, 'dr', ['read'], drKey),
      ...allow.backupBucketAccess(this, plan, 'primary', ['read'], primaryKey),
      allow.describeVolumesAndSnapshots(),
      ...allow.createVolumes(this, plan.dr.region),
      allow.deleteRestoredVolumes(this, plan.dr.region),
      ...ebsKeys(this, plan),
      // Failback: primary volumes from the copies of DR's snapshots.
      ...allow.createVolumes(this, plan.primary.region),
      ...primaryEbsKeys(this, plan),
    );

    const workloadsReady = fn('workloads-ready');
    workloadsReady.allow(allow.describeClusters(this, plan, ['dr', 'primary']));

    const health = fn('health');
    health.allow(...allow.healthCheckStatus(this, plan));

    const dns = fn('dns', { timeout: Duration.minutes(2), environment: ledgerEnv });
    dns.allow(
      ...allow.dnsCutover(this, plan),
      ...ledgerAccess({ item: 'active-side', actions: ['PutItem'] }),
    );

    const report = fn('report', {
      environment: { ...ledgerEnv, NOTIFICATION_TOPIC_ARN: this.topic.topicArn },
    });
    report.allow(
      allow.putMetrics(),
      ...ledgerAccess(
        { item: 'claim', actions: ['DeleteItem'] },
        { item: 'active-side', actions: ['PutItem'] },
      ),
      ...topicAccess,
      ...allow.backupBucketAccess(this, plan, 'dr', ['read'], drKey),
    );

    // Failback starts with a fresh snapshot of the DR cluster, copied back to the primary bucket.
    const snapshot = fn('snapshot', {
      timeout: Duration.minutes(10),
      memorySize: 1024,
      environment: { NODE_OPTIONS: SNAPSHOT_NODE_OPTIONS, ...signingKey },
    });
    snapshot.allow(
      signingKeyUse(this.signingKeyArn, { sign: true }),
      allow.describeClusters(this, plan, ['dr']),
      ...allow.backupBucketAccess(this, plan, 'dr', ['write'], drKey),
      allow.describeVolumesAndSnapshots(),
      ...allow.createSnapshots(this, plan.dr.region),
    );
    // Failback's EBS steps: DR's snapshots copied to the primary region with the primary's volume key.
    const volumes = fn('volumes', { timeout: Duration.minutes(2) });
    volumes.allow(
      allow.describeVolumesAndSnapshots(),
      ...allow.copySnapshots(this, plan.dr.region, plan.primary.region),
      ...ebsKeys(this, plan),
      ...primaryEbsKeys(this, plan),
    );
    const copy = fn('copy', { timeout: Duration.minutes(10), memorySize: 1024, environment: signingKey });
    copy.allow(
      // Verifies the source before copying; signs the destination manifest it completes.
      signingKeyUse(this.signingKeyArn, { sign: true, verify: true }),
      ...allow.backupBucketAccess(this, plan, 'dr', ['read'], drKey),
      ...allow.backupBucketAccess(this, plan, 'primary', ['write', 'delete'], primaryKey),
    );

    this.functions = {
      trigger,
      guard,
      approval,
      'select-backup': selectBackup,
      capacity,
      restore,
      'workloads-ready': workloadsReady,
      health,
      dns,
      report,
      snapshot,
      volumes,
      copy,
    };
    const invoked: Record<Exclude<WorkflowFunction, 'Prune'>, EksDrFunction> = {
      Guard: guard,
      Approval: approval,
      SelectBackup: selectBackup,
      Capacity: capacity,
      Restore: restore,
      WorkloadsReady: workloadsReady,
      Health: health,
      Dns: dns,
      Report: report,
      Snapshot: snapshot,
      Volumes: volumes,
      Copy: copy,
    };
    const lambdas = Object.fromEntries(Object.entries(invoked).map(([stem, f]) => [stem, f.function]));
    const workflow = (name: (typeof recoveries)[number]) =>
      new Workflow(this, `${pascal(name)}Workflow`, {
        workflow: name,
        stateMachineName: stateMachineName(plan, name),
        functions: lambdas,
        alarmTopic: this.topic,
      });
    this.workflows = {
      failover: workflow('failover'),
      failback: workflow('failback'),
      drill: workflow('drill'),
    };

    const alarmNames = [...new Set(plan.failover.alarms.map((alarm) => alarm.name))].sort();
    if (alarmNames.length > 0) {
      // Alarms of the DR region arrive here directly; those of other regions through their forwarding rules.
      this.alarmRule = new events.Rule(this, 'FailoverAlarms', {
        description: `eks-dr ${plan.name}: a plan alarm went to ALARM`,
        eventPattern: alarmEventPattern(alarmNames),
        targets: [
          new targets.LambdaFunction(trigger.function, {
            deadLetterQueue: this.deadLetterQueue,
            retryAttempts: 4,
            maxEventAge: Duration.hours(1),
          }),
        ],
      });
    }

    const dimensions = (workflow: string) => ({ Plan: plan.name, Workflow: workflow });
    const metric = (name: string, workflow: string, statistic = 'Maximum', period = Duration.minutes(5)) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: name,
        dimensionsMap: dimensions(workflow),
        statistic,
        period,
      });
    const rpoSeconds = plan.objectives.rpoMinutes * 60;
    const rtoSeconds = plan.objectives.rtoMinutes * 60;
    // One evaluation over a whole RPO window (5 minutes to 1 day): no backup reported in it is a breach too.
    const window = Duration.minutes(Math.min(Math.max(plan.objectives.rpoMinutes, 5), 24 * 60));
    this.backupAgeAlarm = metric('BackupAgeSeconds', 'backup', 'Maximum', window).createAlarm(
      this,
      'BackupAgeAlarm',
      {
        alarmDescription: `eks-dr ${plan.name}: the newest copied backup is older than the RPO objective (${plan.objectives.rpoMinutes} min), or no backup reported within it`,
        threshold: rpoSeconds,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      },
    );
    this.backupAgeAlarm.addAlarmAction(new cwActions.SnsAction(this.topic));
    const deadLetters = this.deadLetterQueue
      .metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' })
      .createAlarm(this, 'TriggerDeadLettersAlarm', {
        alarmDescription: `eks-dr ${plan.name}: an alarm event or invocation of the trigger was dropped`,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
    deadLetters.addAlarmAction(new cwActions.SnsAction(this.topic));

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${plan.name}-eks-dr`,
      defaultInterval: Duration.days(7),
      widgets: [
        [
          new cloudwatch.AlarmStatusWidget({
            title: 'eks-dr alarms',
            width: 24,
            height: 3,
            alarms: [
              this.backupAgeAlarm,
              deadLetters,
              ...Object.values(this.workflows).flatMap((w) => w.alarms),
            ],
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Backup age (s)',
            width: 8,
            left: [metric('BackupAgeSeconds', 'backup')],
            leftAnnotations: [{ value: rpoSeconds, label: 'RPO objective', color: cloudwatch.Color.RED }],
          }),
          new cloudwatch.GraphWidget({
            title: 'RPO of recoveries (s)',
            width: 8,
            left: ['failover', 'drill'].map((w) => metric('RpoSeconds', w).with({ label: w })),
            leftAnnotations: [{ value: rpoSeconds, label: 'RPO objective', color: cloudwatch.Color.RED }],
          }),
          new cloudwatch.GraphWidget({
            title: 'RTO of recoveries (s)',
            width: 8,
            left: ['failover', 'drill', 'failback'].map((w) => metric('RtoSeconds', w).with({ label: w })),
            leftAnnotations: [{ value: rtoSeconds, label: 'RTO objective', color: cloudwatch.Color.RED }],
          }),
        ],
        [
          new cloudwatch.SingleValueWidget({
            title: 'Latest',
            width: 12,
            metrics: [
              metric('BackupAgeSeconds', 'backup', 'Maximum', Duration.hours(1)).with({
                label: 'Backup age',
              }),
              metric('RtoSeconds', 'drill', 'Maximum', Duration.days(30)).with({ label: 'Last drill RTO' }),
              metric('RpoSeconds', 'drill', 'Maximum', Duration.days(30)).with({ label: 'Last drill RPO' }),
            ],
          }),
          new cloudwatch.GraphWidget({
            title: 'Workflow outcomes',
            width: 12,
            stacked: true,
            left: ['backup', 'failover', 'failback', 'drill'].flatMap((w) => [
              metric('WorkflowSucceeded', w, 'Sum', Duration.hours(1)).with({ label: `${w} succeeded` }),
              metric('WorkflowFailed', w, 'Sum', Duration.hours(1)).with({ label: `${w} failed` }),
            ]),
          }),
        ],
      ],
    });

    // Backups of the DR cluster (failback) read everything; the restore writes anything, CRDs and RBAC included.
    accessEntry(this, 'SnapshotAccess', plan.dr.clusterName, snapshot.role.roleArn, 'adminView');
    accessEntry(this, 'RestoreAccess', plan.dr.clusterName, restore.role.roleArn, 'clusterAdmin');
    accessEntry(this, 'WorkloadsAccess', plan.dr.clusterName, workloadsReady.role.roleArn, 'adminView');
    accessEntry(this, 'CapacityAccess', plan.dr.clusterName, capacity.role.roleArn, 'adminView');

    acknowledgeWildcards(this);
  }
}

/** KMS use for volumes restored from snapshot copies encrypted with a customer key of the plan. */
function ebsKeys(stack: Stack, plan: DrPlan) {
  const key = plan.volumes.drKmsKeyArn ?? plan.dr.kmsKeyArn;
  return key === undefined ? [] : allow.ebsKeyUse(stack, allow.keyRefOf(key), plan.dr.region);
}

/** KMS use for a failback's copies and volumes in the primary region, when the plan names a customer key. */
function primaryEbsKeys(stack: Stack, plan: DrPlan) {
  const key = plan.volumes.primaryKmsKeyArn ?? plan.primary.kmsKeyArn;
  return key === undefined ? [] : allow.ebsKeyUse(stack, allow.keyRefOf(key), plan.primary.region);
}
