import { createHash } from 'node:crypto';
// The three stacks of the example plan, synthesized once (cdk-nag included, bundling skipped), asserted on
// what matters: schedule, alarm routing, IAM scope, Object Lock, KMS, workflows, access entries, alarms.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EksDrStacks } from '../../infra/app.ts';
import { parsePlan, planVariableValue } from '../../src/plan/index.ts';
import { placeholdersOf, readDefinition, type WorkflowName } from '../../src/workflows/definitions.ts';
import {
  actionsOf,
  appWithoutBundling,
  EXAMPLE_CONFIG,
  examplePlan,
  flatten,
  policyStatements,
  resourcesOf,
  type TemplateStatement,
  templateOf,
} from './synth-helpers.ts';

const plan = examplePlan();
let stacks: EksDrStacks;
let outdir: string;
let synthError: unknown;
let primary: Template;
let dr: Template;
let forwarder: Template;

beforeAll(() => {
  const built = appWithoutBundling(plan);
  stacks = built.stacks;
  try {
    outdir = built.app.synth().directory;
  } catch (error) {
    synthError = error;
    throw error;
  }
  primary = templateOf(stacks.primary);
  dr = templateOf(stacks.dr);
  forwarder = templateOf(stacks.forwarders[0] as never);
}, 60_000);

/** The logical id of the Lambda function built from functions/<file>.ts in a template. */
function functionId(template: Template, file: string): string {
  const found = Object.entries(template.findResources('AWS::Lambda::Function')).find(
    ([, resource]) =>
      (resource as { Properties: { Description?: string } }).Properties.Description ===
      `eks-dr: functions/${file}.ts`,
  );
  if (!found) throw new Error(`no function for functions/${file}.ts`);
  return found[0];
}

/** The statements of the policy attached to a function's role. */
function statementsOfRole(template: Template, file: string): TemplateStatement[] {
  const fn = template.findResources('AWS::Lambda::Function')[functionId(template, file)] as {
    Properties: { Role: { 'Fn::GetAtt': [string, string] } };
  };
  const role = fn.Properties.Role['Fn::GetAtt'][0];
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) =>
      ((policy as { Properties: { Roles: { Ref: string }[] } }).Properties.Roles ?? []).some(
        (r) => r.Ref === role,
      ),
    )
    .flatMap(
      (policy) =>
        (policy as { Properties: { PolicyDocument: { Statement: TemplateStatement[] } } }).Properties
          .PolicyDocument.Statement,
    );
}

/** Every state machine of a template with its definition string and substitutions. */
function stateMachines(template: Template) {
  return Object.values(template.findResources('AWS::StepFunctions::StateMachine')).map((resource) => {
    const props = (resource as { Properties: Record<string, unknown> }).Properties;
    return {
      name: props.StateMachineName as string,
      definition: props.DefinitionString as string,
      substitutions: props.DefinitionSubstitutions as Record<string, unknown>,
      props,
    };
  });
}

describe('cdk-nag AwsSolutions', () => {
  it('reports no unacknowledged finding in any stack', () => {
    // Arrange
    const report = join(outdir, 'validation-report.json');

    // Act
    const content = existsSync(report) ? JSON.parse(readFileSync(report, 'utf8')) : { pluginReports: [] };

    // Assert
    expect(synthError).toBeUndefined();
    const failures = (content.pluginReports as { conclusion: string; violations: unknown[] }[]).filter(
      (r) => r.conclusion === 'failure' || r.violations.length > 0,
    );
    expect(failures).toEqual([]);
  });
});

