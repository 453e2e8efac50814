// The app around the stacks: where the config comes from, a bad config failing synth with the field named,
// which stacks a plan needs, and the constructs refusing what cannot deploy.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, EXAMPLE_CONFIG, loadConfig, resolveConfigPath } from '../../infra/app.ts';
import { environmentSize, LAMBDA_ENVIRONMENT_LIMIT } from '../../infra/constructs/eks-dr-function.ts';
import { Workflow } from '../../infra/constructs/workflow.ts';
import { WILDCARD_REASONS } from '../../infra/stacks/nag.ts';
import { InvalidPlanError, parsePlan } from '../../src/plan/index.ts';
import { WorkflowDefinitionError } from '../../src/workflows/definitions.ts';
import { appWithoutBundling, examplePlan } from './synth-helpers.ts';

const scratch = mkdtempSync(join(tmpdir(), 'eks-dr-infra-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('resolveConfigPath', () => {
  it('prefers -c config=... over EKS_DR_CONFIG', () => {
    // Arrange
    const source = { context: 'ctx.json', environment: 'env.json', exists: () => true };

    // Act
    const resolved = resolveConfigPath(source);

    // Assert
    expect(resolved).toEqual({ path: 'ctx.json' });
  });

  it('uses EKS_DR_CONFIG, then eks-dr.config.json', () => {
    // Arrange
    const exists = (path: string) => path === DEFAULT_CONFIG;

    // Act
    const fromEnv = resolveConfigPath({ environment: 'env.json', exists });
    const fromDefault = resolveConfigPath({ exists });

    // Assert
    expect(fromEnv).toEqual({ path: 'env.json' });
    expect(fromDefault).toEqual({ path: DEFAULT_CONFIG });
  });

  it('falls back to the example with a note when eks-dr.config.json is missing', () => {
    // Arrange
    const exists = () => false;

    // Act
    const resolved = resolveConfigPath({ exists });

    // Assert
    expect(resolved.path).toBe(EXAMPLE_CONFIG);
    expect(resolved.note).toContain(`${DEFAULT_CONFIG} not found`);
  });
});

describe('loadConfig', () => {
  it('fails with the file and the field at fault', () => {
    // Arrange
    const plan = JSON.parse(JSON.stringify(examplePlan()));
    plan.dr.region = plan.primary.region;
    plan.backup.schedule = 'every hour';
    const file = join(scratch, 'bad.json');
    writeFileSync(file, JSON.stringify(plan));

    // Act
    const attempt = () => loadConfig(file);

    // Assert
    expect(attempt).toThrow(InvalidPlanError);
    expect(attempt).toThrow(`${file}: dr.region: must differ from primary.region (eu-west-1)`);
    expect(attempt).toThrow(/backup\.schedule: /);
  });

  it('ends `cdk synth` with the plan errors alone, no stack trace, exit code 1', () => {
    // Arrange: the app entry point as `cdk synth` runs it, on a plan with two fields at fault.
    const plan = JSON.parse(JSON.stringify(examplePlan()));
    plan.dr.region = plan.primary.region;
    delete plan.name;
    const file = join(scratch, 'synth-bad.json');
    writeFileSync(file, JSON.stringify(plan));

    // Act
    const run = spawnSync(process.execPath, ['bin/run-ts.js', 'infra/bin/app.ts'], {
      encoding: 'utf8',
      env: { ...process.env, EKS_DR_CONFIG: file, CDK_OUTDIR: join(scratch, 'cdk.out') },
    });

    // Assert
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`eks-dr: ${file}: name: is required`);
    expect(run.stderr).toContain(`${file}: dr.region: must differ from primary.region (eu-west-1)`);
    expect(run.stderr).not.toMatch(/^\s+at /m);
  });

  it('loads the committed example', () => {
    // Arrange
    const file = EXAMPLE_CONFIG;

    // Act
    const plan = loadConfig(file);

    // Assert
    expect(plan.name).toBe('shop');
  });
});

