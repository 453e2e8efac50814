// The example plan moved to China and to GovCloud, synthesized (bundling and cdk-nag skipped): the IAM
// policies name ARNs of the plan's partition and the endpoints kms:ViaService matches carry its DNS suffix.
import { readFileSync } from 'node:fs';
import type { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../src/plan/index.ts';
import {
  appWithoutBundling,
  EXAMPLE_CONFIG,
  flatten,
  policyStatements,
  resourcesOf,
  templateOf,
} from './synth-helpers.ts';

const KEY_ID = '1234abcd-12ab-34cd-56ef-1234567890ab';

/** The example plan with its regions, endpoints and DR key in another partition. */
function planIn(partition: string, dnsSuffix: string, primary: string, dr: string) {
  const text = readFileSync(EXAMPLE_CONFIG, 'utf8')
    .replaceAll('eu-west-1', primary)
    .replaceAll('eu-central-1', dr)
    .replaceAll('.amazonaws.com"', `.${dnsSuffix}"`);
  const input = JSON.parse(text);
  // Route 53 health-check alarms live in us-east-1, a region of the aws partition only.
  input.failover.alarms = input.failover.alarms.filter(
    (alarm: { region: string }) => alarm.region !== 'us-east-1',
  );
  input.dr.kmsKeyArn = `arn:${partition}:kms:${dr}:111122223333:key/${KEY_ID}`;
  return parsePlan(input, `example plan in ${partition}`);
}

const synthesizedPlans = new Map<string, ReturnType<typeof synthesize>>();

/** Every kms:ViaService value and every IAM resource ARN of the plan's stacks, synthesized once per plan. */
function synthesized(plan: ReturnType<typeof planIn>) {
  let found = synthesizedPlans.get(plan.dr.region);
  if (found === undefined) {
    found = synthesize(plan);
    synthesizedPlans.set(plan.dr.region, found);
  }
  return found;
}

function synthesize(plan: ReturnType<typeof planIn>) {
  const { stacks } = appWithoutBundling(plan, false);
  const templates: Template[] = [stacks.primary, stacks.dr, ...stacks.forwarders].map((stack) =>
    templateOf(stack as never),
  );
  const statements = templates.flatMap((template) => policyStatements(template).map((s) => s.statement));
  const viaServices = new Set(
    statements.flatMap((s) => {
      const value = s.Condition?.StringEquals?.['kms:ViaService'];
      return value === undefined ? [] : [String(value)];
    }),
  );
  const arns = new Set(
    statements.flatMap((s) => resourcesOf(s).map(flatten)).filter((resource) => resource !== '*'),
  );
  return { viaServices, arns, regions: [stacks.primary.region, stacks.dr.region] };
}

describe.each([
  ['aws-cn', 'amazonaws.com.cn', 'cn-north-1', 'cn-northwest-1'],
  ['aws-us-gov', 'amazonaws.com', 'us-gov-west-1', 'us-gov-east-1'],
])('a plan in %s', (partition, dnsSuffix, primary, dr) => {
  it(`lets KMS serve S3, EC2 (DR keys) and SNS only through their ${dnsSuffix} endpoints`, () => {
    // Arrange
    const plan = planIn(partition, dnsSuffix, primary, dr);

    // Act
    const { viaServices, regions } = synthesized(plan);

    // Assert
    expect(regions).toEqual([primary, dr]);
    expect([...viaServices].sort()).toEqual(
      [
        `ec2.${dr}.${dnsSuffix}`,
        `s3.${dr}.${dnsSuffix}`,
        `s3.${primary}.${dnsSuffix}`,
        `sns.${dr}.${dnsSuffix}`,
      ].sort(),
    );
  });

  it(`names ARNs of ${partition}: the stack's partition for its own, the plan's ARNs as given`, () => {
    // Arrange
    const plan = planIn(partition, dnsSuffix, primary, dr);

    // Act
    const { arns } = synthesized(plan);

    // Assert
    const foreign = [...arns].filter(
      (arn) =>
        !arn.startsWith('arn:<AWS::Partition>:') &&
        !arn.startsWith(`arn:${partition}:`) &&
        !arn.startsWith('<'),
    );
    expect(foreign).toEqual([]);
    expect(arns).toContain(`arn:${partition}:kms:${dr}:111122223333:key/${KEY_ID}`);
    expect(arns).toContain(`arn:<AWS::Partition>:eks:${primary}:<AWS::AccountId>:cluster/shop-prod`);
    expect(arns).toContain(
      `arn:<AWS::Partition>:eks:${dr}:<AWS::AccountId>:nodegroup/shop-dr/shop-dr-general/*`,
    );
  });
});