describe('primary stack', () => {
  it('runs the trigger on the plan schedule, with retries and a dead-letter queue', () => {
    // Arrange
    const trigger = functionId(primary, 'trigger');

    // Act
    const rules = primary.findResources('AWS::Events::Rule', {
      Properties: { ScheduleExpression: 'cron(0/30 * * * ? *)' },
    });

    // Assert
    expect(Object.keys(rules)).toHaveLength(1);
    primary.hasResourceProperties('AWS::Events::Rule', {
      ScheduleExpression: plan.backup.schedule,
      State: 'ENABLED',
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [trigger, 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 3600 },
          DeadLetterConfig: { Arn: Match.anyValue() },
        }),
      ],
    });
    primary.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'eks-dr: functions/trigger.ts',
      DeadLetterConfig: { TargetArn: Match.anyValue() },
    });
    primary.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
    });
    primary.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
  });

  it('keeps backups in a versioned, private, SSL-only bucket encrypted with a rotating key', () => {
    // Arrange
    const keys = primary.findResources('AWS::KMS::Key');

    // Act
    const [keyId] = Object.keys(keys);

    // Assert
    expect(Object.keys(keys)).toHaveLength(1);
    primary.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    primary.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/shop-eks-dr-primary' });
    primary.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: plan.primary.backupBucket,
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] },
            },
          },
        ],
      },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
          Match.objectLike({ NoncurrentVersionExpiration: { NoncurrentDays: 14 } }),
        ]),
      },
    });
    primary.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('forwards the primary region alarm to the DR region default bus', () => {
    // Arrange
    const pattern = {
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      detail: { alarmName: ['shop-storefront-5xx-rate'], state: { value: ['ALARM'] } },
    };

    // Act
    const rules = primary.findResources('AWS::Events::Rule', { Properties: { EventPattern: pattern } });

    // Assert
    expect(Object.keys(rules)).toHaveLength(1);
    const target = (Object.values(rules)[0] as { Properties: { Targets: { Arn: unknown }[] } }).Properties
      .Targets[0];
    expect(flatten(target?.Arn)).toBe(
      'arn:<AWS::Partition>:events:eu-central-1:<AWS::AccountId>:event-bus/default',
    );
  });

  it('gives the snapshot role read access to the primary cluster and the DR restore role admin for failback', () => {
    // Arrange
    const adminView = 'arn:<AWS::Partition>:eks::aws:cluster-access-policy/AmazonEKSAdminViewPolicy';
    const admin = 'arn:<AWS::Partition>:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy';

    // Act
    const entries = Object.values(primary.findResources('AWS::EKS::AccessEntry')).map((resource) => {
      const props = (resource as { Properties: Record<string, unknown> }).Properties;
      const [policy] = props.AccessPolicies as { PolicyArn: unknown; AccessScope: { Type: string } }[];
      return {
        cluster: props.ClusterName,
        principal: flatten(props.PrincipalArn),
        policy: flatten(policy?.PolicyArn),
        scope: policy?.AccessScope.Type,
      };
    });

    // Assert
    expect(entries).toContainEqual({
      cluster: 'shop-prod',
      principal: expect.stringMatching(/^<SnapshotRole[0-9A-F]+\.Arn>$/),
      policy: adminView,
      scope: 'cluster',
    });
    expect(entries).toContainEqual({
      cluster: 'shop-prod',
      principal: 'arn:<AWS::Partition>:iam::<AWS::AccountId>:role/shop-eks-dr-dr-restore',
      policy: admin,
      scope: 'cluster',
    });
    expect(entries.filter((e) => e.policy === admin)).toHaveLength(1);
  });

  it('limits the copy function to the plan prefix of both buckets and their keys', () => {
    // Arrange
    const statements = statementsOfRole(primary, 'copy');

    // Act
    const s3Resources = statements
      .filter((s) => actionsOf(s).some((a) => a.startsWith('s3:')))
      .flatMap((s) => resourcesOf(s).map(flatten));

    // Assert
    expect(s3Resources.sort()).toEqual([
      'arn:<AWS::Partition>:s3:::shop-eks-dr-backups-111122223333-eu-central-1',
      'arn:<AWS::Partition>:s3:::shop-eks-dr-backups-111122223333-eu-central-1/shop/backups/*',
      'arn:<AWS::Partition>:s3:::shop-eks-dr-backups-111122223333-eu-west-1',
      'arn:<AWS::Partition>:s3:::shop-eks-dr-backups-111122223333-eu-west-1/shop/backups/*',
    ]);
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: 's3:ListBucket',
        Condition: { StringLike: { 's3:prefix': ['shop/backups/*'] } },
      }),
    );
    const drKey = statements.find((s) => flatten(s.Resource).includes(':kms:eu-central-1:'));
    expect(drKey?.Condition).toEqual({
      StringEquals: { 'kms:ViaService': 's3.eu-central-1.amazonaws.com' },
      'ForAnyValue:StringEquals': { 'kms:ResourceAliases': ['alias/shop-eks-dr-dr'] },
    });
  });

  it('lets snapshots be created and deleted only with the eks-dr backup tag', () => {
    // Arrange
    const snapshot = statementsOfRole(primary, 'snapshot');
    const prune = statementsOfRole(primary, 'prune');

    // Act
    const create = snapshot.find(
      (s) => actionsOf(s).includes('ec2:CreateSnapshot') && flatten(s.Resource).includes(':snapshot/'),
    );
    const remove = prune.find((s) => actionsOf(s).includes('ec2:DeleteSnapshot'));

    // Assert
    expect(create?.Condition).toEqual({ Null: { 'aws:RequestTag/eks-dr:backup': 'false' } });
    expect(remove?.Condition).toEqual({ Null: { 'aws:ResourceTag/eks-dr:backup': 'false' } });
    expect(resourcesOf(remove as TemplateStatement).map(flatten)).toEqual([
      'arn:<AWS::Partition>:ec2:eu-west-1::snapshot/*',
      'arn:<AWS::Partition>:ec2:eu-central-1::snapshot/*',
    ]);
  });

  it("lets failback copy DR's snapshots into the primary region and make primary volumes from them", () => {
    // Arrange
    const volumes = statementsOfRole(dr, 'volumes');
    const restore = statementsOfRole(dr, 'restore');

    // Act
    const copyInto = volumes.find(
      (s) => actionsOf(s).includes('ec2:CopySnapshot') && s.Condition?.Null?.['aws:RequestTag/eks-dr:backup'],
    );
    const created = restore
      .filter((s) => actionsOf(s).includes('ec2:CreateVolume'))
      .flatMap((s) => resourcesOf(s).map(flatten));

    // Assert
    expect(resourcesOf(copyInto as TemplateStatement).map(flatten)).toEqual([
      'arn:<AWS::Partition>:ec2:eu-west-1::snapshot/*',
    ]);
    expect(created).toContain('arn:<AWS::Partition>:ec2:eu-west-1:<AWS::AccountId>:volume/*');
    expect(created).toContain('arn:<AWS::Partition>:ec2:eu-central-1:<AWS::AccountId>:volume/*');
  });

  it('runs every function on Node.js 22 arm64 with X-Ray and the Powertools environment', () => {
    // Arrange
    const functions = Object.values(primary.findResources('AWS::Lambda::Function'));

    // Act
    const settings = functions.map((f) => {
      const p = (f as { Properties: Record<string, unknown> }).Properties as {
        Runtime: string;
        Architectures: string[];
        TracingConfig: { Mode: string };
        Environment: { Variables: Record<string, string> };
      };
      return [
        p.Runtime,
        p.Architectures,
        p.TracingConfig.Mode,
        p.Environment.Variables.POWERTOOLS_SERVICE_NAME,
      ];
    });

    // Assert
    expect(functions).toHaveLength(6);
    for (const setting of settings) expect(setting).toEqual(['nodejs22.x', ['arm64'], 'Active', 'eks-dr']);
    primary.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          EKS_DR_SIDE_REGION: 'primary',
          POWERTOOLS_METRICS_NAMESPACE: 'EksDr',
          // Deflated, so the plan leaves room in Lambda's 4 KB for the other variables.
          EKS_DR_PLAN: planVariableValue(JSON.stringify(plan)),
          // The fingerprint each function checks its plan against at cold start.
          EKS_DR_PLAN_SHA256: createHash('sha256').update(JSON.stringify(plan)).digest('hex'),
        }),
      },
    });
  });
});