describe('buildApp', () => {
  it('adds no alarm rule and no forwarder when the plan lists no alarm', () => {
    // Arrange
    const plan = parsePlan({ ...examplePlan(), failover: { alarms: [], autoFailover: false } }, 'test');

    // Act
    const { stacks } = appWithoutBundling(plan, false);

    // Assert
    expect(stacks.forwarders).toEqual([]);
    expect(stacks.dr.alarmRule).toBeUndefined();
    expect(stacks.primary.alarmForwarding).toBeUndefined();
  });

  it('needs no forwarder stack when us-east-1 is the primary region', () => {
    // Arrange
    const example = examplePlan();
    const plan = parsePlan(
      {
        ...example,
        primary: { ...example.primary, region: 'us-east-1' },
        volumes: { enabled: true, availabilityZoneMapping: {} },
        failover: {
          ...example.failover,
          alarms: [{ name: 'storefront-5xx' }, { name: 'health', region: 'us-east-1' }],
        },
      },
      'test',
    );

    // Act
    const { stacks } = appWithoutBundling(plan, false);

    // Assert
    expect(stacks.forwarders).toEqual([]);
    expect(stacks.primary.region).toBe('us-east-1');
    expect(stacks.primary.alarmForwarding).toBeDefined();
    expect(stacks.primary.dependencies.map((s) => s.stackName)).toContain(stacks.dr.stackName);
  });
});

describe('Workflow', () => {
  it('fails synth naming every placeholder without a function', () => {
    // Arrange
    const stack = new Stack(new App(), 'Test', { env: { region: 'eu-west-1' } });
    const fn = lambda.Function.fromFunctionArn(
      stack,
      'Fn',
      'arn:aws:lambda:eu-west-1:111122223333:function:x',
    );

    // Act
    let error: unknown;
    try {
      new Workflow(stack, 'Backup', {
        workflow: 'backup',
        functions: { Snapshot: fn, Volumes: fn, Copy: fn },
      });
    } catch (caught) {
      error = caught;
    }

    // Assert
    expect(error).toBeInstanceOf(WorkflowDefinitionError);
    expect((error as Error).message).toMatch(
      /backup\.asl\.json: no value for \$\{PruneFunctionArn\}, \$\{ReportFunctionArn\}$/,
    );
  });
});

describe('environmentSize', () => {
  it('counts keys, values, and an allowance for each unresolved token', () => {
    // Arrange
    const stack = new Stack(new App(), 'Test');

    // Act
    const plain = environmentSize({ A: 'xyz' });
    const withToken = environmentSize({ ARN: `arn:${stack.account}` });

    // Assert
    expect(plain).toBe(4);
    expect(withToken).toBeGreaterThan(128);
    expect(LAMBDA_ENVIRONMENT_LIMIT).toBe(4096);
  });
});

describe('acknowledgeWildcards', () => {
  it('has a reason for each known wildcard shape and none for an unknown one', () => {
    // Arrange
    const known = [
      '*',
      '<RestoreFunction07574348.Arn>:*',
      'arn:<AWS::Partition>:s3:::bucket/shop/backups/*',
      'arn:<AWS::Partition>:ec2:eu-west-1::snapshot/*',
      'arn:<AWS::Partition>:kms:eu-west-1:<AWS::AccountId>:key/*',
    ];
    const unknown = [
      'arn:<AWS::Partition>:s3:::bucket/*',
      'arn:<AWS::Partition>:ec2:eu-west-1:<AWS::AccountId>:instance/*',
    ];

    // Act
    const explained = (finding: string) => WILDCARD_REASONS.some((entry) => entry.pattern.test(finding));

    // Assert
    for (const finding of known) expect(explained(finding), finding).toBe(true);
    for (const finding of unknown) expect(explained(finding), finding).toBe(false);
  });
});