describe('state machines', () => {
  it.each([
    ['backup', () => primary],
    ['failover', () => dr],
    ['failback', () => dr],
    ['drill', () => dr],
  ] as [WorkflowName, () => Template][])(
    '%s fills every placeholder of its ASL file',
    (workflow, template) => {
      // Arrange
      const expected = placeholdersOf(readDefinition(workflow));

      // Act
      const machine = stateMachines(template()).find((m) => m.name === `shop-eks-dr-${workflow}`);
      const substituted = Object.entries(machine?.substitutions ?? {}).reduce(
        (text, [name, value]) => text.split(`\${${name}}`).join(flatten(value)),
        machine?.definition ?? '',
      );

      // Assert
      expect(Object.keys(machine?.substitutions ?? {}).sort()).toEqual(expected);
      expect(substituted).not.toContain('${');
      for (const value of Object.values(machine?.substitutions ?? {})) {
        expect(flatten(value)).toMatch(/^<[A-Za-z]+Function[0-9A-F]+\.Arn>$/);
      }
      // The approval's task token must not reach the logs: workflows that wait for one log events without data.
      const approves = readDefinition(workflow).includes('.waitForTaskToken');
      expect(approves).toBe(workflow === 'failover' || workflow === 'failback');
      expect(machine?.props).toMatchObject({
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: !approves },
      });
    },
  );

  it('log to /aws/vendedlogs/states/ and alarm on failed, throttled and aborted executions', () => {
    // Arrange
    const metrics = ['ExecutionsFailed', 'ExecutionThrottled', 'ExecutionsAborted', 'ExecutionsTimedOut'];

    // Act
    const drAlarms = Object.values(dr.findResources('AWS::CloudWatch::Alarm')).map(
      (a) => (a as { Properties: { MetricName?: string } }).Properties.MetricName,
    );

    // Assert
    for (const metric of metrics) {
      primary.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metric,
        Namespace: 'AWS/States',
        Threshold: 1,
      });
      expect(drAlarms.filter((name) => name === metric)).toHaveLength(3);
    }
    primary.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/vendedlogs/states/shop-eks-dr-backup',
    });
    dr.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/vendedlogs/states/shop-eks-dr-failover',
    });
  });
});

describe('DR stack', () => {
  it('locks backups in both buckets, in governance mode for the retention days by default', () => {
    // Arrange
    const days = plan.backup.retention.maxAgeDays;

    // Act
    const buckets = dr.findResources('AWS::S3::Bucket', { Properties: { BucketName: plan.dr.backupBucket } });

    // Assert
    expect(Object.keys(buckets)).toHaveLength(1);
    for (const [template, bucketName] of [
      [dr, plan.dr.backupBucket],
      [primary, plan.primary.backupBucket],
    ] as const) {
      template.hasResourceProperties('AWS::S3::Bucket', {
        BucketName: bucketName,
        VersioningConfiguration: { Status: 'Enabled' },
        ObjectLockEnabled: true,
        ObjectLockConfiguration: {
          ObjectLockEnabled: 'Enabled',
          Rule: { DefaultRetention: { Mode: 'GOVERNANCE', Days: days } },
        },
      });
    }
    dr.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('takes the Object Lock mode and days from the plan (COMPLIANCE available)', () => {
    // Arrange
    const input = JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8'));
    input.backup = { ...input.backup, objectLock: { mode: 'COMPLIANCE', days: 3 } };
    const strict = parsePlan(input, 'strict plan');

    // Act
    const built = appWithoutBundling(strict, false);
    const templates = [templateOf(built.stacks.primary), templateOf(built.stacks.dr)];

    // Assert
    for (const template of templates) {
      template.hasResourceProperties('AWS::S3::Bucket', {
        ObjectLockConfiguration: { Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 3 } } },
      });
    }
  });

  it('starts the trigger when a plan alarm goes to ALARM', () => {
    // Arrange
    const trigger = functionId(dr, 'trigger');

    // Act / Assert
    dr.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        detail: {
          alarmName: ['shop-storefront-5xx-rate', 'shop-storefront-route53-health'],
          state: { value: ['ALARM'] },
        },
      },
      Targets: [
        Match.objectLike({
          Arn: { 'Fn::GetAtt': [trigger, 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 3600 },
          DeadLetterConfig: { Arn: Match.anyValue() },
        }),
      ],
    });
  });

  it('forwards the us-east-1 (Route 53 health check) alarm from its own stack', () => {
    // Arrange
    const region = stacks.forwarders[0]?.region;

    // Act
    const rules = Object.values(forwarder.findResources('AWS::Events::Rule'));

    // Assert
    expect(stacks.forwarders).toHaveLength(1);
    expect(region).toBe('us-east-1');
    expect(rules).toHaveLength(1);
    forwarder.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({
        detail: { alarmName: ['shop-storefront-route53-health'], state: { value: ['ALARM'] } },
      }),
    });
  });

  it('grants cluster admin only to the restore role and read access to the others', () => {
    // Arrange
    const entries = Object.values(dr.findResources('AWS::EKS::AccessEntry')).map((resource) => {
      const props = (resource as { Properties: Record<string, unknown> }).Properties;
      const [policy] = props.AccessPolicies as { PolicyArn: unknown }[];
      return `${flatten(props.PrincipalArn).replace(/[0-9A-F]{8}\.Arn>$/, '>')} ${flatten(policy?.PolicyArn).split('/').pop()}`;
    });

    // Act
    const sorted = entries.sort();

    // Assert
    expect(sorted).toEqual([
      '<CapacityRole> AmazonEKSAdminViewPolicy',
      '<RestoreRole> AmazonEKSClusterAdminPolicy',
      '<SnapshotRole> AmazonEKSAdminViewPolicy',
      '<WorkloadsReadyRole> AmazonEKSAdminViewPolicy',
    ]);
  });

  it('scopes node group, DNS and workflow permissions to the plan', () => {
    // Arrange
    const capacity = statementsOfRole(dr, 'capacity');
    const dns = statementsOfRole(dr, 'dns');
    const guard = statementsOfRole(dr, 'guard');

    // Act
    const scaling = capacity.find((s) => actionsOf(s).includes('eks:UpdateNodegroupConfig'));
    const change = dns.find((s) => actionsOf(s).includes('route53:ChangeResourceRecordSets'));
    const describe = guard.find((s) => actionsOf(s).includes('states:DescribeExecution'));

    // Assert
    expect(resourcesOf(scaling as TemplateStatement).map(flatten)).toEqual([
      'arn:<AWS::Partition>:eks:eu-central-1:<AWS::AccountId>:nodegroup/shop-dr/shop-dr-general/*',
      'arn:<AWS::Partition>:eks:eu-central-1:<AWS::AccountId>:nodegroup/shop-dr/shop-dr-stateful/*',
    ]);
    expect(flatten(change?.Resource)).toBe('arn:<AWS::Partition>:route53:::hostedzone/Z0123456789ABCDEFGHIJ');
    expect(change?.Condition).toEqual({
      'ForAllValues:StringEquals': {
        'route53:ChangeResourceRecordSetsNormalizedRecordNames': ['api.shop.example.com', 'shop.example.com'],
        'route53:ChangeResourceRecordSetsRecordTypes': ['A', 'CNAME'],
      },
    });
    expect(resourcesOf(describe as TemplateStatement).map(flatten)).toEqual(
      ['failover', 'failback', 'drill'].map(
        (w) => `arn:<AWS::Partition>:states:eu-central-1:<AWS::AccountId>:execution:shop-eks-dr-${w}:*`,
      ),
    );
    expect(guard.flatMap(actionsOf).filter((action) => action.startsWith('states:'))).toEqual([
      'states:DescribeExecution',
    ]);
  });

  it('keeps the recovery ledger in a retained, encrypted, on-demand table with point-in-time recovery', () => {
    // Arrange
    const tables = dr.findResources('AWS::DynamoDB::Table');

    // Act
    const [table] = Object.values(tables) as {
      Properties: Record<string, unknown>;
      DeletionPolicy?: string;
    }[];

    // Assert
    expect(Object.keys(tables)).toHaveLength(1);
    expect(table?.DeletionPolicy).toBe('Retain');
    expect(table?.Properties).toMatchObject({
      TableName: 'shop-eks-dr-recovery-ledger',
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true },
    });
    expect(Object.keys(primary.findResources('AWS::DynamoDB::Table'))).toEqual([]);
  });

  it('lets only the guard, trigger, DNS and report functions use the ledger, each only the items and actions it needs', () => {
    // Arrange
    const files = [
      'trigger',
      'guard',
      'approval',
      'select-backup',
      'capacity',
      'restore',
      'workloads-ready',
      'health',
      'dns',
      'report',
      'snapshot',
      'copy',
    ];

    // Act
    const access = Object.fromEntries(
      files.map((file) => [
        file,
        statementsOfRole(dr, file)
          .filter((statement) => actionsOf(statement).some((action) => action.startsWith('dynamodb:')))
          .map((statement) => {
            const keys = (statement.Condition as Record<string, Record<string, string[]>>)[
              'ForAllValues:StringEquals'
            ];
            return `${keys?.['dynamodb:LeadingKeys']?.join(',')} ${actionsOf(statement).join(',')}`;
          }),
      ]),
    );
    const env = (file: string) =>
      (
        dr.findResources('AWS::Lambda::Function')[functionId(dr, file)] as {
          Properties: { Environment: { Variables: Record<string, unknown> } };
        }
      ).Properties.Environment.Variables.RECOVERY_LEDGER_TABLE;

    // Assert
    expect(access).toEqual({
      trigger: ['shop#active-side dynamodb:GetItem'],
      guard: [
        'shop#claim dynamodb:GetItem,dynamodb:PutItem,dynamodb:DeleteItem',
        'shop#active-side dynamodb:GetItem',
      ],
      approval: [],
      'select-backup': [],
      capacity: [],
      restore: [],
      'workloads-ready': [],
      health: [],
      dns: ['shop#active-side dynamodb:PutItem'],
      report: ['shop#claim dynamodb:DeleteItem', 'shop#active-side dynamodb:PutItem'],
      snapshot: [],
      copy: [],
    });
    for (const file of ['trigger', 'guard', 'dns', 'report']) expect(env(file), file).toBeDefined();
    expect(env('restore')).toBeUndefined();
  });

  it('lets only the restore role delete DR volumes, and only those tagged with the restore name', () => {
    // Arrange
    const all = [primary, dr, forwarder].flatMap(policyStatements);
    const restore = statementsOfRole(dr, 'restore');

    // Act
    const deleting = all.filter(({ statement }) => actionsOf(statement).includes('ec2:DeleteVolume'));
    const restoreDelete = restore.filter((s) => actionsOf(s).includes('ec2:DeleteVolume'));

    // Assert
    expect(restoreDelete).toHaveLength(1);
    expect(deleting.map(({ statement }) => statement)).toEqual(restoreDelete);
    expect(actionsOf(restoreDelete[0] as TemplateStatement)).toEqual(['ec2:DeleteVolume']);
    expect(restoreDelete[0]?.Condition).toEqual({ Null: { 'aws:ResourceTag/eks-dr:restore': 'false' } });
    expect(resourcesOf(restoreDelete[0] as TemplateStatement).map(flatten)).toEqual([
      'arn:<AWS::Partition>:ec2:eu-central-1:<AWS::AccountId>:volume/*',
    ]);
  });

  it('publishes to a KMS-encrypted topic with the plan email subscriptions', () => {
    // Arrange
    const email = plan.notification.emails[0];

    // Act / Assert
    dr.hasResourceProperties('AWS::SNS::Topic', {
      TopicName: 'shop-eks-dr',
      KmsMasterKeyId: Match.anyValue(),
    });
    dr.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: email });
  });

  it('alarms when the newest backup is older than the RPO and charts RPO, backup age and RTO', () => {
    // Arrange
    const rpoSeconds = plan.objectives.rpoMinutes * 60;

    // Act
    const dashboards = Object.values(dr.findResources('AWS::CloudWatch::Dashboard'));
    const body = JSON.stringify(
      (dashboards[0] as { Properties: { DashboardBody: unknown } }).Properties.DashboardBody,
    );

    // Assert
    dr.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'EksDr',
      MetricName: 'BackupAgeSeconds',
      Dimensions: Match.arrayWith([{ Name: 'Plan', Value: 'shop' }]),
      Threshold: rpoSeconds,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^Notifications') }],
    });
    expect(dashboards).toHaveLength(1);
    for (const metric of ['BackupAgeSeconds', 'RpoSeconds', 'RtoSeconds']) expect(body).toContain(metric);
    expect(body).toContain('\\"EksDr\\"');
    expect(body).toContain('\\"Plan\\"');
  });
});

describe('IAM scope', () => {
  // Actions AWS authorizes on no resource (or that CDK's Step Functions logging and X-Ray need).
  const unscoped = new Set([
    'xray:PutTraceSegments',
    'xray:PutTelemetryRecords',
    'xray:GetSamplingRules',
    'xray:GetSamplingTargets',
    'logs:CreateLogDelivery',
    'logs:GetLogDelivery',
    'logs:UpdateLogDelivery',
    'logs:DeleteLogDelivery',
    'logs:ListLogDeliveries',
    'logs:PutResourcePolicy',
    'logs:DescribeResourcePolicies',
    'logs:DescribeLogGroups',
    'ec2:DescribeSnapshots',
    'ec2:DescribeVolumes',
    'cloudwatch:PutMetricData',
  ]);

  it('uses a "*" resource only for actions that take no resource', () => {
    // Arrange
    const all = [primary, dr, forwarder].flatMap(policyStatements);

    // Act
    const offending = all
      .filter(({ statement }) => resourcesOf(statement).includes('*'))
      .flatMap(({ policy, statement }) =>
        actionsOf(statement)
          .filter((a) => !unscoped.has(a))
          .map((a) => `${policy}: ${a}`),
      );

    // Assert
    expect(all.length).toBeGreaterThan(50);
    expect(offending).toEqual([]);
  });

  it('limits PutMetricData to the EksDr namespace and never grants a service-wide action', () => {
    // Arrange
    const all = [primary, dr, forwarder].flatMap(policyStatements).map((s) => s.statement);

    // Act
    const metrics = all.filter((s) => actionsOf(s).includes('cloudwatch:PutMetricData'));
    const wildcardActions = all.flatMap(actionsOf).filter((a) => a.includes('*'));

    // Assert
    expect(metrics.length).toBe(2);
    for (const s of metrics)
      expect(s.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': 'EksDr' } });
    expect(wildcardActions).toEqual([]);
  });
});
